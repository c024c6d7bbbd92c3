/**
 * Embedded event store: one SQLite file (better-sqlite3), WAL, `synchronous = FULL`.
 *
 * Appends are group-committed: every append that arrives during one turn of the event loop
 * joins one transaction and one fsync, and each caller is answered only after that commit.
 * Under concurrent load this turns N fsyncs into one without weakening durability.
 */
import Database from 'better-sqlite3';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  EventStoreError,
  type IdempotencyRecord,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { createSqliteSubscription } from './subscription.js';

export interface SqliteEventStoreOptions {
  file: string;
  /** How often live subscriptions look for events appended by other processes. */
  pollIntervalMs?: number;
  /** Most appends per transaction. */
  maxBatch?: number;
}

interface PendingAppend {
  streamName: string;
  events: NewEvent[];
  options: AppendOptions;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
}

interface IdempotencyRow {
  key: string;
  fingerprint: string;
  result: string;
  stream: string;
  revision: number;
  event_ids: string;
  recorded_at: number;
}

const schemaVersion = 1;

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  streamName: row.stream,
  revision: BigInt(row.revision),
  position: String(row.position) as LogPosition,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  recordedAt: new Date(row.recorded_at),
});

const toIdempotencyRecord = (row: IdempotencyRow): IdempotencyRecord => ({
  key: row.key,
  fingerprint: row.fingerprint,
  result: JSON.parse(row.result),
  streamName: row.stream,
  revision: BigInt(row.revision),
  eventIds: JSON.parse(row.event_ids),
  recordedAt: new Date(row.recorded_at),
});

const parsePosition = (position: LogPosition | undefined): number => {
  if (position === undefined) return 0;
  const value = Number(position);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new EventStoreError(`Not a position of this store: ${position}`);
  }
  return value;
};

