/**
 * Checks of GraphQL arguments that the REST API makes with its JSON Schema contracts, with the
 * same patterns (read from the contracts, not copied), so a value REST refuses is refused here
 * too, as BAD_USER_INPUT naming the argument (`extensions.argument`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGraphQLError } from 'graphql-yoga';
import { contractsDir } from '../http/contracts.js';
import { correlationIdPattern, correlationIdRule } from '../http/requestContext.js';

/** A refused argument: its name in the message and in `extensions.argument`. */
export const argumentError = (argument: string, message: string) =>
  createGraphQLError(`\`${argument}\` ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', argument },
  });

const common = JSON.parse(readFileSync(join(contractsDir, 'http/v1/common.json'), 'utf8')) as {
  $defs: { code: { pattern: string } };
};
/** Company, supplier, site and document numbers, as the contracts spell them. */
const codePattern = new RegExp(common.$defs.code.pattern);

export const checkCode = (argument: string, value: string): string => {
  if (!codePattern.test(value)) {
    throw argumentError(
      argument,
      `must be a code (${codePattern.source}), not ${JSON.stringify(value)}.`,
    );
  }
  return value;
};

/** An accounting period, as `GET /v1/gl/trial-balance` takes it. */
export const checkPeriod = (argument: string, value: string): string => {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) {
    throw argumentError(argument, `must be a period (YYYY-MM), not ${JSON.stringify(value)}.`);
  }
  return value;
};

/** A correlation id as the API takes it in `X-Correlation-Id`: no other was ever recorded. */
export const checkCorrelationId = (argument: string, value: string): string => {
  if (!correlationIdPattern.test(value)) {
    throw argumentError(argument, `must be ${correlationIdRule}.`);
  }
  return value;
};

/**
 * A page's size when `first` is left out or null. At most 100 (the REST lists take 200): a
 * connection's `first` multiplies the cost of its selection (plugin.ts).
 */
export const defaultPageSize = 20;
export const maxPageSize = 100;

export const pageSize = (first: number | null | undefined): number => {
  const size = first ?? defaultPageSize;
  if (!Number.isInteger(size) || size < 1 || size > maxPageSize) {
    throw argumentError('first', `must be between 1 and ${maxPageSize}.`);
  }
  return size;
};

/** No cursor we hand out is longer; the REST lists take cursors up to the same length. */
const maxCursorLength = 512;

export const invalidCursor = () =>
  argumentError(
    'after',
    'is not a valid cursor: pass an endCursor or edge cursor of the same connection unchanged.',
  );

/** `after` as a client sends it: null or absent is the first page. */
export const afterCursor = (after: string | null | undefined): string | undefined => {
  if (after === null || after === undefined) return undefined;
  if (after.length === 0 || after.length > maxCursorLength) throw invalidCursor();
  return after;
};
