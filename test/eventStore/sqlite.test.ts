import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { type RecordedEvent, WrongExpectedRevisionError } from '../../src/ports/eventStore.js';
import { runEventStoreConformance } from './conformance.js';

const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-es-'));
  return {
    file: join(dir, 'events.sqlite'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
};

runEventStoreConformance('SQLite', async () => {
  const { file, remove } = tempFile();
  const store = getSqliteEventStore({ file });
  return { store, cleanup: async () => (await store.close(), remove()) };
});

const event = (type: string) => ({ id: randomUUID(), type, data: {}, metadata: {} });

describe('SQLite event store specifics', () => {
  it('group-commits: one failing append in a batch does not fail its neighbours', async () => {
    const { file, remove } = tempFile();
    const store = getSqliteEventStore({ file });
    try {
      // Issued in one event-loop turn, so they share one transaction.
      const results = await Promise.allSettled([
        store.appendToStream('a', [event('A')], { expectedRevision: 'no_stream' }),
        store.appendToStream('b', [event('B')], { expectedRevision: 4n }),
        store.appendToStream('c', [event('C')], { expectedRevision: 'no_stream' }),
        store.appendToStream('a', [event('A2')], { expectedRevision: 0n }),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect((await store.readStream('a')).map((e) => e.type)).toEqual(['A', 'A2']);
    } finally {
      await store.close();
      remove();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const { file, remove } = tempFile();
    const first = getSqliteEventStore({ file });
    await first.appendToStream('s', [event('X'), event('Y')], {
      expectedRevision: 'no_stream',
      idempotency: { key: 'k', fingerprint: 'f', result: { ok: true } },
    });
    await first.close();
    const second = getSqliteEventStore({ file });
    try {
      expect((await second.readStream('s')).map((e) => e.type)).toEqual(['X', 'Y']);
      expect(await second.findIdempotencyRecord('k')).toMatchObject({
        revision: 1n,
        result: { ok: true },
      });
    } finally {
      await second.close();
      remove();
    }
  });

  it('delivers events appended by another connection to the same file (another process)', async () => {
    const { file, remove } = tempFile();
    const reader = getSqliteEventStore({ file, pollIntervalMs: 20 });
    const writer = getSqliteEventStore({ file });
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll({ onEvent: (e) => void seen.push(e) });
    try {
      await writer.appendToStream('other', [event('FromElsewhere')], {
        expectedRevision: 'no_stream',
      });
      for (let i = 0; i < 200 && seen.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(seen.map((e) => e.type)).toEqual(['FromElsewhere']);
    } finally {
      await subscription.unsubscribe();
      await writer.close();
      await reader.close();
      remove();
    }
  });
});
