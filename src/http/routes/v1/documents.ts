/**
 * GET of each document by its business key, and its event timeline page by page.
 *
 * - `GET /v1/{collection}/{key1}/{key2}[?minRevision=N]`: the document's current state, as
 *   the write path folds it, read from the `documentStates` read model (no replay of the
 *   stream); its route, revision and deliveries; and the first `embeddedEvents` events of its
 *   timeline (oldest first, the same items as before), with `timeline.next` when there are more.
 * - `GET /v1/{collection}/{key1}/{key2}/events?cursor=&limit=`: the whole timeline, oldest
 *   first, by pages read from the document's stream by revision.
 *
 * Consistency: the read model follows the log asynchronously (milliseconds behind). A client
 * that has just written reads its own write by sending the `streamRevision` of its 202 as
 * `minRevision`: the GET waits (up to `consistencyWaitMs`) for the read model to reach it,
 * then, if it still has not, answers from the stream itself; a revision beyond the stream's is
 * a 400 `revision-not-recorded` (never an answer older than asked). A document the read model does
 * not know yet (just created), and every document while the read model's first build is
 * still running, is also answered from its stream: a GET never misses a recorded document.
 * Without read models (an app built without them) every GET folds the stream, as it always did.
 */
import type { FastifyInstance } from 'fastify';
import type { DocumentStateRecord } from '../../../../projections/documentStates/documentStates.js';
import type { Principal } from '../../../auth/principal.js';
import { authoriseDocumentType, documentNotFound, maySee } from '../../../commands/scope.js';
import { deliveryStatusOf } from '../../../delivery/status.js';
import {
  type DocumentRef,
  type DocumentType,
  documentTypeInfo,
  documentTypes,
  keyOf,
  streamNameOf,
  urlOf,
} from '../../../domain/documents.js';
import { foldDocument } from '../../../domain/fold.js';
import type { EventStore, JsonObject, RecordedEvent } from '../../../ports/eventStore.js';
import { ReadModelNotReadyError, type ReadModelStore } from '../../../ports/readModelStore.js';
import { readProblemResponses, revisionNotRecordedResponse } from './problemResponses.js';
import { cursorViolation } from './queryChecks.js';
import {
  minRevisionQuery,
  readModelReaders,
  revisionNotRecorded,
  scopedWriter,
  sleep,
} from './readModelAnswers.js';
import { documentNouns, documentParamsSchema, documentViewSchema } from './schemas.js';
import { assertValidRequest } from './violations.js';

export interface DocumentRoutesOptions {
  store: EventStore;
  /** Where document states are read from; without it, each GET folds the stream. */
  readModels?: ReadModelStore;
  /** How long a GET with `minRevision` waits for the read model. Default 2 s. */
  consistencyWaitMs?: number;
  /** Events embedded in a document GET (the rest: `/events`). Default 20. */
  embeddedEvents?: number;
}

/** A document as a GET answers it, before its timeline and deliveries are added. */
interface DocumentView {
  state: JsonObject;
  route: unknown;
  streamRevision: number;
  /** The stream's events, when the view was folded from them. */
  events?: RecordedEvent[];
}

const eventItem = (event: RecordedEvent) => ({
  eventId: event.id,
  type: event.type,
  revision: Number(event.revision),
  recordedAt: event.recordedAt.toISOString(),
  clientId: event.metadata.clientId,
  correlationId: event.metadata.correlationId,
  contractVersion: event.metadata.contractVersion,
  idempotencyKey: event.metadata.idempotencyKey,
  data: event.data,
});

/** Timeline cursors: the next revision to read, opaque to clients. */
const encodeRevision = (revision: number) => Buffer.from(`r${revision}`).toString('base64url');
const decodeRevision = (cursor: string): number | null => {
  const match = /^r(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
};

const timelineQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', minLength: 1, maxLength: 64, description: "A page's `next`." },
    limit: { type: 'string', pattern: '^([1-9][0-9]?|1[0-9]{2}|200)$', description: '1 to 200.' },
  },
};

const documentGetSchema = {
  ...documentViewSchema,
  description: `${documentViewSchema.description} \`events\` holds the first events of the timeline (oldest first); \`timeline.next\` pages through the rest.`,
  properties: {
    ...documentViewSchema.properties,
    timeline: {
      type: 'object',
      properties: {
        total: { type: 'integer', description: 'Events in the timeline.' },
        included: { type: 'integer', description: 'Events in `events`.' },
        next: {
          type: ['string', 'null'],
          description: 'URL of the timeline page after `events`, or null when `events` is whole.',
        },
      },
    },
  },
};

const timelineSchema = {
  type: 'object',
  required: ['document', 'items', 'next'],
  properties: {
    document: documentViewSchema.properties.document,
    items: documentViewSchema.properties.events,
    next: { type: ['string', 'null'], description: 'Cursor of the next page, or null.' },
  },
  examples: [
    {
      document: documentViewSchema.examples[0]?.document,
      items: documentViewSchema.examples[0]?.events,
      next: null,
    },
  ],
};

