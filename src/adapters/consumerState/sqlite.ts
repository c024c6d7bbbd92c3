/**
 * Consumer state in a SQLite database: checkpoints (compare-and-set), parked events and
 * leases, in three small tables created in whatever database the caller opens, so a consumer
 * whose effects live in that database (a read model, a row per delivery) commits them with
 * its checkpoint in one transaction: exactly once.
 *
 * Every write takes the write lock up front (`BEGIN IMMEDIATE`), so two processes on one
 * file serialise on it (busy_timeout) instead of failing on a lock upgrade.
 */
import Database from 'better-sqlite3';
import {
  CheckpointConflictError,
  type ConsumerStateStore,
  type LeaseGrant,
  type ParkedEvent,
} from '../../ports/consumerState.js';
import { type LogPosition, positionFromString } from '../../ports/eventStore.js';

const schema = `
  CREATE TABLE IF NOT EXISTS consumer_checkpoints (
    consumer   TEXT    PRIMARY KEY,
    position   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS consumer_leases (
    consumer    TEXT    PRIMARY KEY,
    owner       TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS consumer_parked (
    consumer   TEXT    NOT NULL,
    position   TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    stream     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    error      TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    parked_at  INTEGER NOT NULL,
    PRIMARY KEY (consumer, position)
  );
`;

interface LeaseRow {
  consumer: string;
  owner: string;
  expires_at: number;
}

interface ParkedRow {
  consumer: string;
  position: string;
  event_id: string;
  stream: string;
  type: string;
  error: string;
  attempts: number;
  parked_at: number;
}

export interface SqliteConsumerState extends ConsumerStateStore {
  /** The database, for handlers whose effects share the checkpoint's transaction. */
  readonly db: Database.Database;
  close(): void;
}

export interface ConsumerDatabaseOptions {
  busyTimeoutMs?: number;
  /** Page size of a new file, in bytes (a file already created keeps its own). */
  pageSize?: number;
}

/** Opens (or creates) a database file for consumer state; WAL, like the event store. */
export const openConsumerDatabase = (
  file: string,
  { busyTimeoutMs = 5_000, pageSize }: ConsumerDatabaseOptions = {},
): Database.Database => {
  const db = new Database(file);
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  // Before WAL: a new file takes its page size from its first write; WAL fixes it after.
  if (pageSize !== undefined) db.pragma(`page_size = ${Math.trunc(pageSize)}`);
  db.pragma('journal_mode = WAL');
  // A commit lost to power failure is handled again (at least once) or, for effects in the
  // same transaction, lost together with them: consistent either way, and kill -9 loses none.
  db.pragma('synchronous = NORMAL');
  return db;
};

export const getSqliteConsumerState = (db: Database.Database): SqliteConsumerState => {
  db.exec(schema);
  const statements = {
    load: db.prepare<[string], { position: string }>(
      'SELECT position FROM consumer_checkpoints WHERE consumer = ?',
    ),
    save: db.prepare<[string, string, number]>(
      `INSERT INTO consumer_checkpoints (consumer, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    ),
    park: db.prepare<[string, string, string, string, string, string, number, number]>(
      `INSERT OR REPLACE INTO consumer_parked
         (consumer, position, event_id, stream, type, error, attempts, parked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    parkedAll: db.prepare<[], ParkedRow>(
      'SELECT * FROM consumer_parked ORDER BY consumer, CAST(position AS INTEGER)',
    ),
    parkedOf: db.prepare<[string], ParkedRow>(
      'SELECT * FROM consumer_parked WHERE consumer = ? ORDER BY CAST(position AS INTEGER)',
    ),
    lease: db.prepare<[string], LeaseRow>('SELECT * FROM consumer_leases WHERE consumer = ?'),
    takeLease: db.prepare<[string, string, number, number]>(
      `INSERT INTO consumer_leases (consumer, owner, expires_at, acquired_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (consumer) DO UPDATE SET
         acquired_at = CASE WHEN owner = excluded.owner THEN acquired_at ELSE excluded.acquired_at END,
         owner = excluded.owner, expires_at = excluded.expires_at`,
    ),
    releaseLease: db.prepare<[string, string]>(
      'DELETE FROM consumer_leases WHERE consumer = ? AND owner = ?',
    ),
  };
  const loadSync = (consumer: string): LogPosition | null => {
    const row = statements.load.get(consumer);
    return row ? positionFromString(row.position) : null;
  };
  const commit = db.transaction(
    (consumer: string, expected: LogPosition | null, next: LogPosition, effect?: () => void) => {
      const actual = loadSync(consumer);
      if (actual !== expected) throw new CheckpointConflictError(consumer, expected, actual);
      effect?.();
      statements.save.run(consumer, next.toString(), Date.now());
    },
  );
  const acquire = db.transaction(
    (consumer: string, owner: string, ttlMs: number, now: number): LeaseGrant | null => {
      const held = statements.lease.get(consumer);
      if (held && held.owner !== owner && held.expires_at > now) return null;
      statements.takeLease.run(consumer, owner, now + ttlMs, now);
      return { consumer, owner, expiresAt: new Date(now + ttlMs) };
    },
  );
  const toParked = (row: ParkedRow): ParkedEvent => ({
    consumer: row.consumer,
    position: positionFromString(row.position),
    eventId: row.event_id,
    streamName: row.stream,
    eventType: row.type,
    error: row.error,
    attempts: row.attempts,
    parkedAt: new Date(row.parked_at),
  });

  return {
    db,
    transactional: true,
    async load(consumer) {
      return loadSync(consumer);
    },
    async commit(consumer, expected, next, effect) {
      commit.immediate(consumer, expected, next, effect);
    },
    async park(event) {
      statements.park.run(
        event.consumer,
        event.position.toString(),
        event.eventId,
        event.streamName,
        event.eventType,
        event.error,
        event.attempts,
        event.parkedAt.getTime(),
      );
    },
    async parked(consumer) {
      const rows = consumer ? statements.parkedOf.all(consumer) : statements.parkedAll.all();
      return rows.map(toParked);
    },
    async acquireLease(consumer, owner, ttlMs, now) {
      return acquire.immediate(consumer, owner, ttlMs, now.getTime());
    },
    async releaseLease(consumer, owner) {
      statements.releaseLease.run(consumer, owner);
    },
    async leaseHolder(consumer, now) {
      const held = statements.lease.get(consumer);
      if (!held || held.expires_at <= now.getTime()) return null;
      return { consumer, owner: held.owner, expiresAt: new Date(held.expires_at) };
    },
    close() {
      db.close();
    },
  };
};
