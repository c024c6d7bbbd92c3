/**
 * Delivery records: what the dispatcher writes about each delivery, and the fold that reads
 * it back. A delivery is one command event of a document handed to one target ERP. Its events
 * live in the stream `Delivery-<target>:<document stream>` (one per document and target),
 * never in the document's own stream, so recording attempts never bumps the revision client
 * commands are decided against. The order deliveries may go in is in ordering.ts.
 */
import type { JsonObject } from '../ports/eventStore.js';

export const deliveryCategory = 'Delivery';
/** Operator settings (circuit breakers), one stream per target. */
export const deliveryControlCategory = 'DeliveryControl';
/** One stream per replay an operator asked for: who, why, which deliveries. */
export const deliveryReplayCategory = 'DeliveryReplay';
export const replayRequestedEventType = 'DeliveriesReplayRequested';
/** One stream per resolution an operator recorded: a dead letter done by hand, or skipped. */
export const deliveryResolutionCategory = 'DeliveryResolution';
export const resolutionRequestedEventType = 'DeliveryResolutionRequested';

export const deliveryStreamOf = (target: string, documentStream: string): string =>
  `${deliveryCategory}-${target}:${documentStream}`;
export const deliveryControlStreamOf = (target: string): string =>
  `${deliveryControlCategory}-${target}`;
/**
 * The idempotency claim recorded with a delivery's request: it makes the request once ever,
 * and points at the delivery's stream for as long as the store keeps claims.
 */
export const requestClaimOf = (deliveryId: string): string => `delivery-request:${deliveryId}`;
/** A delivery's id: its target and the command event it delivers (stable, URL-safe). */
export const deliveryIdOf = (target: string, commandEventId: string): string =>
  `${target}.${commandEventId}`;

export const deliveryEventTypes = {
  requested: 'DeliveryRequested',
  attemptStarted: 'DeliveryAttemptStarted',
  succeeded: 'DeliverySucceeded',
  attemptFailed: 'DeliveryAttemptFailed',
  deadLettered: 'DeliveryDeadLettered',
  replayed: 'DeliveryReplayed',
  /** A delivery gate said wait (gates.ts): not attempted until the document's state allows it. */
  held: 'DeliveryHeld',
  /** Done in the ERP by hand (an operator says so): counts as delivered. */
  resolved: 'DeliveryResolved',
  /** Will not be delivered (an operator, or a gate: a rejected invoice); the next proceed. */
  skipped: 'DeliverySkipped',
} as const;
/** An operator held a target's breaker open, or closed it. */
export const breakerSetEventType = 'DeliveryBreakerSet';
/** The dispatcher's breaker changed state (opened on failures, half-open, closed). */
export const breakerChangedEventType = 'DeliveryBreakerChanged';

/** What `DeliveryBreakerSet` records: an operator's setting of a target's breaker. */
export interface BreakerSetting {
  state: 'open' | 'closed';
  by: string;
  reason: string;
  at: string;
}

/** States recorded in a delivery's own events. */
export type RecordedDeliveryState =
  | 'pending'
  | 'in-flight'
  | 'delivered'
  | 'retrying'
  | 'dead-lettered'
  | 'held'
  | 'skipped';
/** What an operator sees: also a delivery held by its parent order's delivery. */
export type DeliveryState = RecordedDeliveryState | 'waiting-for-parent';
export const deliveryStates: readonly DeliveryState[] = [
  'pending',
  'in-flight',
  'delivered',
  'retrying',
  'dead-lettered',
  'held',
  'skipped',
  'waiting-for-parent',
];

/** Nothing more will be delivered for it: delivered (or resolved by hand), or skipped. */
export const isSettled = (delivery: { state: DeliveryState }): boolean =>
  delivery.state === 'delivered' || delivery.state === 'skipped';

/** How an operator (or a gate) closed a delivery that could not be delivered. */
export interface DeliveryResolution {
  /** `resolved`: done in the ERP by hand (counts as delivered); `skipped`: never delivered. */
  outcome: 'resolved' | 'skipped';
  /** The operator's request (null when a gate skipped it). */
  resolutionId: string | null;
  by: string;
  reason: string;
  /** The ERP's reference of what was done by hand, when given. */
  reference: string | null;
  at: string;
}

