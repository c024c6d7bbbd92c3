/**
 * The EventStoreDB adapter's idempotency protocol (claim stream, then append, then complete or
 * release) needs only "append with an expected revision" and "read a stream", so it runs here
 * on the SQLite store, without a server: the whole conformance suite, plus the recovery cases
 * a real server cannot easily be pushed into (a first attempt that died half-way).
 * The adapter's translation of an unreachable server is checked against a closed port.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendOnce,
  type ClaimIo,
  claimStreamOf,
  findRecord,
} from '../../src/adapters/eventStore/esdb/idempotency.js';
import { getEventStoreDBEventStore } from '../../src/adapters/eventStore/esdb/index.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import {
  type EventStore,
  EventStoreError,
  EventStoreUnavailableError,
  type JsonObject,
} from '../../src/ports/eventStore.js';
import { newEvent, runEventStoreConformance } from './conformance.js';

const dirs: string[] = [];
const sqliteStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-claims-'));
  dirs.push(dir);
  return getSqliteEventStore({ file: join(dir, 'events.sqlite') });
};

/** SQLite's plain appends and reads, with idempotency done the EventStoreDB adapter's way. */
const withClaimProtocol = (sqlite: EventStore, waitMs = 5_000): EventStore => {
  const io: ClaimIo = {
    append: async (streamName, events, expectedRevision) => {
      const result = await sqlite.appendToStream(streamName, events, { expectedRevision });
      if (result.kind !== 'appended') throw new Error('plain appends are never duplicates');
      return result;
    },
    readStream: (streamName, options) => sqlite.readStream(streamName, options),
  };
  return {
    ...sqlite,
    appendToStream: async (streamName, events, options) => {
      const claim = options.idempotency;
      if (!claim) return sqlite.appendToStream(streamName, events, options);
      if (events.length === 0) throw new EventStoreError('An append needs at least one event');
      const { expectedRevision } = options;
      return appendOnce(io, { waitMs }, { streamName, events, expectedRevision, claim });
    },
    findIdempotencyRecord: (key) => findRecord(io, key),
  };
};

runEventStoreConformance('EventStoreDB idempotency protocol on SQLite', async () => {
  const sqlite = sqliteStore();
  return { store: withClaimProtocol(sqlite), cleanup: () => sqlite.close() };
});

describe('EventStoreDB idempotency protocol: a first attempt that died half-way', () => {
  const open: EventStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const setup = (waitMs = 5_000) => {
    const sqlite = sqliteStore();
    open.push(sqlite);
    return { sqlite, store: withClaimProtocol(sqlite, waitMs) };
  };
  /** What a first attempt leaves behind when its process dies right after claiming. */
  const orphanClaim = async (
    sqlite: EventStore,
    key: string,
    data: { streamName: string; eventIds: string[]; expectedRevision: string },
  ) => {
    const claimed: JsonObject = { key, fingerprint: 'first', ...data };
    await sqlite.appendToStream(
      claimStreamOf(key),
      [{ ...newEvent('IdempotencyKeyClaimed'), data: claimed }],
      { expectedRevision: 'no_stream' },
    );
  };
  const claim = (key: string) => ({ key, fingerprint: 'second' });

  it('answers with the first record when its events landed but completion was not recorded', async () => {
    const { sqlite, store } = setup();
    const key = randomUUID();
    const events = [newEvent(), newEvent()];
    await orphanClaim(sqlite, key, {
      streamName: 'doc',
      eventIds: events.map((e) => e.id),
      expectedRevision: 'no_stream',
    });
    await sqlite.appendToStream('doc', events, { expectedRevision: 'no_stream' });
    const expected = { streamName: 'doc', revision: 1n, fingerprint: 'first' };
    expect(await store.findIdempotencyRecord(key)).toMatchObject(expected);
    const retry = await store.appendToStream('doc', [newEvent()], {
      expectedRevision: 1n,
      idempotency: claim(key),
    });
    expect(retry).toMatchObject({ kind: 'duplicate', record: expected });
    expect(await sqlite.readStream('doc')).toHaveLength(2);
  });

  it('releases a claim that can provably never be written, and lets the retry write', async () => {
    const { sqlite, store } = setup();
    const key = randomUUID();
    await sqlite.appendToStream('doc', [newEvent()], { expectedRevision: 'no_stream' });
    await orphanClaim(sqlite, key, {
      streamName: 'doc',
      eventIds: [randomUUID()],
      expectedRevision: '0',
    });
    // Someone else took revision 1, where the orphan's event had to go.
    await sqlite.appendToStream('doc', [newEvent()], { expectedRevision: 0n });
    expect(await store.findIdempotencyRecord(key)).toBeNull();
    const retry = await store.appendToStream('doc', [newEvent('Retry')], {
      expectedRevision: 1n,
      idempotency: claim(key),
    });
    expect(retry).toMatchObject({ kind: 'appended', nextExpectedRevision: 2n });
    expect(await store.findIdempotencyRecord(key)).toMatchObject({
      revision: 2n,
      fingerprint: 'second',
    });
    const claimTypes = (await sqlite.readStream(claimStreamOf(key))).map((e) => e.type);
    expect(claimTypes).toEqual([
      'IdempotencyKeyClaimed',
      'IdempotencyKeyReleased',
      'IdempotencyKeyClaimed',
      'IdempotencyKeyCompleted',
    ]);
  });

  it('waits for an unsettled first attempt, then answers duplicate without writing', async () => {
    const { sqlite, store } = setup(200);
    const key = randomUUID();
    await orphanClaim(sqlite, key, {
      streamName: 'doc',
      eventIds: [randomUUID()],
      expectedRevision: 'any',
    });
    const started = Date.now();
    const retry = await store.appendToStream('doc', [newEvent()], {
      expectedRevision: 'any',
      idempotency: claim(key),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(retry).toMatchObject({ kind: 'duplicate', record: { fingerprint: 'first' } });
    expect(await sqlite.readStream('doc')).toEqual([]);
  });
});

describe('EventStoreDB adapter without a server', () => {
  it('translates an unreachable server into EventStoreUnavailableError', async () => {
    const store = getEventStoreDBEventStore('esdb://127.0.0.1:1?tls=false');
    try {
      await expect(
        store.appendToStream('s', [newEvent()], { expectedRevision: 'any' }),
      ).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.readStream('s')).rejects.toBeInstanceOf(EventStoreUnavailableError);
      const errors: unknown[] = [];
      const subscription = store.subscribeToAll({
        onBatch: () => {},
        onError: (e) => errors.push(e),
      });
      for (let i = 0; i < 200 && errors.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(errors[0]).toBeInstanceOf(EventStoreUnavailableError);
      await subscription.unsubscribe();
    } finally {
      await store.close();
    }
  });
});
