/**
 * graphql-yoga's typings pull in the DOM library (through @whatwg-node/fetch), whose
 * ReadableStream, unlike Node's, is not async iterable unless this part of it is loaded too;
 * without it, code iterating a fetch body (src/cli/rules.ts) no longer type-checks.
 */
/// <reference lib="dom.asynciterable" />
