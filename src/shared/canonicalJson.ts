/**
 * JSON in which equal data gives an equal string whatever the order of object keys: the
 * output of `JSON.stringify` applied to a copy of the value whose objects have their keys
 * sorted. (As in any JS object, integer-like keys come first, in numeric order; the result is
 * still deterministic.) Idempotency fingerprints and rule-set digests are hashes of this
 * string, and both are stored, so its bytes must never change: `sortedCopyJson` below is the
 * definition, and the tests hold `canonicalJson` to it.
 *
 * It runs on every write (the idempotency fingerprint), so plain JSON data (what a parsed
 * body holds) is written directly, without building the sorted copy: no object per object
 * of the input, no dictionary-mode copies for JSON.stringify to walk. Anything else (class
 * instances, Dates, BigInts, a `toJSON` method, keys that are array indices, …) takes the
 * defining path for the whole value, so its output is the same by construction.
 */
export const canonicalJson = (value: unknown): string => {
  try {
    return write(value) as string;
  } catch (error) {
    if (error !== notPlain) throw error;
    return sortedCopyJson(value);
  }
};

/** The definition: JSON.stringify of a copy with every object's keys sorted. */
const sortedCopyJson = (value: unknown): string => JSON.stringify(sortedDeep(value));

const sortedDeep = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedDeep);
  const source = value as Record<string, unknown>;
  // No prototype: a "__proto__" key is then data, as in the parsed JSON, not a setter.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(source).sort()) sorted[key] = sortedDeep(source[key]);
  return sorted;
};

/** Thrown (never escapes) when the value is not plain data: the defining path takes over. */
const notPlain = new Error('not plain JSON data');

/** What JSON.stringify escapes: quote, backslash, control characters, lone surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const needsEscaping = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it; most need no escaping and skip its call. */
const quote = (text: string): string =>
  needsEscaping.test(text) ? JSON.stringify(text) : `"${text}"`;

/**
 * Quoted keys: documents of one contract repeat the same few dozen keys, so each is checked
 * for escapes once. Bounded, since canonicalJson also sees keys no contract names.
 */
const quotedKeys = new Map<string, string>();
const quoteKey = (key: string): string => {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
};

/**
 * Sorts in place in the order Array.prototype.sort() gives strings (UTF-16 code units; keys
 * are unique, so stability does not matter). Objects have a handful of keys, where an
 * insertion sort with `<` is about twice as fast as the built-in sort; large ones use it.
 */
const sortKeys = (keys: string[]): void => {
  const length = keys.length;
  if (length > 24) {
    keys.sort();
    return;
  }
  for (let i = 1; i < length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
};

/** `undefined` where JSON.stringify omits the value (a property) or writes `null` (an item). */
const write = (value: unknown): string | undefined => {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // JSON.stringify writes finite numbers as String() does (-0 as "0"), others as null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value) : writeObject(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      // bigint: JSON.stringify throws, and so shall the defining path.
      throw notPlain;
  }
};

const writeArray = (items: unknown[]): string => {
  // A subclass may bring its own toJSON; the defining path knows what JSON.stringify does.
  if (Object.getPrototypeOf(items) !== Array.prototype) throw notPlain;
  const length = items.length;
  if (length === 0) return '[]';
  let out = `[${write(items[0]) ?? 'null'}`;
  for (let i = 1; i < length; i++) out += `,${write(items[i]) ?? 'null'}`;
  return `${out}]`;
};

const writeObject = (object: object): string => {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) throw notPlain;
  const source = object as Record<string, unknown>;
  const keys = Object.keys(source);
  // Array-index keys ("0", "10") come first in any object, the sorted copy's included, in
  // numeric order: rather than reproduce that rule, leave such objects to the defining path.
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57) throw notPlain;
  }
  sortKeys(keys);
  let out = '{';
  for (const key of keys) {
    const item = source[key];
    // An own toJSON method would be called by JSON.stringify on the copy.
    if (key === 'toJSON' && typeof item === 'function') throw notPlain;
    const text = write(item);
    if (text === undefined) continue;
    out += out.length === 1 ? `${quoteKey(key)}:${text}` : `,${quoteKey(key)}:${text}`;
  }
  return `${out}}`;
};
