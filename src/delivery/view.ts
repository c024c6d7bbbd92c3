/**
 * Deliveries folded from the delivery streams: what the dispatcher schedules from and what
 * operators list. `refresh` reads only what was appended since the last call, so any process
 * (the gateway holding the lease, another instance, the CLI) can keep one current.
 *
 * A view that retains only `unfinished` streams (a delivery not yet delivered) holds the
 * backlog, not the history: a stream whose deliveries are all delivered is dropped at the next
 * `sweep`, and its first fold starts from the dispatcher's latest snapshot (snapshot.ts)
 * rather than from the beginning of the log. A view that retains `all` (the CLI) holds every
 * delivery ever made.
 */
import type { EventStore, LogPosition, RecordedEvent } from '../ports/eventStore.js';
import { categoryOf } from '../ports/eventStore.js';
import { headOf, isFinished, type ParentWait, parentWaitOf } from './ordering.js';
import {
  applyDeliveryEvent,
  type BreakerSetting,
  breakerChangedEventType,
  breakerSetEventType,
  type Delivery,
  type DeliveryResolution,
  type DeliveryState,
  type DeliveryStream,
  deliveryCategory,
  deliveryControlCategory,
  emptyDeliveryStream,
  isSettled,
  requestClaimOf,
} from './records.js';
import { latestSnapshot } from './snapshot.js';

export type { BreakerSetting } from './records.js';

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
  /** Resolved by hand (state `delivered`) or skipped (state `skipped`): who, when, why. */
  resolution: DeliveryResolution | null;
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
  if (!isSettled(delivery) && delivery.state !== 'dead-lettered') {
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
    resolution: delivery.resolution,
    waitingFor,
  };
};

/** Told of every delivery event folded in (metrics count outcomes this way). */
export type DeliveryObserver = (
  event: Pick<RecordedEvent, 'type' | 'data'>,
  delivery: Delivery | undefined,
) => void;

export interface DeliveryViewOptions {
  /** `all` (default): every delivery ever made. `unfinished`: the backlog only (see above). */
  retain?: 'all' | 'unfinished';
  /** Retaining `unfinished`: also the last so many streams that finished (operators look them up). */
  recentlyFinished?: number;
  /** Told of each delivery event a `refresh` folds in after the first (not of history). */
  observer?: DeliveryObserver;
}

type FoldedEvent = Pick<RecordedEvent, 'streamName' | 'type' | 'data' | 'revision'> & {
  position?: LogPosition;
};

export class DeliveryView {
  constructor(private readonly options: DeliveryViewOptions = {}) {}

  readonly streams = new Map<string, DeliveryStream>();
  readonly breakerSettings = new Map<string, BreakerSetting>();
  /** Each target's breaker as the dispatcher last recorded it. */
  readonly breakerStates = new Map<string, { state: string; at: string }>();
  private readonly byId = new Map<string, DeliveryStream>();
  /** Streams that finished since the last sweep (retaining `unfinished` only). */
  private readonly finished = new Set<string>();
  /** Finished streams kept for `recentlyFinished`, oldest first. */
  private readonly recent = new Set<string>();
  private position: LogPosition | null = null;
  private refreshing: Promise<void> | null = null;
  private observing = false;

  /** Streams finished since the last sweep. */
  get finishedCount(): number {
    return this.finished.size;
  }

  get retainsAll(): boolean {
    return this.options.retain !== 'unfinished';
  }

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
  apply(event: FoldedEvent): boolean {
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
    if (!this.retainsAll) {
      if (isFinished(stream)) this.finished.add(stream.name);
      else this.finished.delete(stream.name);
    }
    const { observer } = this.options;
    if (changed && observer && this.observing) {
      const id = (event.data as { deliveryId?: unknown }).deliveryId;
      observer(
        event,
        stream.deliveries.find((d) => d.deliveryId === id),
      );
    }
    return changed;
  }

