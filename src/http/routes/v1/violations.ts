/**
 * Every violation of every part of a request, in one problem, so a client fixes them in one go.
 *
 * Fastify stops at the first part that fails its schema (path, then body, query, headers) and
 * a route's own checks (a real calendar date, a cursor of this query) never run when a schema
 * failed. A route that declares `attachValidation: true` calls `requestViolations` instead: it
 * runs the route's compiled validator of each part it declares, then adds the route's own
 * checks, and throws one 400 listing them all.
 */
import type { FastifyRequest, FastifySchema } from 'fastify';
import { toViolations } from '../../contracts.js';
import { HttpProblem, type ProblemViolation } from '../../problem.js';

type HttpPart = 'params' | 'body' | 'querystring' | 'headers';

/** The part of the request each schema validates, and how a violation names it. */
const parts: [HttpPart, keyof FastifyRequest, NonNullable<ProblemViolation['in']>][] = [
  ['params', 'params', 'path'],
  ['querystring', 'query', 'query'],
  ['headers', 'headers', 'header'],
  ['body', 'body', 'body'],
];

/** The violations of the route's schemas, part by part. */
export const schemaViolations = (request: FastifyRequest): ProblemViolation[] => {
  const schema = (request.routeOptions.schema ?? {}) as FastifySchema;
  const found: ProblemViolation[] = [];
  for (const [part, field, location] of parts) {
    if (!schema[part]) continue;
    const validate = request.getValidationFunction(part);
    if (validate && !validate(request[field])) {
      found.push(...toViolations(validate.errors ?? [], location));
    }
  }
  return found;
};

export const invalidRequest = (errors: ProblemViolation[]) =>
  new HttpProblem(
    400,
    'invalid-request',
    'The request does not satisfy the contract',
    'See errors: each names the offending field.',
    { errors },
  );

/**
 * Throws one problem listing the schemas' violations and those `checks` find (run on what
 * the schemas accepted too). `checks` must tolerate values the schemas refused.
 */
export const assertValidRequest = (
  request: FastifyRequest,
  checks: () => ProblemViolation[] = () => [],
): void => {
  const schema = request.validationError ? schemaViolations(request) : [];
  // A field the schema refused is not listed again by a check of the same field.
  const refused = new Set(schema.map((v) => `${v.in}${v.pointer}`));
  const errors = [...schema, ...checks().filter((v) => !refused.has(`${v.in}${v.pointer}`))];
  if (errors.length > 0) throw invalidRequest(errors);
};
