/**
 * Group commit: every append that arrives during one turn of the event loop joins ONE
 * transaction, so N concurrent appends cost one fsync (`synchronous = FULL` makes each COMMIT
 * wait for the disk) instead of N. Durability is unchanged: a caller is answered only after
 * the COMMIT that contains its events returned.
 *
 * Each append in a batch is still judged on its own, in arrival order, and sees the appends
 * before it in the same batch: idempotency key first, then expected revision, then the inserts
 * inside a SAVEPOINT. A failing append rejects alone and leaves its neighbours untouched. Only
 * a failure of the transaction itself (BEGIN, COMMIT, I/O) rejects the whole batch, and then
 * nothing of it is durable.
 */
import type Database from 'better-sqlite3';
import {
  type AppendOptions,
  type AppendResult,
  EventStoreError,
  EventStoreUnavailableError,
  type IdempotencyRecord,
  type NewEvent,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { type IdempotencyRow, keyHash, toIdempotencyRecord, toPosition } from './schema.js';

export interface PendingAppend {
  streamName: string;
  events: NewEvent[];
  options: AppendOptions;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  db: Database.Database;
  clock: () => Date;
  maxBatchSize: number;
  /** Called after each successful COMMIT with the highest position it wrote. */
  committed(lastPosition: number): void;
}

export interface GroupCommitter {
  enqueue(append: PendingAppend): void;
  /** Resolves once every append enqueued so far has been settled. */
  drain(): Promise<void>;
}

/** Batch-local knowledge; valid only inside the transaction that built it. */
interface BatchState {
  now: string;
  /** Last revision per stream as of this point in the batch (-1: no stream). */
  revisions: Map<string, number>;
  /** Keys claimed earlier in this batch. */
  claimed: Map<string, IdempotencyRecord>;
  lastPosition: number;
}

/** SQLite result codes that mean "could not do it right now", not "this request is wrong". */
const transientCodes = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM)/;

const asPortError = (error: unknown): unknown => {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && transientCodes.test(code)) {
    return new EventStoreUnavailableError(`SQLite event store: ${code}`, { cause: error });
  }
  return error;
};

