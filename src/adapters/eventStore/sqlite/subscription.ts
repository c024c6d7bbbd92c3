/**
 * Catch-up subscriptions over the SQLite log.
 *
 * One loop per subscription reads pages strictly after the last delivered position and hands
 * the events over one at a time. Catch-up and live delivery are the same loop, so they cannot
 * interleave, skip or repeat: a "the log grew" signal (a local commit, or the poller seeing
 * another process's commit) only wakes the loop, and a signal that arrives while the loop is
 * busy is remembered so it cannot be lost.
 */
import type { RecordedEvent, SubscribeOptions, Subscription } from '../../../ports/eventStore.js';

export interface LogSource {
  /** Events strictly after `after`, in log order, at most `limit`. */
  readPage(after: number, limit: number): RecordedEvent[];
  /** Calls `listener` whenever the log may have grown; returns the unregistration. */
  watch(listener: () => void): () => void;
}

const pageSize = 500;

export const startSubscription = (
  source: LogSource,
  after: number,
  options: SubscribeOptions,
): Subscription => {
  let position = after;
  let stopped = false;
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

  const loop = async () => {
    // Never call onEvent before subscribeToAll has returned the subscription to its caller.
    await Promise.resolve();
    while (!stopped) {
      if (!logMayHaveGrown) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      logMayHaveGrown = false;
      const page = source.readPage(position, pageSize);
      for (const event of page) {
        if (stopped) return;
        await options.onEvent(event);
        position = Number(event.position);
      }
      // A full page means there may be more history right behind it.
      if (page.length === pageSize) logMayHaveGrown = true;
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
    // Resolves once the in-flight onEvent (if any) has settled. Do not await this from
    // inside onEvent itself: the loop would be waiting for its own handler.
    await running;
  };
  return { unsubscribe };
};