export interface DeliveryError {
  kind: 'transient' | 'permanent';
  code: string;
  message: string;
  retryAfterMs?: number;
  detail?: string;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  outcome?: 'delivered' | 'failed' | 'dead-lettered';
  reference?: string;
  record?: string;
  alreadyDelivered?: boolean;
  error?: DeliveryError;
}

/** What `DeliveryRequested` records: the command to deliver and where it sits in the log. */
export interface DeliveryRequest {
  deliveryId: string;
  target: string;
  /** `primary` answers the caller; `shadow` (dual ownership) is compared, never answered. */
  role: 'primary' | 'shadow';
  documentStream: string;
  documentType: string;
  documentKey: Record<string, string>;
  commandEventId: string;
  commandEventType: string;
  /** The command event's revision in the document stream: the state delivered is as of it. */
  commandRevision: number;
  /** The command event's log position (decimal string): orders a child after its parents. */
  commandPosition: string;
  action: string;
  /** Document streams of the purchase orders a child references (delivered first). */
  parents: string[];
  correlationId: string | null;
  commandId: string | null;
  requestedAt: string;
}

export interface Delivery extends DeliveryRequest {
  state: RecordedDeliveryState;
  attempts: DeliveryAttempt[];
  /** Attempts since the request or the last replay, counted against the retry policy. */
  budgetUsed: number;
  nextAttemptAt: string | null;
  reference: string | null;
  record: string | null;
  deliveredAt: string | null;
  lastError: DeliveryError | null;
  deadLetter: { reason: string; message: string; code: string; at: string } | null;
  replays: Array<{ replayId: string; by: string; reason: string; at: string }>;
  /** Why its gate holds it (state `held`), and since when; null once it goes. */
  hold: { reason: string; since: string } | null;
  /** Resolved by hand or skipped: who, when, why; null otherwise. */
  resolution: DeliveryResolution | null;
}

/**
 * A delivery as its request records it: pending, nothing attempted. Field by field, not a
 * spread: every delivery gets one fixed shape, which keeps the scheduler's reads of thousands
 * of them fast.
 */
export const requestedDelivery = (request: DeliveryRequest): Delivery => ({
  deliveryId: request.deliveryId,
  target: request.target,
  role: request.role,
  documentStream: request.documentStream,
  documentType: request.documentType,
  documentKey: request.documentKey,
  commandEventId: request.commandEventId,
  commandEventType: request.commandEventType,
  commandRevision: request.commandRevision,
  commandPosition: request.commandPosition,
  action: request.action,
  parents: request.parents,
  correlationId: request.correlationId,
  commandId: request.commandId,
  requestedAt: request.requestedAt,
  state: 'pending',
  attempts: [],
  budgetUsed: 0,
  nextAttemptAt: null,
  reference: null,
  record: null,
  deliveredAt: null,
  lastError: null,
  deadLetter: null,
  replays: [],
  hold: null,
  resolution: null,
});

export interface DeliveryStream {
  name: string;
  target: string;
  documentStream: string;
  /** Revision of the last event folded in, -1n before any. */
  revision: bigint;
  /** Log position of the last event folded in, -1n when not known (a dispatcher snapshot counts it as old). */
  position: bigint;
  deliveries: Delivery[];
}

export const emptyDeliveryStream = (
  name: string,
  target: string,
  documentStream: string,
): DeliveryStream => ({
  name,
  target,
  documentStream,
  revision: -1n,
  position: -1n,
  deliveries: [],
});

