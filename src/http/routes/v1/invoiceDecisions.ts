/**
 * An operator (an AP clerk) overrides a supplier invoice's hold, or rejects the invoice: each
 * an event on the invoice's stream with who and why, appended against the revision the
 * decision was taken at, so it cannot cross a match recorded meanwhile unseen. Like every POST
 * it takes an Idempotency-Key: a retry with the same key answers the recorded decision (also
 * once the invoice has moved on), the same key for another request is a 422. The key is
 * claimed with the append and recorded in the event's metadata, as the write path does.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
} from '../../../commands/errors.js';
import { documentNotFound } from '../../../commands/scope.js';
import { supplierInvoice } from '../../../domain/children/children.js';
import { fold } from '../../../domain/decider.js';
import { type DocumentRef, streamNameOf, urlOf } from '../../../domain/documents.js';
import { DocumentStateConflictError } from '../../../domain/errors.js';
import {
  type CountedInvoice,
  type MatchState,
  type OperatorDecision,
  overrideHold,
  rejectInvoice,
} from '../../../domain/matching/outcome.js';
import {
  type EventStore,
  type JsonObject,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { fingerprintOf } from '../../requestContext.js';
import { success } from '../admin/responses.js';
import { idempotencyKeyHeader, pathOf } from './commands.js';
import { problemExample, problemResponse, readProblemResponses } from './problemResponses.js';
import { documentParamsSchema } from './schemas.js';
import { assertValidRequest } from './violations.js';

const decisionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: {
      type: 'string',
      minLength: 3,
      maxLength: 2000,
      description: 'Why (recorded with the decision, shown to auditors).',
    },
  },
} as const;

const instance = '/v1/supplier-invoices/SUP-10023/INV-884213';

const decisionExample = (status: string, label: string, decision: object) => ({
  document: {
    type: 'supplierInvoice',
    key: { supplier: 'SUP-10023', invoiceNumber: 'INV-884213' },
    url: instance,
  },
  eventId: '0b9d5c1e-5f0e-4c61-9d7e-2f1c0a7b9e11',
  match: {
    status,
    label,
    reasons: ['price-variance'],
    since: '2026-11-20T09:12:00.000Z',
    heldSince: '2026-11-19T16:02:00.000Z',
    decision: { by: 'ap-clerk-7', at: '2026-11-20T09:12:00.000Z', ...decision },
  },
});

const conflict = problemResponse(
  'The invoice is not in a state that allows it (e.g. already matched, released or rejected).',
  problemExample(
    409,
    'invoice-not-held',
    'Conflict',
    'The invoice is matched: only a held invoice can be overridden.',
    `${instance}/override`,
  ),
);

type Decide = (
  state: MatchState,
  key: Key,
  decision: OperatorDecision,
  invoice: CountedInvoice,
) => {
  type: string;
  data: object;
};
type Key = { supplier: string; invoiceNumber: string };

/** The event this client recorded with this Idempotency-Key, if any. */
const recordedWith = (events: readonly RecordedEvent[], clientId: string, key: string) =>
  events.find(
    (event) => event.metadata.idempotencyKey === key && event.metadata.clientId === clientId,
  );

/** The decision already recorded by this client with this reason (a retried request). */
const alreadyDecided = (match: MatchState, status: string, decision: OperatorDecision) =>
  match.status === status &&
  match.decision?.by === decision.by &&
  match.decision.reason === decision.reason;

