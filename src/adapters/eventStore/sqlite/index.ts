/**
 * Embedded event store: one SQLite file through better-sqlite3.
 *
 * - WAL: readers never block the writer and vice versa.
 * - Group commit (see groupCommit.ts): appends arriving in one event-loop turn share one
 *   transaction, and are answered once an fdatasync of the WAL, run off the event loop
 *   (walSync.ts), has made it durable: an acknowledged append survives power loss and kill -9.
 *   Commits made while one sync runs share the next.
 * - `busy_timeout`: another process (the CLI, a second gateway) may write to the same file;
 *   the write lock is then waited for instead of failing. better-sqlite3 is synchronous, so that
 *   wait blocks this process's event loop; writes of other processes are short, so it is brief.
 * - Live subscriptions share one reader of the log's tail (liveTail.ts), woken right after
 *   each local commit (with the head it wrote) and by a cheap poll of `max(position)` that
 *   notices commits of other processes. Positions are assigned under SQLite's single write
 *   lock, so a later position is never visible before an earlier one has committed: reading
 *   "after the last delivered position" cannot skip an event.
 */

import Database from 'better-sqlite3';
import {
  type AppendOptions,
  type AppendResult,
  type EventFilter,
  type EventStore,
  EventStoreError,
  EventStoreUnavailableError,
  type IdempotencyRecord,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../../ports/eventStore.js';
import { fallBackToAutomaticCheckpoints, startCheckpointer } from './checkpointer.js';
import { createGroupCommitter } from './groupCommit.js';
import { createIdempotencyIndex } from './idempotency.js';
import { createLiveTail } from './liveTail.js';
import {
  type EventRow,
  fromPosition,
  fromRawEventRow,
  migrate,
  type RawEventRow,
  rawEventColumns,
  toPosition,
  toRecordedEvent,
} from './schema.js';
import { startSubscription } from './subscription.js';
import { createWalSync } from './walSync.js';

export interface SqliteEventStoreOptions {
  /** Path of the database file; created with its schema if absent. */
  file: string;
  /** The store clock, for `recordedAt`. Defaults to the system clock. */
  clock?: () => Date;
  /** How often live subscriptions look for commits of other processes. Default 250 ms. */
  pollIntervalMs?: number;
  /** Most appends per transaction; a longer queue is flushed in several. Default 1,000. */
  maxBatchSize?: number;
  /** How long to wait for another connection's write lock before failing. Default 5,000 ms. */
  busyTimeoutMs?: number;
  /**
   * How long idempotency claims are kept and indexed (in memory). Default 24 hours. Retries
   * later than that are still recognised from the document's events by the command handler.
   */
  idempotencyRetentionMs?: number;
}

/**
 * 24 hours, as payment APIs keep theirs: the window is indexed in memory (about 60 bytes of
 * heap per claim, so a million requests a day hold about 60 MB), and a later retry is still
 * recognised from the document's events (see idempotency.ts).
 */
const defaultRetentionMs = 24 * 3_600_000;
const pruneIntervalMs = 3_600_000;

const readPageSize = 500;

export const getSqliteEventStore = (options: SqliteEventStoreOptions): EventStore => {
  const db = new Database(options.file);
  try {
    // busy_timeout first: even switching to WAL and migrating may meet another process.
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
    db.pragma('journal_mode = WAL');
    // NORMAL: COMMIT does not wait for the disk; walSync does, without blocking (walSync.ts).
    // Checkpoints still sync the WAL before and the database file after copying.
    db.pragma('synchronous = NORMAL');
    // Checkpoints run on a worker thread instead of inside COMMIT (checkpointer.ts).
    db.pragma('wal_autocheckpoint = 0');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }

  const statements = {
    readStream: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?',
    ),
    head: db.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events'),
    window: db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE position > ? AND position <= ? ORDER BY position',
    ),
  };
  /** Events in (after, upTo] passing a filter; one statement per distinct filter. */
  const windowStatements = new Map<string, Database.Statement<unknown[], RawEventRow>>();
  const readWindow = (filter: EventFilter | undefined, after: number, upTo: number) => {
    const { sql, params } = filterClause(filter);
    let statement = windowStatements.get(sql);
    if (!statement) {
      statement = db
        .prepare<unknown[], RawEventRow>(
          `SELECT ${rawEventColumns} FROM events WHERE position > ? AND position <= ?${sql} ORDER BY position`,
        )
        .raw(true);
      windowStatements.set(sql, statement);
    }
    return statement.all(after, upTo, ...params).map(fromRawEventRow);
  };
  const head = () => statements.head.get()?.head ?? 0;
  const clock = options.clock ?? (() => new Date());
  const idempotency = createIdempotencyIndex(db, {
    retentionMs: options.idempotencyRetentionMs ?? defaultRetentionMs,
    clock,
  });
  const pruneTimer = setInterval(() => {
    try {
      idempotency.prune();
    } catch {
      // Busy (another process holds the write lock): the next hour tries again.
    }
  }, pruneIntervalMs);
  pruneTimer.unref();

  // ---- "the log may have grown" signal for subscriptions --------------------------------
  const watchers = new Set<() => void>();
  let knownHead = head();
  let pollTimer: NodeJS.Timeout | null = null;
  const notify = () => {
    for (const watcher of watchers) watcher();
  };
  const poll = () => {
    try {
      const latest = head();
      if (latest > knownHead) {
        knownHead = latest;
        notify();
      }
    } catch {
      // Transient (e.g. the file is being checkpointed): the next tick tries again.
    }
  };
  const watch = (watcher: () => void) => {
    watchers.add(watcher);
    if (!pollTimer) {
      pollTimer = setInterval(poll, options.pollIntervalMs ?? 250);
      pollTimer.unref(); // a subscription alone must not keep the process alive
    }
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0 && pollTimer) {
        clearInterval(pollTimer);
        pollTimer = null;
      }
    };
  };

  const tail = createLiveTail({
    readRows: (after, upTo) => statements.window.all(after, upTo),
    knownHead: () => knownHead,
    watch,
  });

  const walSync = createWalSync(`${options.file}-wal`);
  const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000));
  const checkpointer = startCheckpointer(options.file, busyTimeoutMs);
  const committer = createGroupCommitter({
    db,
    walSync,
    checkpointer,
    checkpointFailed: (error) => fallBackToAutomaticCheckpoints(db, error),
    clock,
    maxBatchSize: options.maxBatchSize ?? 1_000,
    idempotency,
    committed: (lastPosition, rows) => {
      tail.offer(rows);
      // Our commit holds the highest position so far: anything another process committed
      // before it has a lower one, and the woken subscriptions read everything after theirs.
      knownHead = Math.max(knownHead, lastPosition);
      notify();
    },
  });

  const subscriptions = new Set<Subscription>();
  let closed = false;
  let closing: Promise<void> | null = null;

  const assertOpen = () => {
    if (closed) throw new EventStoreError('The SQLite event store is closed');
  };

  return {
    appendToStream(streamName: string, events: NewEvent[], appendOptions: AppendOptions) {
      return new Promise<AppendResult>((resolve, reject) => {
        assertOpen();
        if (events.length === 0) throw new EventStoreError('An append needs at least one event');
        committer.enqueue({ streamName, events, options: appendOptions, resolve, reject });
      });
    },

    async readStream(streamName: string, readOptions: ReadStreamOptions = {}) {
      assertOpen();
      const fromRevision = Number(readOptions.fromRevision ?? 0n);
      const limit = readOptions.maxCount ?? -1; // LIMIT -1: no limit
      return statements.readStream.all(streamName, fromRevision, limit).map(toRecordedEvent);
    },

    async *readAll(readOptions: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
      assertOpen();
      let after = fromPosition(readOptions.after);
      let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
      const end = head();
      // Window by window, so a long log is never loaded at once and appends are not held up.
      while (remaining > 0 && after < end) {
        const upTo = Math.min(end, after + readPageSize);
        const events = readWindow(readOptions.filter, after, upTo);
        for (const event of events.slice(0, remaining)) yield event;
        remaining -= events.length;
        after = upTo;
      }
    },

    async headPosition() {
      assertOpen();
      const latest = head();
      // Another process committed since the last poll: wake the subscriptions now, so a
      // caller waiting for this head (read-your-writes) does not wait for the poll.
      if (latest > knownHead) {
        knownHead = latest;
        notify();
      }
      return latest === 0 ? null : toPosition(latest);
    },

    subscribeToAll(subscribeOptions: SubscribeOptions): Subscription {
      assertOpen();
      const { after, filter } = subscribeOptions;
      const subscription = startSubscription(
        { readWindow: (from, upTo) => readWindow(filter, from, upTo), head, tail },
        after === 'end' ? 'end' : fromPosition(after),
        subscribeOptions,
      );
      subscriptions.add(subscription);
      return {
        unsubscribe: () => {
          subscriptions.delete(subscription);
          return subscription.unsubscribe();
        },
      };
    },

    async findIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
      assertOpen();
      idempotency.catchUp();
      const record = idempotency.find(key);
      // The claim may belong to a commit whose sync is still running: never describe an
      // append to a client before it is durable.
      if (record) {
        await new Promise<void>((resolve, reject) =>
          walSync.afterSync((error) =>
            error
              ? reject(
                  new EventStoreUnavailableError('SQLite event store: sync failed', {
                    cause: error,
                  }),
                )
              : resolve(),
          ),
        );
      }
      return record;
    },

    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(pruneTimer);
        // Appends already accepted are committed and answered before the file is closed.
        await committer.drain();
        await Promise.all([...subscriptions].map((subscription) => subscription.unsubscribe()));
        subscriptions.clear();
        await walSync.close();
        await checkpointer.close();
        db.close();
      })();
      return closing;
    },
  };
};

/** The SQL condition (appended to a WHERE) and its parameters for a filter. */
const filterClause = (filter: EventFilter | undefined): { sql: string; params: string[] } => {
  let sql = '';
  const params: string[] = [];
  const list = (values: readonly string[]) => values.map(() => '?').join(', ');
  if (filter?.eventTypes) {
    sql += ` AND type IN (${list(filter.eventTypes)})`;
    params.push(...filter.eventTypes);
  }
  if (filter?.streamCategories) {
    // The category is the stream name up to its first '-' (the whole name if it has none).
    sql += ` AND substr(stream, 1, instr(stream || '-', '-') - 1) IN (${list(filter.streamCategories)})`;
    params.push(...filter.streamCategories);
  }
  return { sql, params };
};
