/** The conformance suite on a temporary SQLite file, plus what only the SQLite adapter does. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { keyHash } from '../../src/adapters/eventStore/sqlite/idempotency.js';
import {
  getSqliteEventStore,
  type SqliteEventStoreOptions,
} from '../../src/adapters/eventStore/sqlite/index.js';
import { schemaVersion } from '../../src/adapters/eventStore/sqlite/schema.js';
import {
  type EventStore,
  EventStoreError,
  EventStoreUnavailableError,
  type JsonObject,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/ports/eventStore.js';
import { tempSqliteFiles } from '../support/tempFiles.js';
import { newEvent, runEventStoreConformance, until } from './conformance.js';

const temp = tempSqliteFiles('coexist-es-');
const tempFile = temp.file;

runEventStoreConformance('SQLite', async () => {
  const file = tempFile();
  const store = getSqliteEventStore({ file });
  return { store, cleanup: () => store.close() };
});

describe('SQLite event store specifics', () => {
  const open: EventStore[] = [];
  const openStore = (options: SqliteEventStoreOptions) => {
    const store = getSqliteEventStore(options);
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    temp.removeAll();
  });

  it('group-commits: failing appends reject alone, their batch neighbours succeed', async () => {
    const store = openStore({ file: tempFile() });
    const reused = newEvent('Reused');
    const claim = { key: 'k', fingerprint: 'f' };
    // Issued in one event-loop turn, so they share one transaction.
    const results = await Promise.allSettled([
      store.appendToStream('a', [newEvent('A')], { expectedRevision: 'no_stream' }),
      store.appendToStream('b', [newEvent('B')], { expectedRevision: 4n }),
      store.appendToStream('a', [newEvent('A2')], { expectedRevision: 0n }), // sees the first
      store.appendToStream('c', [reused], { expectedRevision: 'any', idempotency: claim }),
      store.appendToStream('d', [newEvent('D')], { expectedRevision: 'any', idempotency: claim }),
      store.appendToStream('e', [newEvent('E1'), newEvent('E2')], {
        expectedRevision: 'no_stream',
      }),
      store.appendToStream('a', [newEvent('A3')], { expectedRevision: 'no_stream' }),
      store.appendToStream('f', [newEvent('F')], { expectedRevision: 'no_stream' }),
    ]);
    const [a, b, a2, c, d, e, a3, f] = results;
    expect([a, a2, c, d, e, f].map((r) => r?.status)).toEqual(Array(6).fill('fulfilled'));
    expect(b).toMatchObject({ status: 'rejected', reason: { actual: 'no_stream' } });
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(a3).toMatchObject({ status: 'rejected', reason: { actual: 1n } });
    expect((await store.readStream('e')).map((x) => x.type)).toEqual(['E1', 'E2']);
    expect(d).toMatchObject({ value: { kind: 'duplicate', record: { streamName: 'c' } } });
    expect((await store.readStream('a')).map((x) => x.type)).toEqual(['A', 'A2']);
    expect(await store.readStream('d')).toEqual([]);
    expect((await store.readStream('f')).map((x) => x.type)).toEqual(['F']);
  });

  it('rolls back an append that fails half-way and commits its batch without it', async () => {
    const store = openStore({ file: tempFile() });
    // Passes every check, then its second insert fails (no data: NOT NULL), after the first.
    const broken = { ...newEvent('H2'), data: undefined as unknown as JsonObject };
    const claim = { key: 'half-way', fingerprint: 'f' };
    const results = await Promise.allSettled([
      store.appendToStream('a', [newEvent('A')], { expectedRevision: 'no_stream' }),
      store.appendToStream('h', [newEvent('H1'), broken], {
        expectedRevision: 'no_stream',
        idempotency: claim,
      }),
      store.appendToStream('z', [newEvent('Z')], { expectedRevision: 'no_stream' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.readStream('h')).toEqual([]);
    expect(await store.findIdempotencyRecord('half-way')).toBeNull();
    const positions = [...(await store.readStream('a')), ...(await store.readStream('z'))].map(
      (event) => Number(event.position),
    );
    expect(positions[1]).toBe((positions[0] as number) + 1); // nothing left between them
    // The key was not consumed: the same request, fixed, goes through.
    const retry = await store.appendToStream('h', [newEvent('H1'), newEvent('H2')], {
      expectedRevision: 'no_stream',
      idempotency: claim,
    });
    expect(retry).toMatchObject({ kind: 'appended', nextExpectedRevision: 1n });
  });

  it('flushes a queue longer than one batch in several transactions', async () => {
    const store = openStore({ file: tempFile(), maxBatchSize: 7 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.appendToStream(`s${i % 5}`, [newEvent()], { expectedRevision: 'any' }),
      ),
    );
    expect(results.every((r) => r.kind === 'appended')).toBe(true);
    const positions = results.map((r) => (r.kind === 'appended' ? Number(r.position) : 0));
    expect(positions).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await store.readStream('s0')).toHaveLength(10);
  });

  it('rejects every append of a batch whose transaction fails, and writes none of it', async () => {
    const file = tempFile();
    const store = openStore({ file, busyTimeoutMs: 50 });
    await store.appendToStream('x', [newEvent()], { expectedRevision: 'no_stream' });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    try {
      const results = await Promise.allSettled([
        store.appendToStream('x', [newEvent()], { expectedRevision: 0n }),
        store.appendToStream('y', [newEvent()], { expectedRevision: 'no_stream' }),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(EventStoreUnavailableError);
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.readStream('y')).toEqual([]);
    await store.appendToStream('x', [newEvent()], { expectedRevision: 0n });
  });

  it('migrates a file written by schema version 1, keeping positions and idempotency keys', async () => {
    const file = tempFile();
    const v1 = new Database(file);
    v1.exec(`
      CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,
        stream TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
        metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision));
      CREATE TABLE idempotency (id INTEGER PRIMARY KEY, key_hash BLOB NOT NULL UNIQUE,
        key TEXT NOT NULL, fingerprint TEXT NOT NULL, result TEXT NOT NULL, stream TEXT NOT NULL,
        revision INTEGER NOT NULL, event_ids TEXT NOT NULL, recorded_at TEXT NOT NULL);
      PRAGMA user_version = 1;
    `);
    const at = '2026-11-01T10:00:00.000Z';
    const insert = v1.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run(5, 'e-other', 'other', 0, 'X', '{}', '{}', at);
    insert.run(6, 'e-1', 'doc', 0, 'A', '{"n":1}', '{"m":1}', at);
    insert.run(7, 'e-2', 'doc', 1, 'B', '{"n":2}', '{"m":1}', at);
    v1.prepare('INSERT INTO idempotency VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      keyHash('client\u0000key-1'),
      'client\u0000key-1',
      'fp-1',
      '{"status":"accepted"}',
      'doc',
      1,
      '["e-1","e-2"]',
      at,
    );
    v1.close();

    // Within the retention window of its claim (24 hours by default).
    const store = openStore({ file, clock: () => new Date(at) });
    const doc = await store.readStream('doc');
    expect(doc.map((e) => [e.id, e.position, e.data])).toEqual([
      ['e-1', 6n, { n: 1 }],
      ['e-2', 7n, { n: 2 }],
    ]);
    expect(await store.findIdempotencyRecord('client\u0000key-1')).toEqual({
      key: 'client\u0000key-1',
      fingerprint: 'fp-1',
      streamName: 'doc',
      revision: 1n,
      eventIds: ['e-1', 'e-2'],
      recordedAt: new Date(at),
    });
    const next = await store.appendToStream('doc', [newEvent()], {
      expectedRevision: 1n,
      idempotency: { key: 'client\u0000key-1', fingerprint: 'fp-1' },
    });
    expect(next.kind).toBe('duplicate');
    const appended = await store.appendToStream('doc', [newEvent()], { expectedRevision: 1n });
    expect(appended).toMatchObject({ kind: 'appended', position: 8n });
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(schemaVersion);
    check.close();
  });

  it('migrates a version 2 file: hash-keyed claims become time-ordered claims', async () => {
    const file = tempFile();
    const at = '2026-11-20T08:00:00.000Z';
    const v2 = new Database(file);
    v2.exec(`
      CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL, stream TEXT NOT NULL,
        revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
        metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision));
      CREATE TABLE idempotency (key_hash BLOB PRIMARY KEY, fingerprint TEXT NOT NULL,
        last_position INTEGER NOT NULL, event_count INTEGER NOT NULL) WITHOUT ROWID;
      PRAGMA user_version = 2;
    `);
    const insert = v2.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run(1, 'e-1', 'doc', 0, 'A', '{}', '{}', at);
    insert.run(2, 'e-2', 'doc', 1, 'B', '{}', '{}', at);
    v2.prepare('INSERT INTO idempotency VALUES (?, ?, ?, ?)').run(keyHash('c\u0000k'), 'fp', 2, 2);
    v2.close();

    const store = openStore({ file, clock: () => new Date('2026-11-21T08:00:00.000Z') });
    expect(await store.findIdempotencyRecord('c\u0000k')).toMatchObject({
      fingerprint: 'fp',
      streamName: 'doc',
      revision: 1n,
      eventIds: ['e-1', 'e-2'],
      recordedAt: new Date(at),
    });
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT recorded_at FROM idempotency_claims').get()).toEqual({
      recorded_at: Date.parse(at),
    });
    check.close();
  });

  it('keeps idempotency claims for the retention window, then forgets them', async () => {
    const file = tempFile();
    let now = new Date('2026-11-01T00:00:00.000Z');
    const day = 24 * 3_600_000;
    const first = getSqliteEventStore({ file, clock: () => now, idempotencyRetentionMs: 7 * day });
    const claim = { key: 'client\u0000k-1', fingerprint: 'f' };
    await first.appendToStream('doc', [newEvent()], {
      expectedRevision: 'any',
      idempotency: claim,
    });
    await first.close();

    now = new Date(now.getTime() + 6 * day);
    const within = openStore({ file, clock: () => now, idempotencyRetentionMs: 7 * day });
    expect(await within.findIdempotencyRecord(claim.key)).toMatchObject({ streamName: 'doc' });
    const again = await within.appendToStream('other', [newEvent()], {
      expectedRevision: 'any',
      idempotency: claim,
    });
    expect(again.kind).toBe('duplicate');
    await within.close();

    now = new Date(now.getTime() + 2 * day); // 8 days after the claim
    const after = openStore({ file, clock: () => now, idempotencyRetentionMs: 7 * day });
    expect(await after.findIdempotencyRecord(claim.key)).toBeNull();
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM idempotency_claims').get()).toEqual({ n: 0 });
    check.close();
  });

  it('keeps idempotency claims for 24 hours by default', async () => {
    const file = tempFile();
    const claimedAt = Date.parse('2026-11-01T00:00:00.000Z');
    const hour = 3_600_000;
    const claim = { key: 'client\u0000k-1', fingerprint: 'f' };
    const first = getSqliteEventStore({ file, clock: () => new Date(claimedAt) });
    await first.appendToStream('doc', [newEvent()], {
      expectedRevision: 'any',
      idempotency: claim,
    });
    await first.close();
    const at = async (hours: number) => {
      const store = openStore({ file, clock: () => new Date(claimedAt + hours * hour) });
      return store.findIdempotencyRecord(claim.key);
    };
    expect(await at(23)).toMatchObject({ streamName: 'doc' });
    expect(await at(25)).toBeNull();
  });

  it('sees the idempotency claims another store instance made on the same file', async () => {
    const file = tempFile();
    const a = openStore({ file });
    const b = openStore({ file });
    const claim = { key: 'client\u0000shared', fingerprint: 'f' };
    await a.appendToStream('doc', [newEvent()], { expectedRevision: 'any', idempotency: claim });
    // b loaded its index before a's claim: it must read it in, under the write lock.
    const second = await b.appendToStream('doc', [newEvent()], {
      expectedRevision: 'any',
      idempotency: claim,
    });
    expect(second).toMatchObject({ kind: 'duplicate', record: { streamName: 'doc' } });
    expect(await b.readStream('doc')).toHaveLength(1);
    expect(await b.findIdempotencyRecord(claim.key)).toMatchObject({ revision: 0n });
  });

  it('keeps everything across close and reopen, and stamps events with its clock', async () => {
    const file = tempFile();
    const at = new Date('2030-01-02T03:04:05.678Z');
    const first = getSqliteEventStore({ file, clock: () => at });
    const pending = first.appendToStream('s', [newEvent('X'), newEvent('Y')], {
      expectedRevision: 'no_stream',
      idempotency: { key: 'k', fingerprint: 'f' },
    });
    await first.close(); // waits for the queued append
    expect(await pending).toMatchObject({ kind: 'appended', nextExpectedRevision: 1n });
    await expect(
      first.appendToStream('s', [newEvent()], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(EventStoreError);

    const second = openStore({ file });
    const events = await second.readStream('s');
    expect(events.map((e) => e.type)).toEqual(['X', 'Y']);
    expect(events[0]?.recordedAt).toEqual(at);
    expect(await second.findIdempotencyRecord('k')).toMatchObject({
      revision: 1n,
      eventIds: events.map((e) => e.id),
      recordedAt: at,
    });
    await second.appendToStream('s', [newEvent('Z')], { expectedRevision: 1n });
    expect(Number((await second.readStream('s')).at(-1)?.position)).toBe(3);
  });

  it('delivers to a subscriber the appends of another store instance on the same file', async () => {
    const file = tempFile();
    const reader = openStore({ file, pollIntervalMs: 20 });
    const writer = openStore({ file });
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll({ onBatch: (b) => void seen.push(...b.events) });
    await writer.appendToStream('other', [newEvent('Elsewhere1')], {
      expectedRevision: 'no_stream',
    });
    await until(() => seen.length === 1, 'event of the other instance');
    await reader.appendToStream('mine', [newEvent('Mine')], { expectedRevision: 'no_stream' });
    await writer.appendToStream('other', [newEvent('Elsewhere2')], { expectedRevision: 0n });
    await until(() => seen.length === 3, 'all three events');
    await subscription.unsubscribe();
    expect(seen.map((e) => e.type)).toEqual(['Elsewhere1', 'Mine', 'Elsewhere2']);
  });

  it('shares the file with another process writing at the same time', async () => {
    const file = tempFile();
    const store = openStore({ file, pollIntervalMs: 20 });
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({ onBatch: (b) => void seen.push(...b.events) });
    const fixture = new URL('./fixtures/appendFromOtherProcess.ts', import.meta.url).pathname;
    const child = promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      fixture,
      file,
      'child',
      '100',
    ]);
    for (let i = 0; i < 100; i++) {
      await store.appendToStream('parent', [newEvent()], {
        expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
      });
    }
    await child;
    await until(() => seen.length === 200, '200 events', 15_000);
    await subscription.unsubscribe();
    expect(seen.map((e) => Number(e.position))).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect(await store.readStream('child')).toHaveLength(100);
  }, 30_000);
});

describe('SQLite subscriptions and the event loop', () => {
  it('let timers run while catching up on a long log with a synchronous handler', async () => {
    const file = temp.file();
    const store = getSqliteEventStore({ file });
    try {
      for (let i = 0; i < 10; i++) {
        await store.appendToStream(
          `long-${i}`,
          Array.from({ length: 1_000 }, () => newEvent('Long')),
          { expectedRevision: 'no_stream' },
        );
      }
      let handled = 0;
      let handledWhenTimerFired = -1;
      setTimeout(() => {
        handledWhenTimerFired = handled;
      }, 0);
      const caughtUp = new Promise<void>((resolve) => {
        const subscription = store.subscribeToAll({
          maxBatchSize: 100,
          onBatch: (batch) => {
            handled += batch.events.length;
          },
          onCaughtUp: () => void subscription.unsubscribe().then(resolve),
        });
      });
      await caughtUp;
      expect(handled).toBe(10_000);
      // The timer fired during the catch-up, not after it.
      expect(handledWhenTimerFired).toBeGreaterThanOrEqual(0);
      expect(handledWhenTimerFired).toBeLessThan(10_000);
    } finally {
      await store.close();
      temp.removeAll();
    }
  });
});

describe('SQLite live subscriptions (one shared reader of the tail)', () => {
  afterEach(() => temp.removeAll());

  it('gives each live subscriber exactly its events in order, a slow one too, while appends go on', async () => {
    const store = getSqliteEventStore({ file: temp.file() });
    try {
      const seen = { all: [] as number[], odd: [] as number[], slow: [] as number[] };
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const ready: Promise<void>[] = [];
      const subscribe = (
        into: number[],
        options: { filter?: { eventTypes: string[] }; onBatch?: () => Promise<void> } = {},
      ) => {
        let started: () => void = () => {};
        ready.push(
          new Promise<void>((resolve) => {
            started = resolve;
          }),
        );
        return store.subscribeToAll({
          maxBatchSize: 2,
          ...(options.filter ? { filter: options.filter } : {}),
          onBatch: async (batch) => {
            for (const event of batch.events) into.push((event.data as { n: number }).n);
            await options.onBatch?.();
          },
          onCaughtUp: () => started(),
        });
      };
      const subscriptions = [
        subscribe(seen.all),
        subscribe(seen.odd, { filter: { eventTypes: ['Odd'] } }),
        // Blocks on its first live batch until every append is done: it falls far behind the
        // tail (more batches than a live subscriber may keep waiting) and must catch up alone.
        subscribe(seen.slow, { onBatch: () => gate }),
      ];
      await Promise.all(ready);
      const total = 400;
      for (let n = 0; n < total; n++) {
        await store.appendToStream(`s-${n % 7}`, [newEvent(n % 2 ? 'Odd' : 'Even', { n })], {
          expectedRevision: 'any',
        });
        if (n % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const every = Array.from({ length: total }, (_, n) => n);
      await until(() => seen.all.length === total && seen.odd.length === total / 2, 'live ones');
      release();
      await until(() => seen.slow.length >= total, 'the slow one');
      await Promise.all(subscriptions.map((s) => s.unsubscribe()));
      expect(seen.all).toEqual(every);
      expect(seen.odd).toEqual(every.filter((n) => n % 2));
      expect(seen.slow).toEqual(every);
    } finally {
      await store.close();
    }
  });
});
