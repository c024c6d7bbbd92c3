/**
 * Catch-up subscriptions over the SQLite log.
 *
 * A subscription first catches up on its own: it reads windows of positions strictly after
 * the last one it handed over, filtered in SQL, and hands each window's events over as one
 * batch. Once it has read up to the store's live tail (liveTail.ts) it joins it, and from then
 * on takes its events from the rows the tail reads once for every subscription, filtered here.
 * If its handler falls too far behind the tail, it leaves and catches up on its own again.
 * Either way one loop hands the batches over in log order, one at a time, so catch-up and live
 * delivery cannot interleave, skip or repeat.
 *
 * Positions are rowids assigned under SQLite's single write lock and never reused, so every
 * position up to the head is a committed event: a window (after, after + n] holds exactly the
 * events in it, and its upper bound is a safe checkpoint even when the filter matched none.
 */
import {
  categoryOf,
  type EventBatch,
  type EventFilter,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../../ports/eventStore.js';
import type { LiveTail, TailMember } from './liveTail.js';
import { type EventRow, toPosition, toRecordedEvent } from './schema.js';

export interface LogSource {
  /** Events in (after, upTo], in log order, that pass the subscription's filter. */
  readWindow(after: number, upTo: number): RecordedEvent[];
  /** The highest committed position (0 for an empty log), from the database. */
  head(): number;
  tail: LiveTail;
}

const defaultBatchSize = 500;

/**
 * Most events a live subscription may have waiting for its handler. Beyond it the handler is
 * slower than the log grows: the subscription leaves the tail (instead of holding ever more
 * events in memory) and reads on from the database at its own pace.
 */
const maxQueuedBatches = 64;

export const startSubscription = (
  source: LogSource,
  after: number | 'end',
  options: SubscribeOptions,
): Subscription => {
  const windowSize = Math.max(1, Math.trunc(options.maxBatchSize ?? defaultBatchSize));
  const passes = rowFilter(options.filter);
  /** The last position handed over (its batch settled or in flight). */
  let position = after === 'end' ? source.head() : after;
  let stopped = false;
  let caughtUp = false;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };

  /** Batches from the tail, not yet handed over; `queuedUpTo` is the last one's position. */
  const queue: Array<{ events: RecordedEvent[]; upTo: number }> = [];
  let queuedUpTo = 0;
  let live = false;
  const member: TailMember = {
    get position() {
      return queuedUpTo;
    },
    accept(rows, upTo) {
      if (stopped) return false;
      if (upTo <= queuedUpTo) return true;
      const events: RecordedEvent[] = [];
      for (const row of rows) {
        if (row.position > queuedUpTo && passes(row)) events.push(toRecordedEvent(row));
      }
      enqueue(events, upTo);
      if (queue.length > maxQueuedBatches) live = false;
      signal();
      return live;
    },
    fail(error) {
      live = false;
      failure = { error };
      signal();
    },
  };
  const enqueue = (events: RecordedEvent[], upTo: number) => {
    queuedUpTo = upTo;
    const last = queue.at(-1);
    // Windows arriving while the handler is busy join the waiting batch, up to a batch's size.
    if (last && last.events.length + events.length <= windowSize) {
      last.events.push(...events);
      last.upTo = upTo;
      return;
    }
    for (let start = 0; start < events.length; start += windowSize) {
      const chunk = events.slice(start, start + windowSize);
      const end = start + windowSize >= events.length;
      // A chunk's last event is a safe checkpoint: nothing before it in the window is missing.
      queue.push({
        events: chunk,
        upTo: end ? upTo : Number((chunk.at(-1) as RecordedEvent).position),
      });
    }
    if (events.length === 0) queue.push({ events, upTo });
  };

  const deliver = async (events: RecordedEvent[], upTo: number) => {
    const batch: EventBatch = { events, position: toPosition(upTo) };
    await options.onBatch(batch);
    position = upTo;
  };

  /** Reads on from the database, window by window, until at the tail; then joins it. */
  const catchUp = async () => {
    const head = source.head();
    if (head > position) {
      caughtUp = false;
      const upTo = Math.min(head, position + windowSize);
      const events = source.readWindow(position, upTo);
      if (stopped) return;
      await deliver(events, upTo);
      // After a turn of the event loop, so a long catch-up never starves the process's HTTP
      // requests and timers (the reads are synchronous and a handler may be too).
      await new Promise<void>((resolve) => setImmediate(resolve));
      return;
    }
    queuedUpTo = position;
    const behind = source.tail.join(member);
    if (behind === null) {
      live = true;
      return;
    }
    // The tail is ahead of the head we read (another process's commit it has seen): read up
    // to it, then join.
    if (behind > position) {
      caughtUp = false;
      const upTo = Math.min(behind, position + windowSize);
      await deliver(source.readWindow(position, upTo), upTo);
    }
  };

  const loop = async () => {
    // Never call back before subscribeToAll has returned the subscription to its caller.
    await Promise.resolve();
    while (!stopped) {
      if (failure) throw failure.error;
      const next = queue.shift();
      if (next) {
        caughtUp = false;
        await deliver(next.events, next.upTo);
        continue;
      }
      if (!live) {
        await catchUp();
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        options.onCaughtUp?.();
        continue; // onCaughtUp may have stopped the subscription or queued nothing new
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };

  const stop = () => {
    stopped = true;
    source.tail.leave(member);
    signal();
  };

  const running = loop().catch((error: unknown) => {
    if (stopped) return; // an error caused by shutting down is not the subscriber's concern
    stop();
    try {
      options.onError?.(error);
    } catch {
      // A throwing onError must not turn into an unhandled rejection of the loop.
    }
  });

  const unsubscribe = async () => {
    stop();
    // Resolves once the in-flight onBatch (if any) has settled. Do not await this from
    // inside onBatch itself: the loop would be waiting for its own handler.
    await running;
  };
  return { unsubscribe };
};

/** The port's filter (`matchesFilter`) over stored rows, with sets: it runs for every row. */
const rowFilter = (filter: EventFilter | undefined): ((row: EventRow) => boolean) => {
  const types = filter?.eventTypes ? new Set(filter.eventTypes) : null;
  const categories = filter?.streamCategories ? new Set(filter.streamCategories) : null;
  return (row) =>
    (types === null || types.has(row.type)) &&
    (categories === null || categories.has(categoryOf(row.stream)));
};
