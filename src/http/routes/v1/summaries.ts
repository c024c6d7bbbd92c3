/**
 * `GET /v1/{collection}/{key1}/{key2}/summary[?minRevision=N]`: one document's status, owner,
 * route and (purchase orders) line balances from the `documents` read model, without
 * replaying its stream.
 *
 * Answers, in this order, so that nothing tells a scoped key more than a document GET does:
 * - 403 only for a key restricted to other document types (decided before anything is read);
 * - 404 for a document that does not exist or that the key may not see, alike;
 * - with `minRevision`: it waits (up to 2 s) for the read model; if the document's stream
 *   itself is below that revision, 400 `revision-not-recorded` (no retry can succeed); if the
 *   stream has it but the model still does not, 503 `read-model-behind` with Retry-After.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../../auth/principal.js';
import { scopeViolation } from '../../../auth/principal.js';
import { authoriseDocumentType, documentNotFound, maySee } from '../../../commands/scope.js';
import {
  type DocumentRef,
  type DocumentType,
  documentTypeInfo,
  documentTypes,
  keyOf,
  streamNameOf,
} from '../../../domain/documents.js';
import { foldDocument } from '../../../domain/fold.js';
import type { EventStore } from '../../../ports/eventStore.js';
import type { ReadModelDocument, ReadModelStore } from '../../../ports/readModelStore.js';
import { HttpProblem, sendProblem, toProblem } from '../../problem.js';
import {
  problemExample,
  problemResponse,
  readProblemResponses,
  revisionNotRecordedResponse,
} from './problemResponses.js';
import {
  minRevisionQuery,
  readModelQuery,
  readModelReaders,
  revisionNotRecorded,
  scopedWriter,
  sleep,
} from './readModelAnswers.js';
import { documentParamsSchema } from './schemas.js';
import { assertValidRequest } from './violations.js';

export interface SummaryRoutesOptions {
  readModels: ReadModelStore;
  /** The log: who may see a document whose parents vouch for it, and how far its stream is. */
  store: EventStore;
  /** How long a summary waits for `minRevision` (read-your-writes). Default 2 s. */
  consistencyWaitMs?: number;
}

const model = 'documents';

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const revisionOf = (summary: ReadModelDocument | null) => Number(summary?.revision ?? -1);

/** The read model is behind the log: an expected, retryable answer, logged without a stack. */
const readModelBehind = (
  request: FastifyRequest,
  reply: FastifyReply,
  wanted: number,
  streamRevision: number,
) => {
  request.log.warn({ minRevision: wanted, streamRevision }, 'read model behind the log');
  const problem = new HttpProblem(
    503,
    'read-model-behind',
    'Not yet visible',
    `The read model has not reached revision ${wanted} yet; retry shortly.`,
    {},
    { 'retry-after': '1' },
  );
  const { problem: body, headers } = toProblem(problem, request);
  return sendProblem(reply, body, headers);
};

export const summaryRoutes = async (
  app: FastifyInstance,
  { readModels, store, consistencyWaitMs = 2_000 }: SummaryRoutesOptions,
) => {
  /** Whether a scoped writer may see the document the summary is of. */
  const visibleTo = async (scoped: Principal, ref: DocumentRef, summary: ReadModelDocument) => {
    const { type } = ref;
    const own = {
      documentType: type,
      company: str(summary.company),
      supplier: str(summary.supplier),
      site: str(summary.site),
    };
    if (scopeViolation(scoped, own) === null) return true;
    // A document without the attribute may be vouched for by its parents: ask its state.
    const state = foldDocument(type, await store.readStream(streamNameOf(ref)));
    return state !== null && maySee(store, scoped, type, state);
  };

  for (const type of documentTypes as readonly DocumentType[]) {
    const { collection, keyFields } = documentTypeInfo[type];
    const noun = collection.replace(/-/g, ' ');

    app.get(`/${collection}/:${keyFields[0]}/:${keyFields[1]}/summary`, {
      config: { roles: readModelReaders },
      // Path and query violations are listed together (violations.ts).
      attachValidation: true,
      schema: {
        operationId: `summary-${collection}`,
        summary: `Status, owner and (orders) line balances of one of the ${noun}`,
        tags: [collection],
        params: documentParamsSchema(type),
        querystring: minRevisionQuery,
        response: {
          200: { type: 'object' },
          ...readProblemResponses,
          400: revisionNotRecordedResponse,
          503: problemResponse(
            'The read model has not reached minRevision yet (the stream has), or is still being built; retry after Retry-After.',
            problemExample(
              503,
              'read-model-behind',
              'Not yet visible',
              'The read model has not reached revision 5 yet; retry shortly.',
              '/v1/purchase-orders/ACME-US/4500012345/summary?minRevision=5',
            ),
          ),
        },
      },
      handler: async (request, reply) => {
        assertValidRequest(request);
        const ref: DocumentRef = {
          type,
          key: keyOf(type, request.params as Record<string, string>),
        };
        const id = streamNameOf(ref);
        const scoped = scopedWriter(request.principal);
        if (scoped) authoriseDocumentType(scoped, type);
        const { minRevision } = request.query as { minRevision?: string };
        const wanted = minRevision === undefined ? null : Number(minRevision);
        const deadline = Date.now() + consistencyWaitMs;
        let summary = await readModelQuery(() => readModels.get(model, id));
        while (wanted !== null && revisionOf(summary) < wanted && Date.now() < deadline) {
          await sleep(20);
          summary = await readModelQuery(() => readModels.get(model, id));
        }
        if (wanted !== null && revisionOf(summary) < wanted) {
          // Still behind: the stream tells a missing document, one out of scope, or a revision
          // never recorded from a model that is only late.
          const events = await store.readStream(id);
          const state = foldDocument(type, events);
          if (!state || (scoped && !(await maySee(store, scoped, type, state)))) {
            throw documentNotFound(ref);
          }
          const streamRevision = Number(events.at(-1)?.revision ?? -1);
          if (streamRevision < wanted) throw revisionNotRecorded(ref, streamRevision, wanted);
          return readModelBehind(request, reply, wanted, streamRevision);
        }
        if (!summary || (scoped && !(await visibleTo(scoped, ref, summary)))) {
          throw documentNotFound(ref);
        }
        return summary;
      },
    });
  }
};
