/**
 * The event store port's contract, run against every adapter (SQLite always; EventStoreDB
 * when EVENTSTORE_URL is set). Stream names are unique per test so runs can share a server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventStore,
  type LogPosition,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/ports/eventStore.js';

export interface StoreFactory {
  store: EventStore;
  cleanup(): Promise<void>;
}

const newEvent = (type = 'Something', data: NewEvent['data'] = { n: 1 }): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { clientId: 'test' },
});

const collect = async (iterable: AsyncIterable<RecordedEvent>) => {
  const out: RecordedEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
};

const until = async (condition: () => boolean, timeoutMs = 5_000) => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

export const runEventStoreConformance = (name: string, factory: () => Promise<StoreFactory>) => {
  describe(`event store conformance: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;
    const run = randomUUID().slice(0, 8);
    const stream = (label: string) => `Test-${run}/${label}`;

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(() => cleanup());

    it('appends and reads a stream in revision order, with data and metadata intact', async () => {
      const s = stream('roundtrip');
      const data = { text: 'Größe 20×47 — “ok”', nested: { list: [1, '2', null, true] } };
      const first = await store.appendToStream(s, [newEvent('A', data), newEvent('B')], {
        expectedRevision: 'no_stream',
      });
      expect(first).toMatchObject({ kind: 'appended', nextExpectedRevision: 1n });
      const events = await store.readStream(s);
      expect(events.map((e) => [e.type, e.revision, e.streamName])).toEqual([
        ['A', 0n, s],
        ['B', 1n, s],
      ]);
      expect(events[0]?.data).toEqual(data);
      expect(events[0]?.metadata).toEqual({ clientId: 'test' });
      expect(events[0]?.recordedAt).toBeInstanceOf(Date);
      expect(await store.readStream(s, { fromRevision: 1n })).toHaveLength(1);
      expect(await store.readStream(s, { maxCount: 1 })).toHaveLength(1);
    });

    it('reads a missing stream as empty', async () => {
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('enforces expected revisions and reports the actual one', async () => {
      const s = stream('revisions');
      await expect(
        store.appendToStream(s, [newEvent()], { expectedRevision: 'stream_exists' }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
      const error = await store
        .appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).actual).toBe(0n);
      await expect(
        store.appendToStream(s, [newEvent()], { expectedRevision: 5n }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await store.appendToStream(s, [newEvent()], { expectedRevision: 0n });
      await store.appendToStream(s, [newEvent()], { expectedRevision: 'stream_exists' });
      await store.appendToStream(s, [newEvent()], { expectedRevision: 'any' });
      expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    });

    it('appends several events atomically: all or none', async () => {
      const s = stream('atomic');
      await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
      await expect(
        store.appendToStream(s, [newEvent(), newEvent(), newEvent()], { expectedRevision: 7n }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('lets exactly one of 20 concurrent appends at the same revision win', async () => {
      const s = stream('race');
      await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          store.appendToStream(s, [newEvent()], { expectedRevision: 0n }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      }
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('reads all streams in log order, strictly after a position', async () => {
      const a = stream('all-a');
      const b = stream('all-b');
      const tail = await collect(store.readAll());
      const start = tail.at(-1)?.position;
      await store.appendToStream(a, [newEvent('A1')], { expectedRevision: 'no_stream' });
      await store.appendToStream(b, [newEvent('B1')], { expectedRevision: 'no_stream' });
      await store.appendToStream(a, [newEvent('A2')], { expectedRevision: 0n });
      const after = await collect(store.readAll(start ? { after: start } : {}));
      const mine = after.filter((e) => e.streamName === a || e.streamName === b);
      expect(mine.map((e) => e.type)).toEqual(['A1', 'B1', 'A2']);
      const fromB = await collect(store.readAll({ after: mine[0]?.position as LogPosition }));
      expect(
        fromB.filter((e) => e.streamName === a || e.streamName === b).map((e) => e.type),
      ).toEqual(['B1', 'A2']);
      expect(
        await collect(store.readAll({ after: mine[0]?.position as LogPosition, maxCount: 1 })),
      ).toHaveLength(1);
    });

    describe('idempotency claims', () => {
      const claim = (key: string, fingerprint = 'f1') => ({
        key,
        fingerprint,
        result: { answer: 42 },
      });

      it('records the first append for a key and answers every later one with it', async () => {
        const s = stream('idem');
        const key = `k-${randomUUID()}`;
        const first = await store.appendToStream(s, [newEvent()], {
          expectedRevision: 'no_stream',
          idempotency: claim(key),
        });
        expect(first.kind).toBe('appended');
        const second = await store.appendToStream(s, [newEvent()], {
          expectedRevision: 'any',
          idempotency: claim(key, 'other'),
        });
        expect(second).toMatchObject({
          kind: 'duplicate',
          record: { key, fingerprint: 'f1', result: { answer: 42 }, streamName: s, revision: 0n },
        });
        expect(await store.readStream(s)).toHaveLength(1);
        expect(await store.findIdempotencyRecord(key)).toMatchObject({ key, revision: 0n });
        expect(await store.findIdempotencyRecord(`never-${key}`)).toBeNull();
      });

      it('writes exactly once for 20 concurrent appends with one key', async () => {
        const s = stream('idem-race');
        const key = `k-${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            store.appendToStream(s, [newEvent()], {
              expectedRevision: 'any',
              idempotency: claim(key),
            }),
          ),
        );
        expect(results.filter((r) => r.kind === 'appended')).toHaveLength(1);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('does not consume a key when the append fails', async () => {
        const s = stream('idem-fail');
        const key = `k-${randomUUID()}`;
        await expect(
          store.appendToStream(s, [newEvent()], { expectedRevision: 3n, idempotency: claim(key) }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.findIdempotencyRecord(key)).toBeNull();
        const retry = await store.appendToStream(s, [newEvent()], {
          expectedRevision: 'no_stream',
          idempotency: claim(key),
        });
        expect(retry.kind).toBe('appended');
      });
    });

    it('subscribes to all: catch-up, then live, resumable from a checkpoint without gaps', async () => {
      const s = stream('sub');
      await store.appendToStream(s, [newEvent('S1'), newEvent('S2')], {
        expectedRevision: 'no_stream',
      });
      const seen: RecordedEvent[] = [];
      const first = store.subscribeToAll({
        onEvent: (e) => void (e.streamName === s && seen.push(e)),
      });
      await until(() => seen.length === 2);
      await store.appendToStream(s, [newEvent('S3')], { expectedRevision: 1n });
      await until(() => seen.length === 3);
      await first.unsubscribe();
      await store.appendToStream(s, [newEvent('S4')], { expectedRevision: 2n });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen.map((e) => e.type)).toEqual(['S1', 'S2', 'S3']);

      const resumed: RecordedEvent[] = [];
      const second = store.subscribeToAll({
        after: seen.at(-1)?.position as LogPosition,
        onEvent: (e) => void (e.streamName === s && resumed.push(e)),
      });
      await until(() => resumed.length === 1);
      await store.appendToStream(s, [newEvent('S5')], { expectedRevision: 3n });
      await until(() => resumed.length === 2);
      await second.unsubscribe();
      expect(resumed.map((e) => e.type)).toEqual(['S4', 'S5']);
    });

    it('delivers to a subscriber one event at a time, in order', async () => {
      const s = stream('serial');
      let running = 0;
      let maxRunning = 0;
      const order: number[] = [];
      const sub = store.subscribeToAll({
        onEvent: async (e) => {
          if (e.streamName !== s) return;
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          order.push(Number(e.revision));
          running--;
        },
      });
      for (let i = 0; i < 10; i++) {
        await store.appendToStream(s, [newEvent()], {
          expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
        });
      }
      await until(() => order.length === 10);
      await sub.unsubscribe();
      expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(maxRunning).toBe(1);
    });
  });
};
