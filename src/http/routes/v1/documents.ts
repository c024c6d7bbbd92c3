/**
 * GET of each document by its business key: current state and event timeline, read from the
 * document's stream (the read-model projections will serve richer queries).
 */
import type { FastifyInstance } from 'fastify';
import { scopeViolation } from '../../../auth/principal.js';
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
import { HttpProblem } from '../../problem.js';
import { documentParamsSchema, documentViewSchema, problemResponses } from './schemas.js';

export interface DocumentRoutesOptions {
  store: EventStore;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const documentRoutes = async (app: FastifyInstance, { store }: DocumentRoutesOptions) => {
  for (const type of documentTypes as readonly DocumentType[]) {
    const { collection, keyFields } = documentTypeInfo[type];
    app.get(`/${collection}/:${keyFields[0]}/:${keyFields[1]}`, {
      config: { roles: ['writer', 'auditor', 'operator', 'architect'] },
      schema: {
        operationId: `get-${collection}`,
        summary: `Get a ${collection.replace(/-/g, ' ').replace(/s$/, '')} by its key`,
        tags: [collection],
        params: documentParamsSchema(type),
        response: { 200: documentViewSchema, ...problemResponses },
      },
      handler: async (request) => {
        const ref: DocumentRef = {
          type,
          key: keyOf(type, request.params as Record<string, string>),
        };
        const events = await store.readStream(streamNameOf(ref));
        const state = foldDocument(type, events) as
          | (Record<string, unknown> & { status: string })
          | null;
        if (!state) {
          throw new HttpProblem(
            404,
            'document-not-found',
            'Document not found',
            `No ${type} ${Object.values(ref.key).join('/')} has been recorded.`,
          );
        }
        const principal = request.principal;
        // Writers see only the documents they may act on; the other roles oversee everything.
        if (principal && !principal.roles.some((role) => role !== 'writer')) {
          const forbidden = scopeViolation(principal, {
            documentType: type,
            company: str(state.company),
            supplier: str(state.supplier),
            site: str(state.site),
          });
          if (forbidden) throw new HttpProblem(403, 'out-of-scope', 'Forbidden', forbidden);
        }
        return {
          document: { ...ref, url: urlOf(ref) },
          status: state.status,
          route: events[0]?.metadata.route,
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
