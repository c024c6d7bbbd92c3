/**
 * Idempotency claims in the SQLite file: one entry per scoped key, pointing at the events of
 * the append that consumed it. Looked up by a 16-byte hash of the key, so entries stay small
 * and a batch's random inserts dirty few pages.
 */
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { IdempotencyRecord } from '../../../ports/eventStore.js';
import { type EventRow, type IdempotencyRow, toIdempotencyRecord } from './schema.js';

export const keyHash = (key: string): Buffer => hash('sha256', key, 'buffer').subarray(0, 16);

export interface IdempotencyLookup {
  /** The record for `key` (whose keyHash is `digest`), or null if the key was never used. */
  find(key: string, digest?: Buffer): IdempotencyRecord | null;
}

export const createIdempotencyLookup = (db: Database.Database): IdempotencyLookup => {
  const findKey = db.prepare<[Buffer], IdempotencyRow>(
    'SELECT fingerprint, last_position, event_count FROM idempotency WHERE key_hash = ?',
  );
  const eventsBetween = db.prepare<
    [number, number],
    Pick<EventRow, 'id' | 'stream' | 'revision' | 'recorded_at'>
  >(
    'SELECT id, stream, revision, recorded_at FROM events WHERE position > ? AND position <= ? ORDER BY position',
  );
  return {
    find(key, digest = keyHash(key)) {
      const row = findKey.get(digest);
      if (!row) return null;
      const events = eventsBetween.all(row.last_position - row.event_count, row.last_position);
      return toIdempotencyRecord(key, row, events);
    },
  };
};