export const getSqliteEventStore = (
  options: SqliteEventStoreOptions,
): EventStore & {
  /** Highest position in the log (0 when empty). */
  headPosition(): number;
} => {
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every commit, so an acknowledged append survives power loss.
  db.pragma('synchronous = FULL');
  // Another process (the CLI, a second instance) may hold the write lock briefly.
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const statements = {
    lastRevision: db.prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
    ),
    insertEvent: db.prepare(
      'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    readStream: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?',
    ),
    readAll: db.prepare<[number, number], EventRow>(
      'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
    ),
    head: db.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events'),
    findKey: db.prepare<[string], IdempotencyRow>('SELECT * FROM idempotency WHERE key = ?'),
    insertKey: db.prepare(
      'INSERT INTO idempotency (key, fingerprint, result, stream, revision, event_ids, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
  };

  const maxBatch = options.maxBatch ?? 1_000;
  let queue: PendingAppend[] = [];
  let scheduled = false;
  let closed = false;
  let flushing: Promise<void> = Promise.resolve();
  const listeners = new Set<() => void>();

  /**
   * Runs one batch in one transaction. Each append is checked on its own (idempotency key,
   * then expected revision, both seeing earlier appends of the same batch); a failing append
   * settles alone and never rolls back its neighbours.
   */
  const runBatch = (batch: PendingAppend[]) => {
    const outcomes: Array<{ pending: PendingAppend; result?: AppendResult; error?: unknown }> = [];
    const revisions = new Map<string, number>(); // stream → last revision, within this batch
    const keys = new Map<string, IdempotencyRecord>(); // keys claimed within this batch
    const now = Date.now();
    const transaction = db.transaction(() => {
      for (const pending of batch) {
        const { streamName, events, options: appendOptions } = pending;
        const claim = appendOptions.idempotency;
        if (claim) {
          const existing = keys.get(claim.key) ?? statements.findKey.get(claim.key);
          if (existing) {
            const record = 'event_ids' in existing ? toIdempotencyRecord(existing) : existing;
            outcomes.push({ pending, result: { kind: 'duplicate', record } });
            continue;
          }
        }
        const current = revisions.has(streamName)
          ? (revisions.get(streamName) as number)
          : (statements.lastRevision.get(streamName)?.revision ?? -1);
        const expected = appendOptions.expectedRevision;
        const ok =
          expected === 'any' ||
          (expected === 'no_stream' && current === -1) ||
          (expected === 'stream_exists' && current >= 0) ||
          (typeof expected === 'bigint' && BigInt(current) === expected);
        if (!ok) {
          const actual = current === -1 ? 'no_stream' : BigInt(current);
          outcomes.push({
            pending,
            error: new WrongExpectedRevisionError(streamName, expected, actual),
          });
          continue;
        }
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
            now,
          );
          position = Number(info.lastInsertRowid);
        }
        revisions.set(streamName, revision);
        if (claim) {
          const record: IdempotencyRecord = {
            key: claim.key,
            fingerprint: claim.fingerprint,
            result: claim.result,
            streamName,
            revision: BigInt(revision),
            eventIds: events.map((event) => event.id),
            recordedAt: new Date(now),
          };
          statements.insertKey.run(
            claim.key,
            claim.fingerprint,
            JSON.stringify(claim.result),
            streamName,
            revision,
            JSON.stringify(record.eventIds),
            now,
          );
          keys.set(claim.key, record);
        }
        outcomes.push({
          pending,
          result: {
            kind: 'appended',
            nextExpectedRevision: BigInt(revision),
            position: String(position) as LogPosition,
          },
        });
      }
    });
    try {
      transaction();
    } catch (error) {
      // The commit (or an insert: duplicate event id, disk full) failed: nothing is durable.
      for (const { pending } of batch.map((p) => ({ pending: p }))) pending.reject(error);
      return;
    }
    for (const { pending, result, error } of outcomes) {
      if (result) pending.resolve(result);
      else pending.reject(error);
    }
    for (const listener of listeners) listener();
  };

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      runBatch(batch);
    }
  };

  const store = {
    appendToStream(streamName: string, events: NewEvent[], appendOptions: AppendOptions) {
      if (closed) return Promise.reject(new EventStoreError('Event store is closed'));
      if (events.length === 0) {
        return Promise.reject(new EventStoreError('An append needs at least one event'));
      }
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ streamName, events, options: appendOptions, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          flushing = new Promise<void>((done) =>
            setImmediate(() => {
              flush();
              done();
            }),
          );
        }
      });
    },

    async readStream(streamName: string, readOptions: ReadStreamOptions = {}) {
      const from = Number(readOptions.fromRevision ?? 0n);
      const limit = readOptions.maxCount ?? -1;
      return statements.readStream.all(streamName, from, limit).map(toRecorded);
    },

    async *readAll(readOptions: ReadAllOptions = {}) {
      let after = parsePosition(readOptions.after);
      let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
      while (remaining > 0) {
        const page = statements.readAll.all(after, Math.min(500, remaining));
        if (page.length === 0) return;
        for (const row of page) yield toRecorded(row);
        after = (page.at(-1) as EventRow).position;
        remaining -= page.length;
      }
    },

    subscribeToAll(subscribeOptions: SubscribeOptions): Subscription {
      return createSqliteSubscription({
        after: parsePosition(subscribeOptions.after),
        readPage: (after, limit) => statements.readAll.all(after, limit).map(toRecorded),
        onEvent: subscribeOptions.onEvent,
        onError: subscribeOptions.onError,
        pollIntervalMs: options.pollIntervalMs ?? 250,
        listen: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      });
    },

    async findIdempotencyRecord(key: string) {
      const row = statements.findKey.get(key);
      return row ? toIdempotencyRecord(row) : null;
    },

    headPosition: () => statements.head.get()?.head ?? 0,

    async close() {
      if (closed) return;
      closed = true;
      await flushing;
      flush();
      listeners.clear();
      db.close();
    },
  };
  return store;
};

const migrate = (db: Database.Database) => {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= schemaVersion) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      position    INTEGER PRIMARY KEY AUTOINCREMENT,
      id          TEXT NOT NULL UNIQUE,
      stream      TEXT NOT NULL,
      revision    INTEGER NOT NULL,
      type        TEXT NOT NULL,
      data        TEXT NOT NULL,
      metadata    TEXT NOT NULL,
      recorded_at INTEGER NOT NULL,
      UNIQUE (stream, revision)
    );
    CREATE TABLE IF NOT EXISTS idempotency (
      key         TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      result      TEXT NOT NULL,
      stream      TEXT NOT NULL,
      revision    INTEGER NOT NULL,
      event_ids   TEXT NOT NULL,
      recorded_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    PRAGMA user_version = ${schemaVersion};
  `);
};
