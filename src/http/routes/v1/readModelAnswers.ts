/**
 * What every route served from read models shares: the roles that read them, writers held
 * to their scopes, and the problems a read-model query answers (not built yet, a cursor it
 * did not hand out, a client outside its scope), with their OpenAPI examples.
 */
import type { Principal, Role } from '../../../auth/principal.js';
import { type DocumentRef, documentTypeInfo } from '../../../domain/documents.js';
import { InvalidCursorError, ReadModelNotReadyError } from '../../../ports/readModelStore.js';
import { HttpProblem } from '../../problem.js';
import {
  invalidRequest,
  problemExample,
  problemResponse,
  problemResponses,
} from './problemResponses.js';

/** `?minRevision=`, on a document's GET and its summary: read-your-writes after a 202. */
export const minRevisionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    minRevision: {
      type: 'string',
      pattern: '^[0-9]{1,15}$',
      description:
        'Read-your-writes: the `streamRevision` of your 202. The answer reflects at least that revision; beyond the stream: 400 revision-not-recorded.',
    },
  },
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const readModelReaders: Role[] = ['writer', 'auditor', 'operator', 'architect'];

/** Writers are held to their scopes; the overseeing roles see everything. */
export const scopedWriter = (principal: Principal | null): Principal | null =>
  principal && !principal.roles.some((role) => role !== 'writer') ? principal : null;

export const outOfScope = (detail: string) =>
  new HttpProblem(403, 'out-of-scope', 'Forbidden', detail);

/**
 * `minRevision` beyond the document's own stream: no wait or retry can answer it (a revision
 * from another document, or a typo), so it is a bad parameter (400, pointing at it) that says
 * where the document is; a GET answers no conflicts.
 */
export const revisionNotRecorded = (
  ref: DocumentRef,
  streamRevision: number,
  minRevision: number,
) => {
  const detail = `${documentTypeInfo[ref.type].collection} ${Object.values(ref.key).join('/')} is at revision ${streamRevision}; revision ${minRevision} has not been recorded.`;
  return new HttpProblem(400, 'revision-not-recorded', 'Revision not recorded', detail, {
    streamRevision,
    minRevision,
    errors: [{ pointer: '/minRevision', in: 'query', detail }],
  });
};

/** Runs a read-model query, turning the store's expected failures into problems. */
export const readModelQuery = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReadModelNotReadyError) {
      throw new HttpProblem(
        503,
        'read-model-not-ready',
        'Read model not ready',
        error.message,
        {},
        { 'retry-after': '1' },
      );
    }
    if (error instanceof InvalidCursorError) {
      throw new HttpProblem(400, 'invalid-request', 'The request is not valid', error.message, {
        errors: [{ pointer: '/cursor', in: 'query', detail: error.message }],
      });
    }
    throw error;
  }
};

/** Problems of a read-model query, with examples, for `instance`. */
export const readModelProblemResponses = (instance: string) => ({
  400: problemResponse(
    'A query parameter is not valid: `errors` lists each one.',
    invalidRequest(instance, '/limit', 'must match pattern', 'query'),
  ),
  401: problemResponses[401],
  403: problemResponse(
    'The API key lacks the role, or asks for something outside its scopes.',
    problemExample(
      403,
      'out-of-scope',
      'Forbidden',
      'Client supplier-portal may not list for company ACME-DE.',
      instance,
    ),
  ),
  429: problemResponses[429],
  503: problemResponse(
    'The read model is still being built (first start, new version), or has not reached the revision asked for; retry after Retry-After.',
    problemExample(
      503,
      'read-model-not-ready',
      'Read model not ready',
      'Read model documents is still being built; retry shortly.',
      instance,
    ),
  ),
});