export const documentRoutes = async (
  app: FastifyInstance,
  { store, readModels, consistencyWaitMs = 2_000, embeddedEvents = 20 }: DocumentRoutesOptions,
) => {
  const folded = async (type: DocumentType, stream: string): Promise<DocumentView | null> => {
    const events = await store.readStream(stream);
    const state = foldDocument(type, events);
    if (!state) return null;
    return {
      state: state as JsonObject,
      // The latest owner (a migration may have moved it); process events carry no route.
      route: events.findLast((event) => event.metadata.route !== undefined)?.metadata.route,
      streamRevision: Number(events.at(-1)?.revision ?? 0n),
      events,
    };
  };

  /** The document from its read model, waiting for `minRevision`; else from its stream. */
  const documentView = async (
    type: DocumentType,
    stream: string,
    minRevision: number | null,
  ): Promise<DocumentView | null> => {
    if (!readModels) return folded(type, stream);
    const deadline = Date.now() + consistencyWaitMs;
    for (;;) {
      let record: DocumentStateRecord | null;
      try {
        record = (await readModels.get('documentStates', stream)) as DocumentStateRecord | null;
      } catch (error) {
        if (error instanceof ReadModelNotReadyError) return folded(type, stream);
        throw error;
      }
      const reached = record !== null && record.streamRevision >= (minRevision ?? 0);
      if (record?.state && reached) {
        return { state: record.state, route: record.route, streamRevision: record.streamRevision };
      }
      // Not there (yet): a client asking for its write waits a little for the model.
      if (minRevision === null || Date.now() >= deadline) return folded(type, stream);
      await sleep(10);
    }
  };

  /** The document, if it exists and the principal may see it; a 404 otherwise. */
  const visible = async (
    type: DocumentType,
    ref: DocumentRef,
    principal: Principal | null,
    minRevision: number | null,
  ): Promise<DocumentView> => {
    // Writers see only the documents they may act on; the other roles oversee everything.
    const scoped = scopedWriter(principal);
    if (scoped) authoriseDocumentType(scoped, type);
    const view = await documentView(type, streamNameOf(ref), minRevision);
    // A document outside the key's scope is answered as a missing one: see commands/scope.ts.
    if (!view || (scoped && !(await maySee(store, scoped, type, view.state)))) {
      throw documentNotFound(ref);
    }
    return view;
  };

  for (const type of documentTypes as readonly DocumentType[]) {
    const { collection, keyFields } = documentTypeInfo[type];
    const path = `/${collection}/:${keyFields[0]}/:${keyFields[1]}`;
    const refOf = (params: unknown): DocumentRef => ({
      type,
      key: keyOf(type, params as Record<string, string>),
    });

    app.get(path, {
      config: { roles: readModelReaders },
      attachValidation: true,
      schema: {
        operationId: `get-${collection}`,
        summary: `Get a ${documentNouns[type]} by its key`,
        tags: [collection],
        params: documentParamsSchema(type),
        querystring: minRevisionQuery,
        response: {
          200: documentGetSchema,
          ...readProblemResponses,
          400: revisionNotRecordedResponse,
        },
      },
      handler: async (request) => {
        assertValidRequest(request);
        const ref = refOf(request.params);
        const { minRevision } = request.query as { minRevision?: string };
        const wanted = minRevision === undefined ? null : Number(minRevision);
        const view = await visible(type, ref, request.principal, wanted);
        // Folded from the stream and still below: that revision was never recorded.
        if (wanted !== null && view.streamRevision < wanted) {
          throw revisionNotRecorded(ref, view.streamRevision, wanted);
        }
        const stream = streamNameOf(ref);
        const total = view.streamRevision + 1;
        const included = Math.min(total, embeddedEvents);
        // Only events the state reflects: the timeline and the state tell the same story.
        const events = view.events
          ? view.events.slice(0, included)
          : await store.readStream(stream, { maxCount: included });
        return {
          document: { ...ref, url: urlOf(ref) },
          status: (view.state as { status?: unknown }).status,
          route: view.route ?? undefined,
          streamRevision: view.streamRevision,
          state: view.state,
          deliveries: await deliveryStatusOf(store, stream),
          events: events.map(eventItem),
          timeline: {
            total,
            included: events.length,
            next:
              events.length < total
                ? `${urlOf(ref)}/events?cursor=${encodeRevision(events.length)}`
                : null,
          },
        };
      },
    });

    app.get(`${path}/events`, {
      config: { roles: readModelReaders },
      attachValidation: true,
      schema: {
        operationId: `list-${collection}-events`,
        summary: `The event timeline of a ${documentNouns[type]}, oldest first, page by page`,
        tags: [collection],
        params: documentParamsSchema(type),
        querystring: timelineQuery,
        response: { 200: timelineSchema, ...readProblemResponses },
      },
      handler: async (request) => {
        const ref = refOf(request.params);
        const query = request.query as { cursor?: string; limit?: string };
        const decoded = query.cursor === undefined ? 0 : decodeRevision(query.cursor);
        assertValidRequest(request, () =>
          decoded === null
            ? [
                cursorViolation(
                  'The cursor is not valid: pass the "next" value of a previous page.',
                ),
              ]
            : [],
        );
        const from = decoded ?? 0;
        await visible(type, ref, request.principal, null);
        const limit = Number(query.limit ?? 50);
        const page = await store.readStream(streamNameOf(ref), {
          fromRevision: BigInt(from),
          maxCount: limit + 1,
        });
        const items = page.slice(0, limit);
        return {
          document: { ...ref, url: urlOf(ref) },
          items: items.map(eventItem),
          next: page.length > limit ? encodeRevision(from + limit) : null,
        };
      },
    });
  }
};