export const invoiceDecisionRoutes = async (
  app: FastifyInstance,
  { store }: { store: EventStore },
) => {
  const route = (
    action: 'override' | 'reject',
    decide: Decide,
    recordedStatus: 'released' | 'rejected',
    summary: string,
    example: object,
  ) =>
    app.post(`/supplier-invoices/:supplier/:invoiceNumber/${action}`, {
      config: { roles: ['operator'] },
      // Headers, path and body violations are listed together (violations.ts).
      attachValidation: true,
      schema: {
        operationId: `${action}-supplier-invoice`,
        summary,
        tags: ['supplier-invoices'],
        headers: idempotencyKeyHeader,
        params: documentParamsSchema('supplierInvoice'),
        body: decisionBody,
        response: {
          200: success(
            'The decision, recorded, and the invoice’s match outcome after it.',
            example,
          ),
          ...readProblemResponses,
          409: conflict,
        },
      },
      handler: async (request, reply) => {
        assertValidRequest(request);
        const key = request.params as Key;
        const ref: DocumentRef = { type: 'supplierInvoice', key };
        const stream = streamNameOf(ref);
        const decision: OperatorDecision = {
          by: request.principal?.clientId ?? 'unknown',
          reason: (request.body as { reason: string }).reason,
          at: new Date().toISOString(),
        };
        const idempotencyKey = request.headers['idempotency-key'] as string;
        const fingerprint = fingerprintOf(
          request.method,
          pathOf(request.routeOptions.url, request.params as Record<string, string>),
          request.body,
        );
        for (let attempt = 0; ; attempt++) {
          const events = await store.readStream(stream);
          const state = fold(supplierInvoice, events);
          if (!state) throw documentNotFound(ref);
          const answer = (eventId: string | undefined, match: MatchState) => ({
            document: { ...ref, url: urlOf(ref) },
            eventId,
            match,
          });
          const earlier = recordedWith(events, decision.by, idempotencyKey);
          if (earlier) {
            if (earlier.metadata.requestFingerprint !== fingerprint) {
              throw new IdempotencyKeyReusedError(earlier.recordedAt);
            }
            // The original answer: the outcome as that decision left it.
            const then = fold(supplierInvoice, events.slice(0, Number(earlier.revision) + 1));
            reply.header('idempotent-replayed', 'true');
            return answer(earlier.id, then?.match ?? state.match);
          }
          reply.header('idempotent-replayed', 'false');
          if (alreadyDecided(state.match, recordedStatus, decision)) {
            return answer(events.at(-1)?.id, state.match);
          }
          const event = decide(state.match, key, decision, state);
          const id = randomUUID();
          try {
            const result = await store.appendToStream(
              stream,
              [
                {
                  id,
                  type: event.type,
                  data: event.data as JsonObject,
                  metadata: {
                    clientId: decision.by,
                    // Which of the operator's keys (never its secret), as command writes record.
                    keyId: request.principal?.keyId ?? null,
                    receivedAt: decision.at,
                    correlationId: request.correlationId ?? request.id,
                    idempotencyKey,
                    requestFingerprint: fingerprint,
                  },
                },
              ],
              {
                expectedRevision: events.at(-1)?.revision ?? 'no_stream',
                idempotency: { key: `${decision.by}\u0000${idempotencyKey}`, fingerprint },
              },
            );
            if (result.kind === 'duplicate') {
              // A concurrent retry appended first (answered from the stream next round), or
              // the key was used for another request.
              if (result.record.fingerprint !== fingerprint) {
                throw new IdempotencyKeyReusedError(result.record.recordedAt);
              }
              if (attempt >= 3) throw new IdempotencyKeyInProgressError();
              continue;
            }
          } catch (error) {
            if (error instanceof WrongExpectedRevisionError && attempt < 3) continue;
            if (error instanceof WrongExpectedRevisionError) {
              throw new DocumentStateConflictError(
                'invoice-changed',
                'The invoice changed while the decision was recorded; look at it again.',
              );
            }
            throw error;
          }
          const after = fold(supplierInvoice, [...events, { type: event.type, data: event.data }]);
          return answer(id, after?.match ?? state.match);
        }
      },
    });

  route(
    'override',
    overrideHold,
    'released',
    'Override a held supplier invoice: release it for delivery as it is (operator)',
    decisionExample('released', 'released by override', {
      reason: 'Price increase agreed by phone with purchasing (ticket AP-5521).',
    }),
  );
  route(
    'reject',
    rejectInvoice,
    'rejected',
    'Reject a supplier invoice not yet released: it is never delivered (operator)',
    decisionExample('rejected', 'rejected', {
      reason: 'Duplicate of INV-884200; supplier asked to cancel.',
    }),
  );
};
