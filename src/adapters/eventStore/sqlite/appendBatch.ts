/**
 * One batch of appends in one transaction: how a group commit (groupCommit.ts) judges and
 * writes them. It stands apart from the scheduling (when a batch runs, when it is answered,
 * when the WAL is checkpointed) because it is the part that decides each append's outcome.
 *
 * Each append in a batch is still judged on its own, in arrival order, and sees the appends
 * before it in the same batch (they are in the same transaction): idempotency key first, then
 * expected revision, then the inserts. An append refused by those checks (or whose events do
 * not serialise) is refused before it writes anything, so its neighbours go on.
 *
 * The inserts themselves have no savepoint of their own (it cost a tenth of an append): after
 * the checks they cannot fail for the request's sake. Should one fail anyway, half-way through
 * an append, the whole transaction is rolled back, that append alone is rejected, and the
 * others are judged again in a new one. A failure of the transaction itself (BEGIN, COMMIT,
 * I/O) rejects the whole batch, and then nothing of it is durable.
 */
import type Database from 'better-sqlite3';
import {
  type AppendOptions,
  type AppendResult,
  EventStoreError,
  EventStoreUnavailableError,
  type JsonObject,
  type NewEvent,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { type IdempotencyIndex, keyHash } from './idempotency.js';
import { type EventRow, toPosition } from './schema.js';

export interface PendingAppend {
  streamName: string;
  events: NewEvent[];
  options: AppendOptions;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/** A batch as committed (or refused): who gets what, in batch order, and what it wrote. */
export interface BatchCommit {
  settled: Array<[PendingAppend, Outcome]>;
  /** Highest position written; 0 when nothing was. */
  lastPosition: number;
  /** The rows inserted, as a read would return them. */
  rows: EventRow[];
  /** Serialised payload written: paces checkpoints. */
  bytes: number;
}

/** Batch-local knowledge; valid only inside the transaction that built it. */
interface BatchState {
  now: string;
  /** Last revision per stream as of this point in the batch (-1: no stream). */
  revisions: Map<string, number>;
  lastPosition: number;
  /** The rows inserted, as a read would return them. */
  rows: EventRow[];
  /** Serialised payload written so far: paces checkpoints. */
  bytes: number;
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

/**
 * Runs a batch; an append that failed half-way is rejected and the rest run again without
 * it. Resolves nothing itself: returns who gets what, in batch order, once committed.
 */
export const createBatchCommitter = (
  db: Database.Database,
  clock: () => Date,
  idempotency: IdempotencyIndex,
): ((batch: PendingAppend[]) => BatchCommit) => {
  const statements = {
    lastRevision: db.prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
    ),
    insertEvent: db.prepare<[string, string, number, string, string, string, string]>(
      'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
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

  /** The inserts of one append, after its checks passed. */
  const insertAppend = (
    state: BatchState,
    pending: PendingAppend,
    current: number,
    digest: Buffer | undefined,
  ): AppendResult => {
    const { streamName, events, options: appendOptions } = pending;
    // Serialise everything first: data that cannot be (a BigInt, a cycle) refuses the append
    // before any of it is written.
    const rows = serialise(events);
    for (const row of rows) state.bytes += row.data.length + row.metadata.length;
    let revision = current;
    let position = 0;
    try {
      for (const [i, event] of events.entries()) {
        const row = rows[i] as { data: string; metadata: string };
        revision += 1;
        const info = statements.insertEvent.run(
          event.id,
          streamName,
          revision,
          event.type,
          row.data,
          row.metadata,
          state.now,
        );
        position = Number(info.lastInsertRowid);
        state.rows.push({
          position,
          id: event.id,
          stream: streamName,
          revision,
          type: event.type,
          data: row.data,
          metadata: row.metadata,
          recorded_at: state.now,
        });
      }
      const claim = appendOptions.idempotency;
      if (claim && digest) {
        idempotency.claim(digest, claim.fingerprint, position, events.length);
      }
    } catch (error) {
      throw new PartialAppend(error);
    }
    state.revisions.set(streamName, revision);
    state.lastPosition = position;
    return {
      kind: 'appended',
      nextExpectedRevision: BigInt(revision),
      position: toPosition(position),
    };
  };

  const judge = (state: BatchState, pending: PendingAppend): AppendResult => {
    const { streamName, options: appendOptions } = pending;
    const claim = appendOptions.idempotency;
    const digest = claim ? keyHash(claim.key) : undefined;
    if (claim) {
      const earlier = idempotency.find(claim.key, digest);
      if (earlier) return { kind: 'duplicate', record: earlier };
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
    return insertAppend(state, pending, current, digest);
  };

  const runBatch = db.transaction((batch: readonly PendingAppend[]) => {
    // Under the write lock: claims other processes committed are now all visible.
    idempotency.catchUp();
    const state: BatchState = {
      now: clock().toISOString(),
      revisions: new Map(),
      lastPosition: 0,
      rows: [],
      bytes: 0,
    };
    const outcomes: Outcome[] = [];
    for (const [index, pending] of batch.entries()) {
      try {
        outcomes.push({ ok: true, result: judge(state, pending) });
      } catch (error) {
        // Leaving the transaction function rolls the whole batch back.
        if (error instanceof PartialAppend) throw new BatchRetry(index, error.cause);
        outcomes.push({ ok: false, error });
      }
    }
    return { outcomes, lastPosition: state.lastPosition, rows: state.rows, bytes: state.bytes };
  });

  return (batch) => {
    const settled: Array<[PendingAppend, Outcome]> = [];
    let remaining = batch;
    while (remaining.length > 0) {
      try {
        // IMMEDIATE takes the write lock up front: another process holding it makes us wait
        // (busy_timeout) at BEGIN instead of failing later on a read→write lock upgrade.
        const ran = runBatch.immediate(remaining);
        idempotency.commitStaged();
        for (const [i, pending] of remaining.entries()) {
          settled.push([pending, ran.outcomes[i] as Outcome]);
        }
        return { settled, lastPosition: ran.lastPosition, rows: ran.rows, bytes: ran.bytes };
      } catch (error) {
        // The transaction rolled back: the claims it staged were never written.
        idempotency.discardStaged();
        const failure = asPortError(error instanceof BatchRetry ? error.cause : error);
        // A store-level failure (I/O, disk full, lock timeout) dooms every append alike.
        if (!(error instanceof BatchRetry) || failure instanceof EventStoreUnavailableError) {
          for (const pending of remaining) settled.push([pending, { ok: false, error: failure }]);
          return { settled, lastPosition: 0, rows: [], bytes: 0 };
        }
        const culprit = remaining[error.index] as PendingAppend;
        settled.push([culprit, { ok: false, error: describeInsertError(culprit, failure) }]);
        remaining = remaining.filter((_, i) => i !== error.index);
      }
    }
    return { settled, lastPosition: 0, rows: [], bytes: 0 };
  };
};

const serialise = (events: readonly NewEvent[]) => {
  // The events of one command share their metadata object: serialise it once.
  let metadata: JsonObject | null = null;
  let metadataJson = '';
  return events.map((event) => {
    if (event.metadata !== metadata) {
      metadata = event.metadata;
      metadataJson = JSON.stringify(metadata);
    }
    return { data: JSON.stringify(event.data), metadata: metadataJson };
  });
};

const describeInsertError = (pending: PendingAppend, error: unknown): unknown =>
  (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE'
    ? new EventStoreError(
        `This append collides with recorded data (stream ${pending.streamName})`,
        {
          cause: error,
        },
      )
    : error;

/** An insert failed after some of the append's rows were written. */
class PartialAppend extends Error {
  constructor(override readonly cause: unknown) {
    super('append failed half-way');
  }
}

/** Rolls the batch back so that it can run again without the append at `index`. */
class BatchRetry extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('batch to be retried');
  }
}
