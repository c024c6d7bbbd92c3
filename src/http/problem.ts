/**
 * RFC 9457 problem details: the one error format of the API. Every error the gateway returns
 * goes through `toProblem`, so clients see one shape and 5xx responses never leak internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { WritePathError } from '../commands/errors.js';
import type { DomainError } from '../domain/errors.js';
import type { EventStoreUnavailableError } from '../ports/eventStore.js';
import type { RuleSetVersionConflictError } from '../registries/ruleSets.js';
import type { ScopeFrozenError } from '../routing/freezes.js';
import type { ForbiddenKeyError } from './jsonBody.js';

export interface ProblemViolation {
  /** RFC 6901 JSON pointer into the part of the request named by `in`. */
  pointer: string;
  detail: string;
  in?: 'body' | 'path' | 'query' | 'header';
  keyword?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: ProblemViolation[];
  [extension: string]: unknown;
}

/** How a violation names the part of the request Fastify's validation calls `context`. */
export const requestPart = (context: string | undefined): ProblemViolation['in'] =>
  (({ params: 'path', querystring: 'query', headers: 'header' }) as const)[
    context as 'params' | 'querystring' | 'headers'
  ] ?? 'body';

export const problemTypeBase = 'https://coexist.dev/problems/';

/** An error that is already a problem: thrown anywhere, rendered as-is. */
export class HttpProblem extends Error {
  readonly type = 'http-problem' as const;
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Partial<ProblemBody> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}

/** What a problem says, before the request's own parts (type URI, instance) are added. */
interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  extensions?: Partial<ProblemBody>;
  headers?: Record<string, string>;
  /** Sending the same request again after this many seconds may succeed (`Retry-After`). */
  retryAfterSeconds?: number;
}

/** Every error the gateway raises on purpose: each carries a literal `type`. */
type KnownError =
  | HttpProblem
  | DomainError
  | WritePathError
  | ScopeFrozenError
  | RuleSetVersionConflictError
  | EventStoreUnavailableError
  | ForbiddenKeyError;

/** How each known error becomes a problem, by its `type`. */
const problems: { [E in KnownError as E['type']]: (error: E) => Problem } = {
  'http-problem': (error) => ({
    status: error.status,
    code: error.code,
    title: error.title,
    detail: error.message,
    extensions: error.extensions,
    headers: error.headers,
  }),
  'business-rule-violated': (error) => ({
    status: 422,
    code: error.code,
    title: 'Business rule violated',
    detail: error.message,
    extensions: { errors: error.violations.map((v) => ({ ...v, in: 'body' })) },
  }),
  'document-state-conflict': (error) => ({
    status: 409,
    code: error.code,
    title: 'Conflict',
    detail: error.message,
  }),
  'document-not-found': (error) => ({
    status: 404,
    code: 'document-not-found',
    title: 'Document not found',
    detail: error.message,
  }),
  'scope-forbidden': (error) => ({
    status: 403,
    code: 'out-of-scope',
    title: 'Forbidden',
    detail: error.message,
  }),
  'concurrency-conflict': (error) => ({
    status: 409,
    code: 'concurrent-modification',
    title: 'Conflict with concurrent writers',
    detail: error.message,
    retryAfterSeconds: 1,
  }),
  'idempotency-key-reused': (error) => ({
    status: 422,
    code: 'idempotency-key-reused',
    title: 'Idempotency key reused',
    detail: error.message,
  }),
  'idempotency-key-in-progress': (error) => ({
    status: 409,
    code: 'idempotency-key-in-progress',
    title: 'Conflict',
    detail: error.message,
    retryAfterSeconds: 1,
  }),
  'scope-frozen': ({ freeze, message }) => ({
    status: 423,
    code: 'scope-frozen',
    title: 'Scope frozen for cutover',
    detail: message,
    extensions: {
      frozenUntil: freeze.until,
      reason: freeze.reason,
      freezeId: freeze.freezeId,
      scope: freeze.scope,
    },
    retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(freeze.until) - Date.now()) / 1000)),
  }),
  'rule-set-version-conflict': (error) => ({
    status: 409,
    code: 'rule-set-version-conflict',
    title: 'Conflict',
    detail: error.message,
  }),
  'store-unavailable': () => ({
    status: 503,
    code: 'store-unavailable',
    title: 'Service unavailable',
    detail:
      'The event store is unavailable; nothing was recorded. Retry with the same Idempotency-Key.',
    retryAfterSeconds: 5,
  }),
  'forbidden-key': (error) => ({
    status: 400,
    code: 'forbidden-key',
    title: 'Forbidden key in body',
    detail: error.message,
    extensions: {
      errors: [{ pointer: error.pointer, detail: error.message, in: 'body' }],
    },
  }),
};

const knownProblem = (error: unknown): Problem | null => {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(problems, type)) return null;
  const toProblem = problems[type as KnownError['type']] as (error: KnownError) => Problem;
  return toProblem(error as KnownError);
};

/**
 * Fastify's own client errors (bad JSON, wrong content type, body too large, …), with a detail
 * of our own where Fastify's would repeat the request.
 */
const fastifyClientErrors: Record<string, [string, string, string?]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported-media-type', 'Unsupported media type'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['body-too-large', 'Request body too large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed-body', 'Empty JSON body'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed-body', 'Malformed JSON body'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['malformed-body', 'Invalid Content-Length'],
  FST_ERR_MAX_PARAM_LENGTH: [
    'uri-too-long',
    'URI too long',
    // Fastify's default maxParamLength, which the app keeps.
    'A segment of the URL path is longer than the 100 characters a path parameter may have.',
  ],
};

/** Longer URLs are not echoed as the problem's `instance` (a 414 may be kilobytes long). */
const maxInstanceLength = 512;

/** A client error raised by Fastify or one of its plugins, by its `code` and status. */
const fastifyProblem = (error: unknown): Problem | null => {
  const { code, statusCode, message } = error as Partial<FastifyError>;
  if (statusCode === undefined || statusCode < 400 || statusCode >= 500) return null;
  const [problemCode, title, detail = message] =
    (code && fastifyClientErrors[code]) ||
    (statusCode === 429 ? ['rate-limited', 'Too many requests'] : ['bad-request', 'Bad request']);
  return { status: statusCode, code: problemCode, title, detail };
};

/** Anything else is our fault: it is logged with the request id; the client is told only that. */
const internalError = (request: FastifyRequest): Problem => ({
  status: 500,
  code: 'internal-error',
  title: 'Internal server error',
  detail: `The request could not be processed. Quote request id ${request.id} when reporting it.`,
});

/** The problem an error is for the client, and the headers to send with it. */
export const toProblem = (
  error: unknown,
  request: FastifyRequest,
): { problem: ProblemBody; headers: Record<string, string> } => {
  const known = knownProblem(error) ?? fastifyProblem(error) ?? internalError(request);
  const { status, code, title, detail, extensions, headers = {}, retryAfterSeconds } = known;
  const problem: ProblemBody = {
    type: `${problemTypeBase}${code}`,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(request.url.length > maxInstanceLength ? {} : { instance: request.url }),
    code,
    ...(retryAfterSeconds === undefined ? {} : { retryable: true }),
    ...extensions,
  };
  return {
    problem,
    headers:
      retryAfterSeconds === undefined
        ? headers
        : { ...headers, 'retry-after': String(retryAfterSeconds) },
  };
};

export const sendProblem = (
  reply: FastifyReply,
  problem: ProblemBody,
  headers: Record<string, string> = {},
): FastifyReply =>
  reply
    .code(problem.status)
    .headers(headers)
    .type('application/problem+json; charset=utf-8')
    .send(problem);
