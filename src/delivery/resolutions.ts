/**
 * Closing a delivery that will not succeed by retrying, by hand: an operator *resolves* a dead
 * letter (or a held delivery) that was done in the ERP by hand — it counts as delivered, with
 * the ERP's reference if given — or *skips* it: it will never be delivered. Either way what
 * waits behind it (the document's later commands, its children) proceeds. The operator's
 * word is a `DeliveryResolutionRequested` event in a stream of its own (who, when, why); the
 * dispatcher, wherever it holds its lease, carries it out by recording `DeliveryResolved` or
 * `DeliverySkipped` in the delivery's stream (it is the only writer of those streams).
 */
import { randomUUID } from 'node:crypto';
import { IdempotencyKeyReusedError } from '../commands/errors.js';
import type { EventStore, JsonObject, RecordedEvent } from '../ports/eventStore.js';
import {
  deliveryEventTypes,
  deliveryResolutionCategory,
  type RecordedDeliveryState,
  resolutionRequestedEventType,
} from './records.js';
import type { DeliveryView } from './view.js';

export type ResolutionOutcome = 'resolved' | 'skipped';

/** The states an operator may close by hand: nothing else will move them. */
export const resolvableStates: readonly RecordedDeliveryState[] = ['dead-lettered', 'held'];

export interface ResolutionRequest {
  deliveryId: string;
  outcome: ResolutionOutcome;
  by: string;
  reason: string;
  /** The ERP's reference of what was done by hand (resolved only). */
  reference: string | null;
  /** The API key the operator used (its id, never the secret), when through the API. */
  keyId?: string | null;
  correlationId?: string | null;
  /** A client's Idempotency-Key (scoped by the caller) and its request's fingerprint. */
  idempotency?: { key: string; fingerprint: string };
}

export interface ResolutionAnswer {
  resolutionId: string;
  deliveryId: string;
  outcome: ResolutionOutcome;
  by: string;
  reason: string;
  reference: string | null;
  at: string;
  target: string;
  documentStream: string;
  /** The delivery's state when the operator resolved it. */
  previousState: string;
}

/** Why a resolution was refused: no such delivery (404), or not one to resolve (409). */
export class ResolutionRefused extends Error {
  constructor(
    readonly status: 404 | 409,
    readonly code: 'delivery-not-found' | 'delivery-not-resolvable',
    message: string,
  ) {
    super(message);
  }
}

const scoped = (key: string) => `delivery-resolution:${key}`;

/** The answer a retried request gets: the resolution its key recorded the first time. */
const recordedAnswer = async (store: EventStore, streamName: string) => {
  const [event] = await store.readStream(streamName);
  return event?.data as unknown as ResolutionAnswer;
};

export const resolveDelivery = async (
  store: EventStore,
  view: DeliveryView,
  request: ResolutionRequest,
): Promise<{ answer: ResolutionAnswer; replayed: boolean }> => {
  const { idempotency } = request;
  if (idempotency) {
    const earlier = await store.findIdempotencyRecord(scoped(idempotency.key));
    if (earlier) {
      if (earlier.fingerprint !== idempotency.fingerprint) {
        throw new IdempotencyKeyReusedError(earlier.recordedAt);
      }
      return { answer: await recordedAnswer(store, earlier.streamName), replayed: true };
    }
  }
  await view.refresh(store);
  const hit = await view.lookUp(store, request.deliveryId);
  if (!hit) {
    throw new ResolutionRefused(404, 'delivery-not-found', `No delivery ${request.deliveryId}.`);
  }
  const { delivery } = hit;
  if (!resolvableStates.includes(delivery.state)) {
    throw new ResolutionRefused(
      409,
      'delivery-not-resolvable',
      `Delivery ${delivery.deliveryId} is ${delivery.state}: only a dead-lettered or held delivery can be resolved or skipped.`,
    );
  }
  const resolutionId = randomUUID();
  const answer: ResolutionAnswer = {
    resolutionId,
    deliveryId: delivery.deliveryId,
    outcome: request.outcome,
    by: request.by,
    reason: request.reason,
    reference: request.outcome === 'resolved' ? request.reference : null,
    at: new Date().toISOString(),
    target: delivery.target,
    documentStream: delivery.documentStream,
    previousState: delivery.state,
  };
  const result = await store.appendToStream(
    `${deliveryResolutionCategory}-${resolutionId}`,
    [
      {
        id: randomUUID(),
        type: resolutionRequestedEventType,
        data: answer as unknown as JsonObject,
        metadata: {
          clientId: request.by,
          keyId: request.keyId ?? null,
          correlationId: request.correlationId ?? null,
          ...(idempotency ? { idempotencyKey: idempotency.key } : {}),
        },
      },
    ],
    {
      expectedRevision: 'no_stream',
      ...(idempotency
        ? { idempotency: { key: scoped(idempotency.key), fingerprint: idempotency.fingerprint } }
        : {}),
    },
  );
  if (result.kind === 'duplicate') {
    // A concurrent retry with the same key recorded first.
    if (result.record.fingerprint !== idempotency?.fingerprint) {
      throw new IdempotencyKeyReusedError(result.record.recordedAt);
    }
    return { answer: await recordedAnswer(store, result.record.streamName), replayed: true };
  }
  return { answer, replayed: false };
};

/**
 * What the dispatcher records for an operator's resolution: `DeliveryResolved` or
 * `DeliverySkipped` in the delivery's stream, while it is still dead-lettered or held (a
 * replay or a gate may have moved it since), claimed once.
 */
export const resolutionsOf = (event: RecordedEvent, view: DeliveryView) => {
  if (event.type !== resolutionRequestedEventType) return [];
  const { resolutionId, deliveryId, outcome, by, reason, reference, at } =
    event.data as unknown as ResolutionAnswer;
  const hit = view.find(deliveryId);
  if (!hit || !resolvableStates.includes(hit.delivery.state)) return [];
  return [
    {
      stream: hit.stream.name,
      type: outcome === 'resolved' ? deliveryEventTypes.resolved : deliveryEventTypes.skipped,
      data: { deliveryId, resolutionId, by, reason, reference, at },
      claim: `delivery-resolution:${resolutionId}:${deliveryId}`,
    },
  ];
};
