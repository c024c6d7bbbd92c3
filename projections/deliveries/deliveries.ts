/**
 * Deliveries: one read-model document per delivery (a command event handed to one target
 * ERP), folded from the dispatcher's `Delivery-<target>:<document>` streams with the
 * dispatcher's own fold (src/delivery/records.ts). Operators count the backlog per target and
 * state, find the oldest delivery still to deliver and list dead letters through its indexes,
 * without reading any stream.
 *
 * States are the recorded ones (`pending`, `in-flight`, `retrying`, `delivered`,
 * `dead-lettered`); "waiting for its parent order" is worked out from several deliveries at
 * once and is only shown by the dispatcher's own view (GET /v1/admin/deliveries).
 */
import {
  applyDeliveryEvent,
  type Delivery,
  deliveryCategory,
  emptyDeliveryStream,
  type RecordedDeliveryState,
} from '../../src/delivery/records.js';
import type { JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';

export type DeliveryRecord = {
  /** The delivery id: `<target>.<command event id>`. */
  id: string;
  target: string;
  role: 'primary' | 'shadow';
  state: RecordedDeliveryState;
  /** Still to be delivered and not given up on: pending, in flight or retrying. */
  outstanding: boolean;
  documentType: string;
  documentStream: string;
  documentKey: { [field: string]: string };
  commandEventType: string;
  action: string;
  requestedAt: string;
  /** When the last event of the delivery was recorded. */
  updatedAt: string;
  /** When it was dead-lettered, while it is. */
  deadLetteredAt: string | null;
  /** The dispatcher's record of it: attempts, errors, dead letter, replays. */
  delivery: JsonObject;
};

const outstandingStates = new Set<RecordedDeliveryState>(['pending', 'in-flight', 'retrying']);

/**
 * A copy the dispatcher's fold may change: it sets the delivery's own fields, pushes to
 * `attempts` and `replays` and completes an attempt in place; every other value it replaces.
 * (A structured clone of the whole record cost more than the rest of the fold; the specs fold
 * frozen documents, so a fold that changes more fails them.)
 */
const copyOf = (delivery: Delivery): Delivery => ({
  ...delivery,
  attempts: delivery.attempts.map((attempt) => ({ ...attempt })),
  replays: [...delivery.replays],
});

const deliveryIdOf = (event: RecordedEvent): string | null =>
  typeof event.data.deliveryId === 'string' ? event.data.deliveryId : null;

export const deliveries: Projection<DeliveryRecord> = {
  name: 'deliveries',
  version: 1,
  filter: { streamCategories: [deliveryCategory] },
  indexes: [
    { field: 'target' },
    { field: 'state' },
    { field: 'outstanding' },
    { field: 'documentStream' },
    { field: 'documentType' },
    { field: 'requestedAt', sort: true },
    { field: 'deadLetteredAt', sort: true },
  ],
  idsOf: (event) => {
    const id = deliveryIdOf(event);
    return id ? [id] : [];
  },
  evolve(current, event, id) {
    // The dispatcher's fold works on a stream, in place: give it a copy of this one delivery.
    const stream = emptyDeliveryStream(event.streamName, '', '');
    if (current) stream.deliveries.push(copyOf(current.delivery as unknown as Delivery));
    applyDeliveryEvent(stream, event);
    const delivery = stream.deliveries.find((d) => d.deliveryId === id);
    if (!delivery) return current; // an event about a delivery never requested
    return {
      id,
      target: delivery.target,
      role: delivery.role,
      state: delivery.state,
      outstanding: outstandingStates.has(delivery.state),
      documentType: delivery.documentType,
      documentStream: delivery.documentStream,
      documentKey: delivery.documentKey,
      commandEventType: delivery.commandEventType,
      action: delivery.action,
      requestedAt: delivery.requestedAt,
      updatedAt: event.recordedAt.toISOString(),
      deadLetteredAt: delivery.deadLetter?.at || null,
      delivery: delivery as unknown as JsonObject,
    };
  },
};
