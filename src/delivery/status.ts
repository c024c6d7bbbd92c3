/**
 * A document's delivery state per target, read from its delivery streams (and its parent
 * orders'), so any instance answers it, whether or not it runs the dispatcher.
 */
import type { EventStore } from '../ports/eventStore.js';
import { headOf } from './ordering.js';
import {
  applyDeliveryEvent,
  breakerChangedEventType,
  type DeliveryState,
  type DeliveryStream,
  deliveryControlStreamOf,
  deliveryStreamOf,
  emptyDeliveryStream,
} from './records.js';
import { type DeliveryStatus, statusOf } from './view.js';

/** The targets a document can be delivered to (the routing's ERPs). */
export const deliveryTargets = ['legacy', 'cloud'] as const;

export interface TargetDeliveryStatus {
  target: string;
  role: 'primary' | 'shadow';
  /** The state of the first delivery not yet delivered, else `delivered`. */
  state: DeliveryState;
  /** The ERP's reference from the latest delivered command. */
  reference: string | null;
  nextAttemptAt: string | null;
  /** Why it is dead-lettered or held, in words. */
  reason: string | null;
  deliveries: DeliveryStatus[];
}

const readDeliveryStream = async (
  store: EventStore,
  target: string,
  documentStream: string,
): Promise<DeliveryStream> => {
  const name = deliveryStreamOf(target, documentStream);
  const stream = emptyDeliveryStream(name, target, documentStream);
  for (const event of await store.readStream(name)) applyDeliveryEvent(stream, event);
  return stream;
};

/**
 * Why a delivery that could go does not: its target's breaker, open (after failures) or held
 * open by an operator (`isolated`), as the dispatcher last recorded it; null while closed.
 * Read only for a document whose head waits to be attempted, from the target's control stream
 * (a few events: one per breaker change or operator setting).
 */
const breakerReason = async (store: EventStore, target: string): Promise<string | null> => {
  const events = await store.readStream(deliveryControlStreamOf(target));
  const last = events.findLast((e) => e.type === breakerChangedEventType);
  const state = last ? String(last.data.state) : 'closed';
  if (state !== 'open' && state !== 'isolated') return null;
  const how = state === 'isolated' ? 'held open by an operator' : 'open after failures';
  return `The ${target} circuit breaker is ${how} since ${String(last?.data.at)}: deliveries to ${target} wait until it closes.`;
};

export const deliveryStatusOf = async (
  store: EventStore,
  documentStream: string,
): Promise<TargetDeliveryStatus[]> => {
  const answer: TargetDeliveryStatus[] = [];
  for (const target of deliveryTargets) {
    const stream = await readDeliveryStream(store, target, documentStream);
    if (stream.deliveries.length === 0) continue;
    const parents = new Map<string, DeliveryStream>();
    for (const parent of new Set(stream.deliveries.flatMap((d) => d.parents))) {
      const read = await readDeliveryStream(store, target, parent);
      parents.set(read.name, read);
    }
    const deliveries = stream.deliveries.map((d) => statusOf(d, stream, (n) => parents.get(n)));
    const head = headOf(stream);
    const headStatus = head && deliveries.find((d) => d.id === head.deliveryId);
    const delivered = deliveries.filter((d) => d.reference !== null);
    const waitsForBreaker =
      (headStatus?.state === 'pending' || headStatus?.state === 'retrying') &&
      !headStatus.waitingFor;
    answer.push({
      target,
      role: stream.deliveries[0]?.role ?? 'primary',
      state: headStatus?.state ?? 'delivered',
      reference: delivered.at(-1)?.reference ?? null,
      nextAttemptAt: headStatus?.nextAttemptAt ?? null,
      reason:
        (waitsForBreaker ? await breakerReason(store, target) : null) ??
        headStatus?.deadLetter?.message ??
        headStatus?.hold?.reason ??
        (headStatus?.waitingFor ? headStatus.waitingFor.reason : null) ??
        (headStatus?.lastError ? headStatus.lastError.message : null),
      deliveries,
    });
  }
  return answer;
};
