/**
 * A document's delivery state per target ERP, in a few fields: what lists and summaries show
 * (issue 12). Folded from the dispatcher's `Delivery-<target>:<document>` streams with the
 * dispatcher's own fold (src/delivery/records.ts), but only the deliveries not yet delivered
 * are kept: delivered is final, and attempt histories are the `deliveries` model's.
 */
import {
  applyDeliveryEvent,
  type Delivery,
  deliveryCategory,
  deliveryEventTypes,
  emptyDeliveryStream,
  isSettled,
  type RecordedDeliveryState,
  requestedDelivery,
} from '../../src/delivery/records.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';

/** A delivery not yet delivered, as much of it as the summary shows. */
export type OpenDelivery = {
  deliveryId: string;
  state: RecordedDeliveryState;
  /** Why it is dead-lettered, held or retrying; null otherwise. */
  reason: string | null;
};

export type TargetDelivery = {
  role: 'primary' | 'shadow';
  /**
   * The state of the oldest delivery not yet delivered (the dispatcher attempts a document's
   * deliveries in order, so it holds the later ones), or `delivered` when all are.
   */
  state: RecordedDeliveryState;
  /** That delivery's id, null when all are delivered. */
  head: string | null;
  /** Why the head is dead-lettered, held or retrying. */
  reason: string | null;
  /** The ERP's reference from the latest success, and when it was delivered. */
  reference: string | null;
  lastDeliveredAt: string | null;
  requested: number;
  delivered: number;
  /** Still to be delivered and not given up on (pending, in flight, retrying or held). */
  outstanding: number;
  deadLettered: number;
  /** The deliveries not yet delivered, oldest first. */
  open: OpenDelivery[];
};

export type DocumentDeliveries = { [target: string]: TargetDelivery };

const deliveryTypes = new Set<string>(Object.values(deliveryEventTypes));

/** The target and document stream of a delivery stream's event, if it is one. */
export const deliveryStreamParts = (
  streamName: string,
): { target: string; documentStream: string } | null => {
  const prefix = `${deliveryCategory}-`;
  const colon = streamName.indexOf(':');
  if (!streamName.startsWith(prefix) || colon < 0) return null;
  return {
    target: streamName.slice(prefix.length, colon),
    documentStream: streamName.slice(colon + 1),
  };
};

/**
 * An open delivery as the fold reads it: only its id and state decide what an event does to
 * it; the rest is what a request would have recorded, left empty.
 */
const foldable = (open: OpenDelivery, target: string, documentStream: string): Delivery => ({
  ...requestedDelivery({
    deliveryId: open.deliveryId,
    target,
    role: 'primary',
    documentStream,
    documentType: '',
    documentKey: {},
    commandEventId: '',
    commandEventType: '',
    commandRevision: 0,
    commandPosition: '0',
    action: '',
    parents: [],
    correlationId: null,
    commandId: null,
    requestedAt: '',
  }),
  state: open.state,
});

const reasonOf = (delivery: Delivery): string | null => {
  if (delivery.state === 'dead-lettered') return delivery.deadLetter?.message ?? null;
  if (delivery.state === 'held') return delivery.hold?.reason ?? null;
  if (delivery.state === 'retrying') return delivery.lastError?.message ?? null;
  return null;
};
const openOf = (delivery: Delivery): OpenDelivery => ({
  deliveryId: delivery.deliveryId,
  state: delivery.state,
  reason: reasonOf(delivery),
});

/**
 * One delivery stream event applied to a document's deliveries. A request is recorded once
 * ever (its idempotency claim), so one whose delivery was delivered and dropped never comes again.
 */
export const applyDelivery = (
  deliveries: DocumentDeliveries | null,
  event: RecordedEvent,
): DocumentDeliveries | null => {
  const parts = deliveryStreamParts(event.streamName);
  if (!parts || !deliveryTypes.has(event.type)) return deliveries;
  const { target, documentStream } = parts;
  const before = deliveries?.[target];
  const stream = emptyDeliveryStream(event.streamName, target, documentStream);
  stream.deliveries = (before?.open ?? []).map((open) => foldable(open, target, documentStream));
  applyDeliveryEvent(stream, event);
  const touched = stream.deliveries.find((d) => d.deliveryId === event.data.deliveryId);
  if (!touched) return deliveries; // about a delivery delivered already, or never requested
  const previous = new Map((before?.open ?? []).map((open) => [open.deliveryId, open]));
  const isNew = !previous.has(touched.deliveryId);
  // A request of a delivery already open changes nothing (the fold skips it too).
  if (!isNew && event.type === deliveryEventTypes.requested) return deliveries;
  // Delivered, resolved by hand or skipped: nothing more will happen to it.
  const open = stream.deliveries
    .filter((d) => !isSettled(d))
    .map((d) => (d !== touched && previous.get(d.deliveryId)) || openOf(d));
  const justDelivered = touched.state === 'delivered';
  const deadLettered = open.filter((d) => d.state === 'dead-lettered').length;
  const summary: TargetDelivery = {
    role: before?.role ?? touched.role,
    // All settled: as the latest settled one (skipped, or delivered).
    state: open[0]?.state ?? (isSettled(touched) ? touched.state : (before?.state ?? 'delivered')),
    head: open[0]?.deliveryId ?? null,
    reason: open[0]?.reason ?? null,
    reference: justDelivered ? touched.reference : (before?.reference ?? null),
    lastDeliveredAt: justDelivered ? touched.deliveredAt : (before?.lastDeliveredAt ?? null),
    requested: (before?.requested ?? 0) + (isNew ? 1 : 0),
    delivered: (before?.delivered ?? 0) + (justDelivered ? 1 : 0),
    outstanding: open.length - deadLettered,
    deadLettered,
    open,
  };
  return { ...deliveries, [target]: summary };
};