  /**
   * Drops the streams that finished since the last sweep, unless `inUse` (an append to it
   * under way): only what is not delivered stays. A view retaining `all` keeps them.
   */
  sweep(inUse: (name: string) => boolean = () => false): void {
    for (const name of this.finished) {
      const stream = this.streams.get(name);
      if (stream && !isFinished(stream)) {
        this.finished.delete(name);
        continue;
      }
      if (stream && inUse(name)) continue;
      this.finished.delete(name);
      if (!stream) continue;
      this.recent.delete(name);
      this.recent.add(name);
    }
    const keep = this.options.recentlyFinished ?? 0;
    for (const name of this.recent) {
      if (this.recent.size <= keep) break;
      this.recent.delete(name);
      const stream = this.streams.get(name);
      if (!stream || !isFinished(stream)) continue; // a new delivery: unfinished again
      this.streams.delete(name);
      for (const delivery of stream.deliveries) this.byId.delete(delivery.deliveryId);
    }
  }

  /** Replaces one stream's fold with what the store holds now (after a lost race, or dropped). */
  async reload(store: EventStore, name: string): Promise<DeliveryStream> {
    const fresh = this.stream(name);
    fresh.revision = -1n;
    fresh.position = -1n;
    for (const delivery of fresh.deliveries) this.byId.delete(delivery.deliveryId);
    fresh.deliveries = [];
    for (const event of await store.readStream(name)) this.apply(event);
    return fresh;
  }

  /**
   * Starts a view retaining `unfinished` streams at the dispatcher's latest snapshot: its
   * streams and every stream written after its position, each read whole, then swept. Without
   * a snapshot (a log the dispatcher never snapshotted), every delivery event is read once.
   */
  private async start(store: EventStore): Promise<void> {
    const snapshot = this.retainsAll ? null : await latestSnapshot(store);
    if (!snapshot) {
      await this.follow(store);
      return;
    }
    for (const [target, setting] of Object.entries(snapshot.breakerSettings)) {
      this.breakerSettings.set(target, setting);
    }
    for (const [target, state] of Object.entries(snapshot.breakerStates)) {
      this.breakerStates.set(target, state);
    }
    const names = new Set(snapshot.streams);
    this.position = snapshot.position;
    for await (const event of store.readAll({
      after: snapshot.position,
      filter: { streamCategories: [deliveryCategory, deliveryControlCategory] },
    })) {
      if (categoryOf(event.streamName) === deliveryCategory) names.add(event.streamName);
      else this.apply(event);
      this.position = event.position;
    }
    for (const name of names) await this.reload(store, name);
    this.sweep();
  }

  /** Folds what was appended to delivery and control streams after the view's position. */
  private async follow(store: EventStore): Promise<void> {
    let folded = 0;
    for await (const event of store.readAll({
      ...(this.position === null ? {} : { after: this.position }),
      filter: { streamCategories: [deliveryCategory, deliveryControlCategory] },
    })) {
      this.apply(event);
      this.position = event.position;
      // A long read (a log never snapshotted) holds no more than the backlog either.
      if (++folded % 10_000 === 0) this.sweep();
    }
    this.sweep();
  }

  /**
   * Reads what was appended to delivery and control streams since the last refresh (the first
   * one: see `start`). The observer hears of what later refreshes fold in.
   */
  refresh(store: EventStore): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        if (this.position === null && !this.observing) await this.start(store);
        else await this.follow(store);
        this.observing = true;
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

  /**
   * `find`, or for a delivery the view no longer holds, its stream read through its request's
   * claim (one read; for as long as the store keeps claims: EventStoreDB for ever, SQLite its
   * retention window). The delivery is not kept.
   */
  async lookUp(
    store: EventStore,
    id: string,
  ): Promise<{ delivery: Delivery; stream: DeliveryStream } | null> {
    const hit = this.find(id);
    if (hit || this.retainsAll) return hit;
    const claim = await store.findIdempotencyRecord(requestClaimOf(id));
    if (!claim || categoryOf(claim.streamName) !== deliveryCategory) return null;
    const { target, documentStream } = parseDeliveryStream(claim.streamName);
    const stream = emptyDeliveryStream(claim.streamName, target, documentStream);
    for (const event of await store.readStream(claim.streamName)) applyDeliveryEvent(stream, event);
    const delivery = stream.deliveries.find((d) => d.deliveryId === id);
    return delivery ? { delivery, stream } : null;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  statusOf(delivery: Delivery, stream: DeliveryStream): DeliveryStatus {
    return statusOf(delivery, stream, (name) => this.streams.get(name));
  }

  /**
   * Deliveries matching `filter`, oldest request first (retaining `unfinished`: the deliveries
   * of documents with one still to deliver).
   */
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
