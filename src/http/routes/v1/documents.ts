/**
 * GET of each document by its business key: current state and event timeline, read from the
 * document's stream (the read-model projections will serve richer queries).
 */
import type { FastifyInstance } from 'fastify';
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
import type { EventStore } from '../../../ports/eventStore.js';
import {
  documentNouns,
  documentParamsSchema,
  documentViewSchema,
  readProblemResponses,
} from './schemas.js';

export interface DocumentRoutesOptions {
  store: EventStore;
}

export const documentRoutes = async (app: FastifyInstance, { store }: DocumentRoutesOptions) => {
  for (const type of documentTypes as readonly DocumentType[]) {
    const { collection, keyFields } = documentTypeInfo[type];
    app.get(`/${collection}/:${keyFields[0]}/:${keyFields[1]}`, {
      config: { roles: ['writer', 'auditor', 'operator', 'architect'] },
      schema: {
        operationId: `get-${collection}`,
        summary: `Get a ${documentNouns[type]} by its key`,
        tags: [collection],
        params: documentParamsSchema(type),
        response: { 200: documentViewSchema, ...readProblemResponses },
      },
      handler: async (request) => {
        const ref: DocumentRef = {
          type,
          key: keyOf(type, request.params as Record<string, string>),
        };
        const principal = request.principal;
        // Writers see only the documents they may act on; the other roles oversee everything.
        const scoped = principal?.roles.every((role) => role === 'writer') ? principal : null;
        if (scoped) authoriseDocumentType(scoped, type);
        const events = await store.readStream(streamNameOf(ref));
        const state = foldDocument(type, events);
        // A document outside the key's scope is answered as a missing one: see commands/scope.ts.
        if (!state || (scoped && !(await maySee(store, scoped, type, state)))) {
          throw documentNotFound(ref);
        }
        return {
          document: { ...ref, url: urlOf(ref) },
          status: state.status,
          route: events.at(-1)?.metadata.route, // the latest owner: a migration may have moved it
          streamRevision: Number(events.at(-1)?.revision ?? 0n),
          state,
          deliveries: await deliveryStatusOf(store, streamNameOf(ref)),
          events: events.map((event) => ({
            eventId: event.id,
            type: event.type,
            revision: Number(event.revision),
            recordedAt: event.recordedAt.toISOString(),
            clientId: event.metadata.clientId,
            correlationId: event.metadata.correlationId,
            contractVersion: event.metadata.contractVersion,
            idempotencyKey: event.metadata.idempotencyKey,
            data: event.data,
          })),
        };
      },
    });
  }
};
