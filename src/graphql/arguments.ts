/**
 * Checks of GraphQL arguments that the REST API makes with its JSON Schema contracts, with the
 * same patterns (read from the contracts, not copied), so a value REST refuses is refused here
 * too, as BAD_USER_INPUT naming the argument (`extensions.argument`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGraphQLError } from 'graphql-yoga';
import { contractsDir } from '../http/contracts.js';

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
