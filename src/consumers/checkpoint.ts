/**
 * A consumer's checkpoint as stored. It stands apart from the run loop (consumer.ts) because
 * when to write it is a policy of its own: after every batch with effects, one write at a
 * time, each a compare-and-set against the last one written; but over windows that had none
 * (a live consumer is woken by every commit of the log, mostly for windows its filter
 * empties) only trailing, at most `idleCheckpointMs` behind the consumer's position.
 */
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { LogPosition } from '../ports/eventStore.js';
import type { ConsumerLog } from './definition.js';

/**
 * Longest a checkpoint trails the consumer's position when the windows since matched none of
 * its events. A live consumer is woken by every commit of the log (up to 100 times a second
 * under write load), mostly for windows its filter empties; writing the checkpoint for each
 * would cost the write path a transaction per wake, and re-reading a second of other events
 * after a restart costs nothing.
 */
const idleCheckpointMs = 1_000;

export interface CheckpointWriter {
  /** The checkpoint as stored (the consumer's position may run ahead of it). */
  readonly committed: LogPosition | null;
  /** Starts again from the checkpoint just loaded. */
  loaded(position: LogPosition | null): void;
  /** True while the stored checkpoint is recent enough to trail the position unwritten. */
  mayTrail(): boolean;
  /** Moves the checkpoint to `next`, with `effects` in its transaction, after earlier writes. */
  commit(next: LogPosition, effects?: () => void): Promise<void>;
  /** Writes what `pending` answers within `idleCheckpointMs`, unless already stored. */
  flushLater(): void;
  cancelFlush(): void;
}

export const checkpointWriter = (
  name: string,
  state: ConsumerStateStore,
  log: ConsumerLog,
  /** The position to keep when the flush comes, or null to write nothing (stopping). */
  pending: () => LogPosition | null,
): CheckpointWriter => {
  let committed: LogPosition | null = null;
  let committedAt = 0;
  /** Checkpoint writes, one at a time (a batch's, or the idle flush's). */
  let commits: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const done = commits.then(work);
    commits = done.catch(() => undefined);
    return done;
  };
  const commit = (next: LogPosition, effects?: () => void) =>
    serially(async () => {
      await state.commit(name, committed, next, effects);
      committed = next;
      committedAt = Date.now();
    });
  let idleFlush: NodeJS.Timeout | null = null;
  const flush = () => {
    idleFlush = null;
    const target = pending();
    if (target === null || target === committed) return;
    commit(target).catch((error: unknown) =>
      log.warn(
        { consumer: name, err: error },
        'consumer checkpoint not written; the next batch retries',
      ),
    );
  };
  return {
    get committed() {
      return committed;
    },
    loaded(position) {
      committed = position;
      committedAt = Date.now();
    },
    mayTrail: () => committed !== null && Date.now() - committedAt < idleCheckpointMs,
    commit,
    flushLater() {
      idleFlush ??= setTimeout(flush, idleCheckpointMs).unref();
    },
    cancelFlush() {
      if (idleFlush) clearTimeout(idleFlush);
    },
  };
};
