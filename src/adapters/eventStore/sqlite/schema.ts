/**
 * The SQLite file's schema, its migrations and the row ↔ port mappings.
 *
 * `PRAGMA user_version` records the schema version, so a later release can migrate a file
 * written by this one (add a step to `migrations`, never edit an applied one).
 */
import type Database from 'better-sqlite3';
import {
  EventStoreError,
  type IdempotencyRecord,
  type JsonObject,
  type LogPosition,
  type RecordedEvent,
} from '../../../ports/eventStore.js';

/** Each entry migrates from version `index` to `index + 1`. */
const migrations: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Not indexed: a unique index over random UUIDs dirties about one B-tree page per event in
    -- every group commit (measured: half the append throughput). Ids are generated unique.
    id          TEXT    NOT NULL,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    -- Also the index that makes "last revision of a stream" one B-tree lookup.
    UNIQUE (stream, revision)
  );
  -- Looked up by a 16-byte hash of the key: small index entries keep a batch's random inserts
  -- on few pages (measured: twice the throughput of the key text as a WITHOUT ROWID key).
  CREATE TABLE IF NOT EXISTS idempotency (
    id          INTEGER PRIMARY KEY,
    key_hash    BLOB    NOT NULL UNIQUE,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    event_ids   TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL
  );
  `,
  // v2, measured on the write path (bench/README.md): an idempotency claim is one small
  // entry in one B-tree (it was a row plus a unique index, and kept a copy of the answer,
  // which is now read back from the events), and positions are plain rowids (AUTOINCREMENT
  // also updated sqlite_sequence on every insert). Events are never deleted, so max + 1
  // never reuses a position.
  `
  CREATE TABLE events_v2 (
    position    INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL,
    stream      TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    UNIQUE (stream, revision)
  );
  INSERT INTO events_v2 (position, id, stream, revision, type, data, metadata, recorded_at)
    SELECT position, id, stream, revision, type, data, metadata, recorded_at FROM events;
  DROP TABLE events;
  ALTER TABLE events_v2 RENAME TO events;
  CREATE TABLE idempotency_v2 (
    key_hash      BLOB    PRIMARY KEY,
    fingerprint   TEXT    NOT NULL,
    -- The original append's events are the event_count positions ending at last_position:
    -- one append's events are inserted together under the write lock, so they are adjacent.
    last_position INTEGER NOT NULL,
    event_count   INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO idempotency_v2 (key_hash, fingerprint, last_position, event_count)
    SELECT i.key_hash, i.fingerprint, e.position, json_array_length(i.event_ids)
    FROM idempotency i JOIN events e ON e.stream = i.stream AND e.revision = i.revision;
  DROP TABLE idempotency;
  ALTER TABLE idempotency_v2 RENAME TO idempotency;
  `,
  // v3, measured on the write path (bench/README.md): claims are appended in claim order and
  // looked up through an in-memory index (idempotency.ts) instead of a B-tree keyed by random
  // hashes, which dirtied one page per claim. recorded_at (ms since the epoch) drives expiry.
  `
  CREATE TABLE idempotency_claims (
    seq           INTEGER PRIMARY KEY,
    key_hash      BLOB    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    last_position INTEGER NOT NULL,
    event_count   INTEGER NOT NULL,
    recorded_at   INTEGER NOT NULL
  );
  INSERT INTO idempotency_claims (key_hash, fingerprint, last_position, event_count, recorded_at)
    SELECT i.key_hash, i.fingerprint, i.last_position, i.event_count,
           CAST(unixepoch(e.recorded_at, 'subsec') * 1000 AS INTEGER)
    FROM idempotency i JOIN events e ON e.position = i.last_position
    ORDER BY i.last_position;
  DROP TABLE idempotency;
  `,
];

export const schemaVersion = migrations.length;

/**
 * Brings the file to `schemaVersion`. Runs under `BEGIN IMMEDIATE` so two processes opening a
 * new file at once do not both migrate it: the second waits (busy_timeout) and finds it done.
 */
export const migrate = (db: Database.Database): void => {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > schemaVersion) {
      throw new EventStoreError(
        `The event store file has schema version ${version}; this release knows up to ${schemaVersion}. Upgrade the gateway.`,
      );
    }
    for (let next = version; next < schemaVersion; next++) db.exec(migrations[next] as string);
    // PRAGMA takes no bound parameters; the value is our own integer.
    if (version !== schemaVersion) db.pragma(`user_version = ${schemaVersion}`);
  }).immediate();
};

export interface EventRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

export interface IdempotencyRow {
  fingerprint: string;
  last_position: number;
  event_count: number;
}

export const toPosition = (position: number): LogPosition => BigInt(position);

/** `undefined` (start of the log) is position 0: positions (rowids) start at 1. */
export const fromPosition = (position: LogPosition | undefined): number => {
  if (position === undefined) return 0;
  if (position < 0n || position > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new EventStoreError(`Not a position of the SQLite event store: ${position}`);
  }
  return Number(position);
};

/** An event's data and metadata as read, and once parsed (not enumerable). */
const sourceOf = Symbol('source');
interface Source {
  dataText: string;
  metadataText: string;
  data: JsonObject | undefined;
  metadata: JsonObject | undefined;
}
type LazyEvent = RecordedEvent & { [sourceOf]: Source };

/**
 * `data` and `metadata` as own, enumerable accessors that parse on first use and keep the
 * result beside the text (spread, `Object.keys`, JSON and assignment behave as on any event). The
 * same accessor functions serve every event, so events share one hidden class: an object
 * literal with `get data()` made new functions and a new hidden class per event (about 5 µs
 * an event, and every young object it touched kept alive into the old generation), and
 * redefining the accessor as a data property once parsed cost 0.6 µs a field and left the
 * event a slow (dictionary) object.
 */
const sourceField: PropertyDescriptor = { value: null, writable: true };
/** A field parsed from its text on first use, then kept beside it. */
const lazyField = (
  name: 'data' | 'metadata',
  text: 'dataText' | 'metadataText',
): PropertyDescriptor => ({
  enumerable: true,
  configurable: true,
  get(this: LazyEvent): JsonObject {
    const source = this[sourceOf];
    let value = source[name];
    if (value === undefined) {
      value = JSON.parse(source[text]) as JsonObject;
      source[name] = value;
    }
    return value;
  },
  set(this: LazyEvent, value: JsonObject) {
    this[sourceOf][name] = value;
  },
});
const dataField = lazyField('data', 'dataText');
const metadataField = lazyField('metadata', 'metadataText');

/**
 * An event as read. Its data and metadata are parsed when first used: a live consumer is
 * handed every event its filter lets through, and many look at the type and stream alone
 * (parsing a document's JSON is most of what reading an event costs).
 */
const recordedEvent = (
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  dataText: string,
  metadataText: string,
  recordedAt: string,
): RecordedEvent => {
  const event = {
    id,
    type,
    streamName: stream,
    revision: BigInt(revision),
    position: toPosition(position),
    recordedAt: new Date(recordedAt),
  };
  // One property at a time, in one order: cheaper than defineProperties, same hidden class.
  Object.defineProperty(event, sourceOf, sourceField);
  (event as unknown as LazyEvent)[sourceOf] = {
    dataText,
    metadataText,
    data: undefined,
    metadata: undefined,
  };
  Object.defineProperty(event, 'data', dataField);
  Object.defineProperty(event, 'metadata', metadataField);
  return event as unknown as RecordedEvent;
};

export const toRecordedEvent = (row: EventRow): RecordedEvent =>
  recordedEvent(
    row.position,
    row.id,
    row.stream,
    row.revision,
    row.type,
    row.data,
    row.metadata,
    row.recorded_at,
  );

/**
 * An event's columns in the order of `RawEventRow`: reads of many events ask for rows as
 * arrays (better-sqlite3's `raw`), which cost two thirds of rows as objects (1.4 against
 * 2.1 µs a row, reading the log through).
 */
export const rawEventColumns = 'position, id, stream, revision, type, data, metadata, recorded_at';
export type RawEventRow = [
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
];

export const fromRawEventRow = ([
  position,
  id,
  stream,
  revision,
  type,
  data,
  metadata,
  recordedAt,
]: RawEventRow): RecordedEvent =>
  recordedEvent(position, id, stream, revision, type, data, metadata, recordedAt);

/** The record of a claim, given the events of its append (in position order). */
export const toIdempotencyRecord = (
  key: string,
  row: IdempotencyRow,
  events: readonly Pick<EventRow, 'id' | 'stream' | 'revision' | 'recorded_at'>[],
): IdempotencyRecord => {
  const last = events.at(-1);
  if (!last || events.length !== row.event_count) {
    throw new EventStoreError(
      `Idempotency record of position ${row.last_position} does not match the event log`,
    );
  }
  return {
    key,
    fingerprint: row.fingerprint,
    streamName: last.stream,
    revision: BigInt(last.revision),
    eventIds: events.map((event) => event.id),
    recordedAt: new Date(last.recorded_at),
  };
};
