/**
 * Group commit: every append that arrives during one turn of the event loop joins ONE
 * transaction. The COMMIT does not wait for the disk; the batch is answered once the WAL sync
 * that follows it (walSync.ts, off the event loop) has made it durable. Batches committed
 * while a sync runs share the next one, so N concurrent appends cost one fsync, not N.
 *
 * How each batch is judged and written is in appendBatch.ts.
 */
import type Database from 'better-sqlite3';
import { EventStoreUnavailableError } from '../../../ports/eventStore.js';
import { createBatchCommitter, type PendingAppend } from './appendBatch.js';
import type { Checkpointer } from './checkpointer.js';
import type { IdempotencyIndex } from './idempotency.js';
import type { EventRow } from './schema.js';
import type { WalSync } from './walSync.js';

export interface GroupCommitOptions {
  db: Database.Database;
  clock: () => Date;
  maxBatchSize: number;
  idempotency: IdempotencyIndex;
  /** Makes commits durable; nobody is answered before it says so. */
  walSync: WalSync;
  /** Runs WAL checkpoints off the event loop; without one, SQLite's automatic ones run. */
  checkpointer?: Checkpointer;
  /**
   * A checkpoint failed: the checkpointer is not used again, and the store falls back to
   * SQLite's automatic checkpoints. Called once.
   */
  checkpointFailed?(error: unknown): void;
  /**
   * Called once a COMMIT is durable, with the highest position it wrote and its rows as
   * stored (in position order), so live subscriptions need not read them back.
   */
  committed(lastPosition: number, rows: readonly EventRow[]): void;
}

export interface GroupCommitter {
  enqueue(append: PendingAppend): void;
  /** Resolves once every append enqueued so far has been settled. */
  drain(): Promise<void>;
}

/**
 * Payload bytes between checkpoints (~500 WAL pages). Small, because a restart's pause lasts
 * as long as copying what the last checkpoint left: with 4 MiB here and 32 MiB below, those
 * pauses made the p99.9 latency 80-90 ms; with these, 25-30 ms, at the same throughput
 * (bench/README.md).
 */
const checkpointBytes = 1024 * 1024;
/** Payload bytes after which commits pause so that the WAL can restart from its start. */
const restartBytes = 8 * 1024 * 1024;

export const createGroupCommitter = (options: GroupCommitOptions): GroupCommitter => {
  const commit = createBatchCommitter(options.db, options.clock, options.idempotency);

  const queue: PendingAppend[] = [];
  let scheduled = false;
  /** Batches committed but not yet durable (their answers wait for a WAL sync). */
  let syncing = 0;
  let drained: { promise: Promise<void>; resolve(): void } | null = null;

  // ---- checkpoints (checkpointer.ts) -------------------------------------------------------
  // Every `checkpointBytes` of payload, a checkpoint runs beside the commits. Those never
  // catch up with a WAL that keeps growing, and SQLite restarts the WAL from its start only
  // once all of it is checkpointed; so every `restartBytes`, commits wait for one checkpoint
  // (the event loop goes on taking requests), after which the next commit restarts the WAL.
  let sinceCheckpoint = 0;
  let sinceRestart = 0;
  let checkpointing: 'beside' | 'restart' | null = null;
  // Dropped after its first failure: a dead worker would fail (and pause commits) every time.
  let checkpointer = options.checkpointer;

  const maybeCheckpoint = () => {
    if (!checkpointer || checkpointing) return;
    const restart = sinceRestart >= restartBytes;
    if (!restart && sinceCheckpoint < checkpointBytes) return;
    checkpointing = restart ? 'restart' : 'beside';
    sinceCheckpoint = 0;
    checkpointer
      .checkpoint()
      .then(
        (result) => {
          if (restart && !result.busy && result.checkpointed === result.log) sinceRestart = 0;
        },
        (error) => {
          checkpointer = undefined;
          options.checkpointFailed?.(error);
        },
      )
      .finally(() => {
        checkpointing = null;
        if (queue.length > 0) schedule();
        settleIfDrained();
      });
  };

  const settleIfDrained = () => {
    if (drained && queue.length === 0 && !scheduled && syncing === 0) {
      drained.resolve();
      drained = null;
    }
  };

  const unavailable = (cause: Error) =>
    new EventStoreUnavailableError('SQLite event store: the disk did not confirm a write', {
      cause,
    });

  const flush = () => {
    scheduled = false;
    if (checkpointing === 'restart') return; // scheduled again when it ends
    const batch = queue.splice(0, options.maxBatchSize);
    // After a failed sync the disk's state is unknown: commit nothing more (walSync.ts).
    const stopped = options.walSync.failure;
    if (stopped) {
      for (const pending of batch) pending.reject(unavailable(stopped));
      if (queue.length > 0) schedule();
      settleIfDrained();
      return;
    }
    const { settled, lastPosition, rows, bytes } = commit(batch);
    sinceCheckpoint += bytes;
    sinceRestart += bytes;
    // Every outcome waits for the sync, refusals included: they may have been decided on
    // appends of earlier batches (a duplicate key, a revision) that are not yet durable.
    syncing += 1;
    options.walSync.afterSync((syncError) => {
      syncing -= 1;
      for (const [pending, outcome] of settled) {
        if (syncError) pending.reject(unavailable(syncError));
        else if (outcome.ok) pending.resolve(outcome.result);
        else pending.reject(outcome.error);
      }
      if (lastPosition > 0 && !syncError) options.committed(lastPosition, rows);
      maybeCheckpoint();
      // What arrived during the sync commits now, as one batch, and waits for the next sync.
      if (queue.length > 0) schedule();
      settleIfDrained();
    });
  };

  const schedule = () => {
    // One transaction per sync: appends that arrive while a sync runs wait for it, then
    // commit together. Larger batches rewrite fewer shared pages (B-tree roots, the log's
    // last page) per append than many small commits would.
    if (scheduled || syncing > 0 || checkpointing === 'restart') return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    enqueue(append) {
      queue.push(append);
      schedule();
    },
    drain() {
      if (!drained) {
        let resolve = () => {};
        const promise = new Promise<void>((done) => {
          resolve = done;
        });
        drained = { promise, resolve };
      }
      const { promise } = drained;
      settleIfDrained();
      return promise;
    },
  };
};
