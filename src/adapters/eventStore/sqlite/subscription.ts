/**
 * Catch-up subscriptions over the SQLite log.
 *
 * One loop per subscription reads windows of positions strictly after the last one it handed
 * over, filtered in SQL, and hands each window's events over as one batch. Catch-up and live
 * delivery are the same loop, so they cannot interleave, skip or repeat: a "the log grew"
 * signal (a local commit, or the poller seeing another process's commit) only wakes the
 * loop, and a signal that arrives while the loop is busy is remembered so it cannot be lost.
 *
 * Positions are rowids assigned under SQLite's single write lock and never reused, so every
 * position up to the head is a committed event: a window (after, after + n] holds exactly the
 * events in it, and its upper bound is a safe checkpoint even when the filter matched none.
 */
import type { RecordedEvent, SubscribeOptions, Subscription } from '../../../ports/eventStore.js';
import { toPosition } from './schema.js';

export interface LogSource {
  /** Events in (after, upTo], in log order, that pass the subscription's filter. */
  readWindow(after: number, upTo: number): RecordedEvent[];
  /** The highest committed position (0 for an empty log). */
  head(): number;
  /** Calls `listener` whenever the log may have grown; returns the unregistration. */
  watch(listener: () => void): () => void;
}

const defaultBatchSize = 500;

/**
 * Least time between two live reads of one subscription. Every commit wakes every
 * subscription; under a busy write path (hundreds of group commits a second) reading after
 * each one costs the writers CPU for nothing: a 10 ms pause lets a read take many commits at
 * once, and adds at most 10 ms to a live event's delivery.
 */
const minLiveGapMs = 10;

export const startSubscription = (
  source: LogSource,
  after: number | 'end',
  options: SubscribeOptions,
): Subscription => {
  const windowSize = Math.max(1, Math.trunc(options.maxBatchSize ?? defaultBatchSize));
  let position = after === 'end' ? source.head() : after;
  let stopped = false;
  let caughtUp = false;
  // Starts true: the first pass is the catch-up.
  let logMayHaveGrown = true;
  let wake: (() => void) | null = null;

  const signal = () => {
    logMayHaveGrown = true;
    const resume = wake;
    wake = null;
    resume?.();
  };
  const unwatch = source.watch(signal);

  let lastLiveRead = 0;
  const loop = async () => {
    // Never call back before subscribeToAll has returned the subscription to its caller.
    await Promise.resolve();
    while (!stopped) {
      if (!logMayHaveGrown) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        const since = Date.now() - lastLiveRead;
        if (since < minLiveGapMs) {
          await new Promise((resolve) => setTimeout(resolve, minLiveGapMs - since));
        }
        lastLiveRead = Date.now();
        continue;
      }
      logMayHaveGrown = false;
      const head = source.head();
      if (head > position) {
        caughtUp = false;
        const upTo = Math.min(head, position + windowSize);
        const events = source.readWindow(position, upTo);
        if (stopped) return;
        await options.onBatch({ events, position: toPosition(upTo) });
        position = upTo;
        // More history right behind this window: read on without waiting for a signal, but
        // after a turn of the event loop, so a long catch-up never starves the process's HTTP
        // requests and timers (the reads are synchronous and a handler may be too).
        if (upTo < head) {
          logMayHaveGrown = true;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (!logMayHaveGrown && !caughtUp && !stopped) {
        caughtUp = true;
        options.onCaughtUp?.();
      }
    }
  };

  const stop = () => {
    stopped = true;
    unwatch();
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