export const createGroupCommitter = (options: GroupCommitOptions): GroupCommitter => {
  const { db } = options;
  const statements = {
    lastRevision: db.prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
    ),
    insertEvent: db.prepare<[string, string, number, string, string, string, string]>(
      'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    findKey: db.prepare<[Buffer], IdempotencyRow>('SELECT * FROM idempotency WHERE key_hash = ?'),
    insertKey: db.prepare<[Buffer, string, string, string, string, number, string, string]>(
      'INSERT INTO idempotency (key_hash, key, fingerprint, result, stream, revision, event_ids, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };

  const lastRevisionOf = (state: BatchState, streamName: string): number => {
    let revision = state.revisions.get(streamName);
    if (revision === undefined) {
      revision = statements.lastRevision.get(streamName)?.revision ?? -1;
      state.revisions.set(streamName, revision);
    }
    return revision;
  };

  /** The inserts of one append: in a SAVEPOINT (nested transaction), so all or none. */
  const insertAppend = db.transaction(
    (state: BatchState, pending: PendingAppend, current: number): AppendResult => {
      const { streamName, events, options: appendOptions } = pending;
      let revision = current;
      let position = 0;
      for (const event of events) {
        revision += 1;
        const info = statements.insertEvent.run(
          event.id,
          streamName,
          revision,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          state.now,
        );
        position = Number(info.lastInsertRowid);
      }
      const claim = appendOptions.idempotency;
      if (claim) {
        const eventIds = events.map((event) => event.id);
        statements.insertKey.run(
          keyHash(claim.key),
          claim.key,
          claim.fingerprint,
          JSON.stringify(claim.result),
          streamName,
          revision,
          JSON.stringify(eventIds),
          state.now,
        );
        state.claimed.set(claim.key, {
          key: claim.key,
          fingerprint: claim.fingerprint,
          result: claim.result,
          streamName,
          revision: BigInt(revision),
          eventIds,
          recordedAt: new Date(state.now),
        });
      }
      // Only now, after the savepoint's statements all succeeded, may the batch rely on it.
      state.revisions.set(streamName, revision);
      state.lastPosition = position;
      return {
        kind: 'appended',
        nextExpectedRevision: BigInt(revision),
        position: toPosition(position),
      };
    },
  );

  const judge = (state: BatchState, pending: PendingAppend): AppendResult => {
    const { streamName, options: appendOptions } = pending;
    const claim = appendOptions.idempotency;
    if (claim) {
      const earlier = state.claimed.get(claim.key);
      if (earlier) return { kind: 'duplicate', record: earlier };
      const row = statements.findKey.get(keyHash(claim.key));
      if (row) return { kind: 'duplicate', record: toIdempotencyRecord(row) };
    }
    const current = lastRevisionOf(state, streamName);
    const expected = appendOptions.expectedRevision;
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && current === -1) ||
      (expected === 'stream_exists' && current !== -1) ||
      (typeof expected === 'bigint' && expected === BigInt(current));
    if (!holds) {
      throw new WrongExpectedRevisionError(
        streamName,
        expected,
        current === -1 ? 'no_stream' : BigInt(current),
      );
    }
    try {
      return insertAppend(state, pending, current);
    } catch (error) {
      // SQLite rolls back the whole transaction on some errors (disk full, I/O): then the
      // batch is lost and must fail as a whole, not continue in autocommit mode.
      if (!db.inTransaction) throw new BatchAborted(error);
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new EventStoreError(
          `An event id of this append is already recorded (stream ${streamName})`,
          { cause: error },
        );
      }
      throw error;
    }
  };

  const runBatch = db.transaction((batch: PendingAppend[]) => {
    const state: BatchState = {
      now: options.clock().toISOString(),
      revisions: new Map(),
      claimed: new Map(),
      lastPosition: 0,
    };
    const outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }> = [];
    for (const pending of batch) {
      try {
        outcomes.push({ ok: true, result: judge(state, pending) });
      } catch (error) {
        if (error instanceof BatchAborted) throw error.cause;
        outcomes.push({ ok: false, error });
      }
    }
    return { outcomes, lastPosition: state.lastPosition };
  });

  const queue: PendingAppend[] = [];
  let scheduled = false;
  let drained: { promise: Promise<void>; resolve(): void } | null = null;

  const flush = () => {
    scheduled = false;
    const batch = queue.splice(0, options.maxBatchSize);
    let ran: ReturnType<typeof runBatch> | null = null;
    try {
      // IMMEDIATE takes the write lock up front: another process holding it makes us wait
      // (busy_timeout) at BEGIN instead of failing later on a read→write lock upgrade.
      ran = runBatch.immediate(batch);
    } catch (error) {
      const failure = asPortError(error);
      for (const pending of batch) pending.reject(failure);
    }
    if (ran) {
      // Answer only now: COMMIT has returned, so every event of this batch is on disk.
      ran.outcomes.forEach((outcome, index) => {
        const pending = batch[index] as PendingAppend;
        if (outcome.ok) pending.resolve(outcome.result);
        else pending.reject(outcome.error);
      });
      if (ran.lastPosition > 0) options.committed(ran.lastPosition);
    }
    if (queue.length > 0) {
      schedule(); // the rest of an oversized queue, in the next turn
    } else if (drained) {
      drained.resolve();
      drained = null;
    }
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    enqueue(append) {
      queue.push(append);
      schedule();
    },
    drain() {
      if (queue.length === 0 && !scheduled) return Promise.resolve();
      if (!drained) {
        let resolve = () => {};
        const promise = new Promise<void>((done) => {
          resolve = done;
        });
        drained = { promise, resolve };
      }
      return drained.promise;
    },
  };
};

/** Carries an error that doomed the whole transaction out of the per-append handling. */
class BatchAborted extends Error {
  constructor(override readonly cause: unknown) {
    super('batch aborted');
  }
}