interface FoldableEvent {
  type: string;
  data: JsonObject;
  revision: bigint;
  position?: bigint;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Folds one event of a delivery stream in (in place: the dispatcher folds thousands a
 * second). Events at or below the stream's revision were folded already and are skipped, so
 * reading a stream again, or an event arriving both from an append and from the log, is
 * harmless. Unknown event types are ignored.
 */
export const applyDeliveryEvent = (stream: DeliveryStream, event: FoldableEvent): boolean => {
  if (event.revision <= stream.revision) return false;
  stream.revision = event.revision;
  if (event.position !== undefined) stream.position = event.position;
  const data = event.data as Record<string, unknown>;
  if (event.type === deliveryEventTypes.requested) {
    const request = data as unknown as DeliveryRequest;
    if (stream.deliveries.some((d) => d.deliveryId === request.deliveryId)) return true;
    stream.deliveries.push(requestedDelivery(request));
    return true;
  }
  const delivery = stream.deliveries.find((d) => d.deliveryId === data.deliveryId);
  if (!delivery) return true;
  const attemptOf = (): DeliveryAttempt => {
    const number = Number(data.attempt);
    let attempt = delivery.attempts.find((a) => a.attempt === number);
    if (!attempt) {
      attempt = { attempt: number, startedAt: text(data.startedAt) };
      delivery.attempts.push(attempt);
    }
    return attempt;
  };
  const finish = (attempt: DeliveryAttempt) => {
    attempt.finishedAt = text(data.finishedAt);
    attempt.durationMs = Number(data.durationMs);
  };
  switch (event.type) {
    case deliveryEventTypes.attemptStarted: {
      attemptOf();
      delivery.state = 'in-flight';
      delivery.budgetUsed++;
      delivery.hold = null;
      break;
    }
    case deliveryEventTypes.succeeded: {
      const attempt = attemptOf();
      finish(attempt);
      attempt.outcome = 'delivered';
      attempt.reference = text(data.reference);
      attempt.record = text(data.record);
      attempt.alreadyDelivered = data.alreadyDelivered === true;
      delivery.state = 'delivered';
      delivery.reference = attempt.reference;
      delivery.record = attempt.record;
      delivery.deliveredAt = attempt.finishedAt ?? null;
      delivery.nextAttemptAt = null;
      break;
    }
    case deliveryEventTypes.attemptFailed: {
      const attempt = attemptOf();
      finish(attempt);
      attempt.outcome = 'failed';
      attempt.error = data.error as DeliveryError;
      delivery.state = 'retrying';
      delivery.lastError = attempt.error;
      delivery.nextAttemptAt = text(data.nextAttemptAt);
      break;
    }
    case deliveryEventTypes.deadLettered: {
      const error = data.error as DeliveryError;
      if (data.attempt !== null && data.attempt !== undefined) {
        const attempt = attemptOf();
        finish(attempt);
        attempt.outcome = 'dead-lettered';
        attempt.error = error;
      }
      delivery.state = 'dead-lettered';
      delivery.hold = null;
      delivery.lastError = error;
      delivery.nextAttemptAt = null;
      delivery.deadLetter = {
        reason: text(data.reason),
        code: error.code,
        message: error.message,
        at: text(data.at),
      };
      break;
    }
    case deliveryEventTypes.held: {
      const reason = text(data.reason);
      // Still held for another reason: it has been held since the first.
      const since = delivery.hold?.since ?? text(data.at);
      delivery.state = 'held';
      delivery.hold = { reason, since };
      delivery.nextAttemptAt = null;
      break;
    }
    case deliveryEventTypes.replayed: {
      delivery.replays.push({
        replayId: text(data.replayId),
        by: text(data.by),
        reason: text(data.reason),
        at: text(data.at),
      });
      if (!isSettled(delivery)) {
        delivery.state = 'pending';
        delivery.budgetUsed = 0;
        delivery.nextAttemptAt = null;
        delivery.deadLetter = null;
      }
      break;
    }
    case deliveryEventTypes.resolved:
    case deliveryEventTypes.skipped: {
      if (isSettled(delivery)) break;
      const resolved = event.type === deliveryEventTypes.resolved;
      const at = text(data.at);
      const reference = typeof data.reference === 'string' ? data.reference : null;
      delivery.resolution = {
        outcome: resolved ? 'resolved' : 'skipped',
        resolutionId: typeof data.resolutionId === 'string' ? data.resolutionId : null,
        by: text(data.by),
        reason: text(data.reason),
        reference,
        at,
      };
      // The dead letter stays on record (why it needed an operator); it holds nothing now.
      delivery.state = resolved ? 'delivered' : 'skipped';
      delivery.hold = null;
      delivery.nextAttemptAt = null;
      if (resolved) {
        delivery.reference = reference;
        delivery.deliveredAt = at;
      }
      break;
    }
  }
  return true;
};
