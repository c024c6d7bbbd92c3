/**
 * Catch-up subscription over the SQLite log. One loop reads pages after the last delivered
 * position and hands events over one at a time, so catch-up and live delivery can never
 * interleave, skip or repeat: a commit notification (same process) or the poll timer (other
 * processes writing to the same file) only wakes the loop.
 */
import type { RecordedEvent, Subscription } from '../../../ports/eventStore.js';

export interface SqliteSubscriptionOptions {
  after: number;
  readPage(after: number, limit: number): RecordedEvent[];
  onEvent(event: RecordedEvent): Promise<void> | void;
  onError?: (error: unknown) => void;
  pollIntervalMs: number;
  /** Registers a listener called after each local commit; returns its removal. */
  listen(listener: () => void): () => void;
}

const pageSize = 500;

export const createSqliteSubscription = (options: SqliteSubscriptionOptions): Subscription => {
  let position = options.after;
  let stopped = false;
  let wake: (() => void) | null = null;
  // Set by a nudge that arrives while the loop is busy, so that it is not lost.
  let dirty = false;
  const nudge = () => {
    dirty = true;
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const unlisten = options.listen(nudge);
  const timer = setInterval(nudge, options.pollIntervalMs);
  timer.unref();

  const loop = (async () => {
    while (!stopped) {
      dirty = false;
      const page = options.readPage(position, pageSize);
      for (const event of page) {
        if (stopped) return;
        await options.onEvent(event);
        position = Number(event.position);
      }
      if (page.length < pageSize && !stopped && !dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
  })();

  const stop = () => {
    stopped = true;
    unlisten();
    clearInterval(timer);
    nudge();
  };
  loop.catch((error: unknown) => {
    const wasRunning = !stopped;
    stop();
    if (wasRunning) options.onError?.(error);
  });

  return {
    async unsubscribe() {
      stop();
      await loop.catch(() => undefined);
    },
  };
};
