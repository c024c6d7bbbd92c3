/**
 * RFC 9457 problem details: the one error format of the API. Every error the gateway returns
 * goes through `toProblem`, so clients see one shape and 5xx responses never leak internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ScopeForbiddenError } from '../commands/handler.js';
import {
  BusinessRuleError,
  DocumentNotFoundError,
  DocumentStateConflictError,
} from '../domain/errors.js';
import { EventStoreUnavailableError } from '../ports/eventStore.js';
import { RuleSetVersionConflictError } from '../registries/ruleSets.js';
import { ScopeFrozenError } from '../routing/freezes.js';

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

export const problemTypeBase = 'https://coexist.dev/problems/';

/** An error that is already a problem: thrown anywhere, rendered as-is. */
export class HttpProblem extends Error {
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

const body = (
  status: number,
  code: string,
  title: string,
  detail: string | undefined,
  request: FastifyRequest,
  extensions: Partial<ProblemBody> = {},
): ProblemBody => ({
  type: `${problemTypeBase}${code}`,
  title,
  status,
  ...(detail === undefined ? {} : { detail }),
  instance: request.url,
  code,
  ...extensions,
});

/** Fastify's own client errors (bad JSON, wrong content type, body too large, …). */
const fastifyClientErrors: Record<string, [string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported-media-type', 'Unsupported media type'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['body-too-large', 'Request body too large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed-body', 'Empty JSON body'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed-body', 'Malformed JSON body'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['malformed-body', 'Invalid Content-Length'],
};

export const toProblem = (
  error: unknown,
  request: FastifyRequest,
): { problem: ProblemBody; headers: Record<string, string> } => {
  if (error instanceof HttpProblem) {
    return {
      problem: body(
        error.status,
        error.code,
        error.title,
        error.message,
        request,
        error.extensions,
      ),
      headers: error.headers,
    };
  }
  if (error instanceof BusinessRuleError) {
    return {
      problem: body(422, error.code, 'Business rule violated', error.message, request, {
        errors: error.violations.map((v) => ({ ...v, in: 'body' })),
      }),
      headers: {},
    };
  }
  if (error instanceof DocumentStateConflictError) {
    return { problem: body(409, error.code, 'Conflict', error.message, request), headers: {} };
  }
  if (error instanceof ScopeFrozenError) {
    const { freeze } = error;
    const seconds = Math.max(1, Math.ceil((Date.parse(freeze.until) - Date.now()) / 1000));
    return {
      problem: body(423, 'scope-frozen', 'Scope frozen for cutover', error.message, request, {
        frozenUntil: freeze.until,
        reason: freeze.reason,
        freezeId: freeze.freezeId,
        scope: freeze.scope,
      }),
      headers: { 'retry-after': String(seconds) },
    };
  }
  if (error instanceof RuleSetVersionConflictError) {
    return {
      problem: body(409, 'rule-set-version-conflict', 'Conflict', error.message, request),
      headers: {},
    };
  }
  if (error instanceof DocumentNotFoundError) {
    return {
      problem: body(404, 'document-not-found', 'Document not found', error.message, request),
      headers: {},
    };
  }
  if (error instanceof ScopeForbiddenError) {
    return {
      problem: body(403, 'out-of-scope', 'Forbidden', error.message, request),
      headers: {},
    };
  }
  if (error instanceof EventStoreUnavailableError) {
    return {
      problem: body(
        503,
        'store-unavailable',
        'Service unavailable',
        'The event store is unavailable; nothing was recorded. Retry with the same Idempotency-Key.',
        request,
      ),
      headers: { 'retry-after': '5' },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? fastifyClientErrors[fastifyError.code] : undefined;
  if (known && fastifyError.statusCode && fastifyError.statusCode < 500) {
    return {
      problem: body(fastifyError.statusCode, known[0], known[1], fastifyError.message, request),
      headers: {},
    };
  }
  if (fastifyError.statusCode === 429) {
    return {
      problem: body(429, 'rate-limited', 'Too many requests', fastifyError.message, request),
      headers: {},
    };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return {
      problem: body(
        fastifyError.statusCode,
        'bad-request',
        'Bad request',
        fastifyError.message,
        request,
      ),
      headers: {},
    };
  }
  // Anything else is our fault: log it with the request id, tell the client only that.
  return {
    problem: body(
      500,
      'internal-error',
      'Internal server error',
      `The request could not be processed. Quote request id ${request.id} when reporting it.`,
      request,
    ),
    headers: {},
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
