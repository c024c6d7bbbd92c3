/**
 * Every delivery, folded from the delivery streams: what the dispatcher schedules from and
 * what operators list. `refresh` reads only what was appended since the last call, so any
 * process (the gateway holding the lease, another instance, the CLI) can keep one current.
 */
import type { EventStore, LogPosition, RecordedEvent } from '../ports/eventStore.js';
import { categoryOf } from '../ports/eventStore.js';
import {
  applyDeliveryEvent,
  breakerChangedEventType,
  breakerSetEventType,
  type Delivery,
  type DeliveryState,
  type DeliveryStream,
  deliveryCategory,
  deliveryControlCategory,
  emptyDeliveryStream,
  headOf,
  type ParentWait,
  parentWaitOf,
} from './records.js';

export interface BreakerSetting {
  state: 'open' | 'closed';
  by: string;
  reason: string;
  at: string;
}

/** A delivery as an operator sees it: its recorded state, or what holds it. */
export interface DeliveryStatus {
  id: string;
  state: DeliveryState;
  target: string;
  role: 'primary' | 'shadow';
  documentType: string;
  documentStream: string;
  documentKey: Record<string, string>;
  command: { eventId: string; type: string; action: string; revision: number };
  requestedAt: string;
  attempts: number;
  reference: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  lastError: Delivery['lastError'];
  deadLetter: Delivery['deadLetter'];
  /** State `held`: why its gate holds it, and since when. */
  hold: Delivery['hold'];
  /** Why it is not moving: its parent order, or an earlier delivery of the same document. */
  waitingFor: ParentWait | { deliveryId: string; reason: string } | null;
}

export interface DeliveryFilter {
  state?: DeliveryState;
  target?: string;
  documentType?: string;
}

/** The streams' target and document, from the stream name `Delivery-<target>:<document>`. */
const parseDeliveryStream = (name: string): { target: string; documentStream: string } => {
  const rest = name.slice(deliveryCategory.length + 1);
  const colon = rest.indexOf(':');
  return { target: rest.slice(0, colon), documentStream: rest.slice(colon + 1) };
};

/** Operator status of `delivery` (in `stream`), given a lookup of other delivery streams. */
export const statusOf = (
  delivery: Delivery,
  stream: DeliveryStream,
  lookup: (name: string) => DeliveryStream | undefined,
): DeliveryStatus => {
  let state: DeliveryState = delivery.state;
  let waitingFor: DeliveryStatus['waitingFor'] = null;
  if (delivery.state !== 'delivered' && delivery.state !== 'dead-lettered') {
    const head = headOf(stream);
    if (head && head !== delivery) {
      waitingFor = {
        deliveryId: head.deliveryId,
        reason: `an earlier command of the same document is not delivered yet (${head.state})`,
      };
    } else {
      const parent = parentWaitOf(delivery, lookup);
      if (parent && delivery.state === 'pending') {
        state = 'waiting-for-parent';
        waitingFor = parent;
      }
    }
  }
  return {
    id: delivery.deliveryId,
    state,
    target: delivery.target,
    role: delivery.role,
    documentType: delivery.documentType,
    documentStream: delivery.documentStream,
    documentKey: delivery.documentKey,
    command: {
      eventId: delivery.commandEventId,
      type: delivery.commandEventType,
      action: delivery.action,
      revision: delivery.commandRevision,
    },
    requestedAt: delivery.requestedAt,
    attempts: delivery.attempts.length,
    reference: delivery.reference,
    deliveredAt: delivery.deliveredAt,
    nextAttemptAt: delivery.nextAttemptAt,
    lastError: delivery.lastError,
    deadLetter: delivery.deadLetter,
    hold: delivery.hold,
    waitingFor,
  };
};

/** Told of every delivery event folded in (metrics count outcomes this way). */
export type DeliveryObserver = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
  delivery: Delivery | undefined,
) => void;

export class DeliveryView {
  constructor(private readonly observer?: DeliveryObserver) {}

  readonly streams = new Map<string, DeliveryStream>();
  readonly breakerSettings = new Map<string, BreakerSetting>();
  /** Each target's breaker as the dispatcher last recorded it. */
  readonly breakerStates = new Map<string, { state: string; at: string }>();
  private readonly byId = new Map<string, DeliveryStream>();
  private position: LogPosition | null = null;
  private refreshing: Promise<void> | null = null;

  stream(name: string): DeliveryStream {
    let stream = this.streams.get(name);
    if (!stream) {
      const { target, documentStream } = parseDeliveryStream(name);
      stream = emptyDeliveryStream(name, target, documentStream);
      this.streams.set(name, stream);
    }
    return stream;
  }

  /** Folds one event of a delivery or control stream; true when it changed something. */
  apply(event: Pick<RecordedEvent, 'streamName' | 'type' | 'data' | 'revision'>): boolean {
    const category = categoryOf(event.streamName);
    if (category === deliveryControlCategory) {
      const target = event.streamName.slice(deliveryControlCategory.length + 1);
      const data = event.data as Record<string, string>;
      if (event.type === breakerSetEventType) {
        this.breakerSettings.set(target, data as unknown as BreakerSetting);
        return true;
      }
      if (event.type === breakerChangedEventType) {
        this.breakerStates.set(target, { state: String(data.state), at: String(data.at) });
        return true;
      }
      return false;
    }
    if (category !== deliveryCategory) return false;
    const stream = this.stream(event.streamName);
    const before = stream.deliveries.length;
    const changed = applyDeliveryEvent(stream, event);
    for (const delivery of stream.deliveries.slice(before)) {
      this.byId.set(delivery.deliveryId, stream);
    }
    if (changed && this.observer) {
      const id = (event.data as { deliveryId?: unknown }).deliveryId;
      this.observer(
        event,
        stream.deliveries.find((d) => d.deliveryId === id),
      );
    }
    return changed;
  }

  /** Replaces one stream's fold with what the store holds now (after a lost race). */
  async reload(store: EventStore, name: string): Promise<DeliveryStream> {
    const fresh = this.stream(name);
    fresh.revision = -1n;
    fresh.deliveries = [];
    for (const event of await store.readStream(name)) this.apply(event);
    return fresh;
  }

  /** Reads what was appended to delivery and control streams since the last refresh. */
  refresh(store: EventStore): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        for await (const event of store.readAll({
          ...(this.position === null ? {} : { after: this.position }),
          filter: { streamCategories: [deliveryCategory, deliveryControlCategory] },
        })) {
          this.apply(event);
          this.position = event.position;
        }
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  find(id: string): { delivery: Delivery; stream: DeliveryStream } | null {
    const stream = this.byId.get(id);
    const delivery = stream?.deliveries.find((d) => d.deliveryId === id);
    return stream && delivery ? { delivery, stream } : null;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  statusOf(delivery: Delivery, stream: DeliveryStream): DeliveryStatus {
    return statusOf(delivery, stream, (name) => this.streams.get(name));
  }

  /** Deliveries matching `filter`, oldest request first. */
  list(filter: DeliveryFilter = {}): DeliveryStatus[] {
    const found: DeliveryStatus[] = [];
    for (const stream of this.streams.values()) {
      if (filter.target && stream.target !== filter.target) continue;
      for (const delivery of stream.deliveries) {
        if (filter.documentType && delivery.documentType !== filter.documentType) continue;
        const status = this.statusOf(delivery, stream);
        if (filter.state && status.state !== filter.state) continue;
        found.push(status);
      }
    }
    return found.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }
}
