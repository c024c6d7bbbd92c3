/**
 * Idempotency claims in the SQLite file, with an in-memory index over a retention window.
 *
 * Why not a B-tree keyed by the key: clients send random keys (UUIDs), so every claim lands
 * on a random leaf, and every group commit rewrote about one 4 KB page per append for a
 * 60-byte entry: half of an append's cost (bench/README.md). Here a claim is a row appended in
 * claim order (`seq`), which dirties only the table's last page, and lookups go through a
 * Map from the key's 16-byte hash to its row.
 *
 * The Map holds the claims of the retention window (default 24 hours), loaded when the store
 * opens and pruned hourly with the table. Other processes writing to the same file are seen
 * exactly: before judging a batch, under the write lock, the claims committed since the
 * highest one known are read in. A retry after the window is still recognised, by the
 * command handler, from the document's own events (their metadata carries client, key and
 * fingerprint); only a key reused for a *different* document goes unnoticed after it.
 */
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { IdempotencyRecord } from '../../../ports/eventStore.js';
import { type EventRow, type IdempotencyRow, toIdempotencyRecord } from './schema.js';

export const keyHash = (key: string): Buffer => hash('sha256', key, 'buffer').subarray(0, 16);

/** Map key for a digest: 16 one-byte characters, the cheapest string V8 stores. */
const indexKey = (digest: Buffer): string => digest.toString('latin1');

export interface IdempotencyIndexOptions {
  retentionMs: number;
  clock: () => Date;
}

/** A claim made in the batch being built: indexed only once its transaction commits. */
interface StagedClaim {
  seq: number;
}

export interface IdempotencyIndex {
  /** Reads in claims other processes committed since we last looked (call under the lock). */
  catchUp(): void;
  /** The record for `key` (whose keyHash is `digest`), or null if no claim is known. */
  find(key: string, digest?: Buffer): IdempotencyRecord | null;
  /** Records a claim inside the current transaction; `commitStaged` makes it visible. */
  claim(digest: Buffer, fingerprint: string, lastPosition: number, eventCount: number): void;
  commitStaged(): void;
  discardStaged(): void;
  /** Deletes claims older than the retention window; returns how many. */
  prune(): number;
  readonly size: number;
}

export const createIdempotencyIndex = (
  db: Database.Database,
  options: IdempotencyIndexOptions,
): IdempotencyIndex => {
  const statements = {
    since: db.prepare<[number], { seq: number; key_hash: Buffer }>(
      'SELECT seq, key_hash FROM idempotency_claims WHERE seq > ? ORDER BY seq',
    ),
    bySeq: db.prepare<[number], IdempotencyRow>(
      'SELECT fingerprint, last_position, event_count FROM idempotency_claims WHERE seq = ?',
    ),
    insert: db.prepare<[Buffer, string, number, number, number]>(
      'INSERT INTO idempotency_claims (key_hash, fingerprint, last_position, event_count, recorded_at) VALUES (?, ?, ?, ?, ?)',
    ),
    oldest: db.prepare<[], { seq: number; recorded_at: number }>(
      'SELECT seq, recorded_at FROM idempotency_claims ORDER BY seq',
    ),
    deleteBefore: db.prepare<[number]>('DELETE FROM idempotency_claims WHERE seq < ?'),
    eventsBetween: db.prepare<
      [number, number],
      Pick<EventRow, 'id' | 'stream' | 'revision' | 'recorded_at'>
    >(
      'SELECT id, stream, revision, recorded_at FROM events WHERE position > ? AND position <= ? ORDER BY position',
    ),
  };

  const index = new Map<string, number>();
  let staged = new Map<string, StagedClaim>();
  let highestSeq = 0;

  const catchUp = () => {
    for (const row of statements.since.iterate(highestSeq)) {
      index.set(indexKey(row.key_hash), row.seq);
      highestSeq = row.seq;
    }
  };

  const prune = (): number => {
    const cutoff = options.clock().getTime() - options.retentionMs;
    // Claims are in time order: the expired ones are a prefix of the table.
    let boundary = 0;
    for (const row of statements.oldest.iterate()) {
      if (row.recorded_at >= cutoff) break;
      boundary = row.seq + 1;
    }
    if (boundary === 0) return 0;
    const deleted = db.transaction(() => statements.deleteBefore.run(boundary).changes)();
    for (const [key, seq] of index) if (seq < boundary) index.delete(key);
    return deleted;
  };

  prune();
  catchUp();

  return {
    catchUp,
    find(key, digest = keyHash(key)) {
      const name = indexKey(digest);
      const seq = staged.get(name)?.seq ?? index.get(name);
      if (seq === undefined) return null;
      const row = statements.bySeq.get(seq);
      if (!row) return null; // pruned by another process meanwhile: expired
      const events = statements.eventsBetween.all(
        row.last_position - row.event_count,
        row.last_position,
      );
      return toIdempotencyRecord(key, row, events);
    },
    claim(digest, fingerprint, lastPosition, eventCount) {
      const info = statements.insert.run(
        digest,
        fingerprint,
        lastPosition,
        eventCount,
        options.clock().getTime(),
      );
      staged.set(indexKey(digest), { seq: Number(info.lastInsertRowid) });
    },
    commitStaged() {
      for (const [name, { seq }] of staged) {
        index.set(name, seq);
        if (seq > highestSeq) highestSeq = seq;
      }
      staged = new Map();
    },
    discardStaged() {
      staged = new Map();
    },
    prune,
    get size() {
      return index.size;
    },
  };
};
