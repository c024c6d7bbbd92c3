/**
 * The event store port's contract, run against every adapter: SQLite always, EventStoreDB
 * when EVENTSTORE_URL is set. Stream names are unique per run and per test, and reads of the
 * global log start after a marker event of the test, so runs can share one server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  categoryOf,
  type EventBatch,
  type EventStore,
  EventStoreError,
  type IdempotencyClaim,
  type JsonObject,
  type LogPosition,
  type NewEvent,
  positionFromString,
  positionToString,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevisionError,
} from '../../src/ports/eventStore.js';

export interface StoreUnderTest {
  store: EventStore;
  cleanup(): Promise<void>;
}

export const newEvent = (type = 'Something', data: JsonObject = { n: 1 }): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { clientId: 'conformance' },
});

const collect = async (iterable: AsyncIterable<RecordedEvent>) => {
  const out: RecordedEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
};

export const until = async (condition: () => boolean, what: string, timeoutMs = 10_000) => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

export const runEventStoreConformance = (name: string, factory: () => Promise<StoreUnderTest>) => {
  describe(`event store conformance: ${name}`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;
    const run = randomUUID().slice(0, 8);
    const stream = (label: string) => `Conformance-${run}_${label}`;

    /** Appends a marker and returns its position: "everything after this is the test's". */
    const marker = async (label: string) => {
      const appended = await store.appendToStream(stream(`marker-${label}`), [newEvent('Marker')], {
        expectedRevision: 'no_stream',
      });
      if (appended.kind !== 'appended') throw new Error('marker not appended');
      return appended.position;
    };
    const mineOnly = (events: RecordedEvent[], ...streams: string[]) =>
      events.filter((event) => streams.includes(event.streamName));

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(() => cleanup?.());

    it('appends and reads a stream in revision order', async () => {
      const s = stream('roundtrip');
      const first = await store.appendToStream(s, [newEvent('A'), newEvent('B')], {
        expectedRevision: 'no_stream',
      });
      expect(first).toMatchObject({ kind: 'appended', nextExpectedRevision: 1n });
      const events = await store.readStream(s);
      expect(events.map((e) => [e.type, e.revision, e.streamName])).toEqual([
        ['A', 0n, s],
        ['B', 1n, s],
      ]);
      expect(events[1]?.position).toBe(first.kind === 'appended' ? first.position : null);
      expect(events[0]?.recordedAt).toBeInstanceOf(Date);
      expect(Math.abs((events[0]?.recordedAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      expect((await store.readStream(s, { fromRevision: 1n })).map((e) => e.type)).toEqual(['B']);
      expect((await store.readStream(s, { maxCount: 1 })).map((e) => e.type)).toEqual(['A']);
    });

    it('round-trips data and metadata: nested JSON, unicode, nulls', async () => {
      const s = stream('json');
      const data: JsonObject = {
        text: 'Größe 20×47 — “ok” 日本語 🚚',
        nested: { list: [1, '2', null, true, { deep: [[]] }], empty: {} },
        amount: '1234.56',
        zero: 0,
        negative: -1.5,
        none: null,
      };
      const metadata: JsonObject = { clientId: 'c-é', route: { target: 'legacy', rule: null } };
      const event = { ...newEvent('Json', data), metadata };
      await store.appendToStream(s, [event], { expectedRevision: 'no_stream' });
      const [read] = await store.readStream(s);
      expect(read).toMatchObject({ id: event.id, type: 'Json', data, metadata });
    });

    it('reads a missing stream as empty', async () => {
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('rejects an empty append', async () => {
      const error = await rejection(
        store.appendToStream(stream('empty'), [], { expectedRevision: 'any' }),
      );
      expect(error).toBeInstanceOf(EventStoreError);
    });

    it('enforces no_stream, stream_exists, exact and any, reporting the actual revision', async () => {
      const s = stream('revisions');
      const append = (expectedRevision: NewEventExpectation) =>
        store.appendToStream(s, [newEvent()], { expectedRevision });

      const onMissing = await rejection(append('stream_exists'));
      expect(onMissing).toBeInstanceOf(WrongExpectedRevisionError);
      expect(onMissing).toMatchObject({ streamName: s, actual: 'no_stream' });
      const exactOnMissing = await rejection(append(0n));
      expect(exactOnMissing).toMatchObject({ expected: 0n, actual: 'no_stream' });

      await append('no_stream');
      const again = await rejection(append('no_stream'));
      expect(again).toBeInstanceOf(WrongExpectedRevisionError);
      expect(again).toMatchObject({ expected: 'no_stream', actual: 0n });
      expect(await rejection(append(5n))).toMatchObject({ expected: 5n, actual: 0n });

      await append(0n);
      await append('stream_exists');
      await append('any');
      expect(await rejection(append(1n))).toMatchObject({ actual: 3n });
      expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      await append('any');
      expect(await store.readStream(s)).toHaveLength(5);
      const fresh = stream('revisions-any');
      await store.appendToStream(fresh, [newEvent()], { expectedRevision: 'any' });
      expect(await store.readStream(fresh)).toHaveLength(1);
    });

    it('appends several events atomically: all or none', async () => {
      const s = stream('atomic');
      await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
      await expect(
        store.appendToStream(s, [newEvent(), newEvent(), newEvent()], { expectedRevision: 7n }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(s)).toHaveLength(1);
      const three = await store.appendToStream(s, [newEvent(), newEvent(), newEvent()], {
        expectedRevision: 0n,
      });
      expect(three).toMatchObject({ kind: 'appended', nextExpectedRevision: 3n });
      expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
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
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect(r.reason).toMatchObject({ actual: 1n });
        }
      }
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('reads the whole log in order, strictly after a position, up to maxCount', async () => {
      const a = stream('all-a');
      const b = stream('all-b');
      const start = await marker('all');
      await store.appendToStream(a, [newEvent('A1')], { expectedRevision: 'no_stream' });
      await store.appendToStream(b, [newEvent('B1'), newEvent('B2')], {
        expectedRevision: 'no_stream',
      });
      await store.appendToStream(a, [newEvent('A2')], { expectedRevision: 0n });

      const after = mineOnly(await collect(store.readAll({ after: start })), a, b);
      expect(after.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
      const positions = after.map((e) => e.position);
      expect(new Set(positions).size).toBe(4);
      expect(positions).not.toContain(start);

      const [a1, b1] = after;
      const fromA1 = mineOnly(await collect(store.readAll({ after: a1?.position })), a, b);
      expect(fromA1.map((e) => e.type)).toEqual(['B1', 'B2', 'A2']);
      const two = await collect(store.readAll({ after: b1?.position, maxCount: 2 }));
      expect(two.map((e) => e.type)).toEqual(['B2', 'A2']);
      expect(await collect(store.readAll({ after: start, maxCount: 0 }))).toEqual([]);
    });

    describe('idempotency keys', () => {
      const claim = (key: string, fingerprint = 'f1'): IdempotencyClaim => ({ key, fingerprint });

      it('answers a second append with the key as a duplicate of the first, writing nothing', async () => {
        const s = stream('idem');
        const key = `k-${randomUUID()}`;
        const events = [newEvent(), newEvent()];
        const first = await store.appendToStream(s, events, {
          expectedRevision: 'no_stream',
          idempotency: claim(key),
        });
        expect(first).toMatchObject({ kind: 'appended', nextExpectedRevision: 1n });
        const expected = {
          key,
          fingerprint: 'f1',
          streamName: s,
          revision: 1n,
          eventIds: events.map((e) => e.id),
        };
        // Even with another body, another stream and an expectation that would fail.
        const second = await store.appendToStream(stream('idem-other'), [newEvent()], {
          expectedRevision: 9n,
          idempotency: claim(key, 'other'),
        });
        expect(second).toMatchObject({ kind: 'duplicate', record: expected });
        expect(await store.readStream(s)).toHaveLength(2);
        expect(await store.readStream(stream('idem-other'))).toEqual([]);

        const found = await store.findIdempotencyRecord(key);
        expect(found).toMatchObject(expected);
        expect(found?.recordedAt).toBeInstanceOf(Date);
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
        const written = await store.readStream(s);
        expect(written).toHaveLength(1);
        for (const result of results) {
          if (result.kind === 'duplicate') {
            expect(result.record).toMatchObject({ revision: 0n, eventIds: [written[0]?.id] });
          }
        }
      });

      it('does not consume a key when the append fails', async () => {
        const s = stream('idem-fail');
        const key = `k-${randomUUID()}`;
        await expect(
          store.appendToStream(s, [newEvent()], { expectedRevision: 3n, idempotency: claim(key) }),
        ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.findIdempotencyRecord(key)).toBeNull();
        expect(await store.readStream(s)).toEqual([]);
        const retry = await store.appendToStream(s, [newEvent()], {
          expectedRevision: 'no_stream',
          idempotency: claim(key),
        });
        expect(retry.kind).toBe('appended');
        expect(await store.findIdempotencyRecord(key)).toMatchObject({
          streamName: s,
          revision: 0n,
        });
      });
    });

    describe('positions and filtered reads', () => {
      it('orders positions: a later event has a greater position', async () => {
        const s = stream('order');
        const start = await marker('order');
        await store.appendToStream(s, [newEvent('A'), newEvent('B')], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(s, [newEvent('C')], { expectedRevision: 1n });
        const events = mineOnly(await collect(store.readAll({ after: start })), s);
        expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        const positions = events.map((e) => e.position);
        expect(typeof positions[0]).toBe('bigint');
        expect(positions[0] as bigint).toBeGreaterThan(start);
        expect(positions[1] as bigint).toBeGreaterThan(positions[0] as bigint);
        expect(positions[2] as bigint).toBeGreaterThan(positions[1] as bigint);
        const head = await store.headPosition();
        expect(head).not.toBeNull();
        expect(head as bigint).toBeGreaterThanOrEqual(positions[2] as bigint);
        // A position survives its string form (checkpoints and cursors store it as text).
        const text = positionToString(positions[1] as bigint);
        expect(positionFromString(text)).toBe(positions[1]);
        expect(() => positionFromString('12/34')).toThrow(EventStoreError);
      });

      it('reads the log filtered by stream category and by event type', async () => {
        const category = `Cat${run}`;
        const other = `Other${run}`;
        const start = await marker('filter');
        await store.appendToStream(`${category}-a`, [newEvent('Kept'), newEvent('Dropped')], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(`${other}-b`, [newEvent('Kept')], {
          expectedRevision: 'no_stream',
        });
        // Names that start like the category without being in it, and ones that are in it.
        for (const name of [`${category}x-c`, `${category}`, `${category}-a-b`, `${category}.d`]) {
          await store.appendToStream(name, [newEvent('Edge')], { expectedRevision: 'no_stream' });
        }
        const byCategory = await collect(
          store.readAll({ after: start, filter: { streamCategories: [category] } }),
        );
        expect(byCategory.map((e) => [e.streamName, e.type])).toEqual([
          [`${category}-a`, 'Kept'],
          [`${category}-a`, 'Dropped'],
          [`${category}`, 'Edge'],
          [`${category}-a-b`, 'Edge'],
        ]);
        const both = await collect(
          store.readAll({
            after: start,
            filter: { streamCategories: [category, other], eventTypes: ['Kept'] },
          }),
        );
        expect(both.map((e) => e.streamName)).toEqual([`${category}-a`, `${other}-b`]);
        expect(categoryOf(`${category}-a-b`)).toBe(category);
      });
    });

    describe('subscribeToAll', () => {
      /** Subscribes and flattens the batches into one list of the test's events. */
      const follow = (
        options: Partial<SubscribeOptions> & { after?: LogPosition | 'end' },
        keep: (e: RecordedEvent) => boolean,
      ) => {
        const seen: RecordedEvent[] = [];
        const batches: EventBatch[] = [];
        let caughtUp = 0;
        const subscription = store.subscribeToAll({
          ...options,
          onBatch: (batch) => {
            batches.push(batch);
            for (const e of batch.events) if (keep(e)) seen.push(e);
          },
          onCaughtUp: () => {
            caughtUp++;
          },
        });
        return { seen, batches, subscription, caughtUp: () => caughtUp };
      };

      it('catches up, goes live, stops on unsubscribe and resumes from a checkpoint', async () => {
        const s = stream('sub');
        const start = await marker('sub');
        await store.appendToStream(s, [newEvent('S1'), newEvent('S2')], {
          expectedRevision: 'no_stream',
        });
        const first = follow({ after: start }, (e) => e.streamName === s);
        await until(() => first.seen.length === 2, 'catch-up');
        await until(() => first.caughtUp() >= 1, 'caught-up signal');
        await store.appendToStream(s, [newEvent('S3')], { expectedRevision: 1n });
        await until(() => first.seen.length === 3, 'live event');
        await first.subscription.unsubscribe();
        await store.appendToStream(s, [newEvent('S4')], { expectedRevision: 2n });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(first.seen.map((e) => e.type)).toEqual(['S1', 'S2', 'S3']);

        const second = follow(
          { after: first.seen.at(-1)?.position as LogPosition },
          (e) => e.streamName === s,
        );
        await until(() => second.seen.length === 1, 'resumed catch-up');
        await store.appendToStream(s, [newEvent('S5')], { expectedRevision: 3n });
        await until(() => second.seen.length === 2, 'resumed live');
        await new Promise((resolve) => setTimeout(resolve, 100));
        await second.subscription.unsubscribe();
        expect(second.seen.map((e) => e.type)).toEqual(['S4', 'S5']);
      });

      it('hands batches over one at a time, in order, with no gap or repeat', async () => {
        const s = stream('serial');
        const start = await marker('serial');
        const history = Array.from({ length: 30 }, (_, i) => newEvent(`H${i}`));
        await store.appendToStream(s, history, { expectedRevision: 'no_stream' });
        let running = 0;
        let maxRunning = 0;
        const order: bigint[] = [];
        let lastBatchPosition = start;
        const sub = store.subscribeToAll({
          after: start,
          maxBatchSize: 7,
          onBatch: async (batch) => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            expect(batch.events.length).toBeLessThanOrEqual(7);
            expect(batch.position).toBeGreaterThan(lastBatchPosition);
            for (const e of batch.events) expect(e.position).toBeLessThanOrEqual(batch.position);
            lastBatchPosition = batch.position;
            await new Promise((resolve) => setTimeout(resolve, 1));
            for (const e of batch.events) if (e.streamName === s) order.push(e.revision);
            running--;
          },
        });
        // Live appends (and their notifications) land while the history is still delivered.
        for (let i = 0; i < 10; i++) {
          await store.appendToStream(s, [newEvent(`L${i}`)], { expectedRevision: BigInt(29 + i) });
        }
        await until(() => order.length >= 40, '40 events');
        await new Promise((resolve) => setTimeout(resolve, 100));
        await sub.unsubscribe();
        expect(order).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i)));
        expect(maxRunning).toBe(1);
      });

      it('delivers only what the filter selects, and moves its position past the rest', async () => {
        const category = `Sub${run}`;
        const start = await marker('sub-filter');
        const sub = follow(
          { after: start, filter: { streamCategories: [category], eventTypes: ['Wanted'] } },
          () => true,
        );
        await store.appendToStream(`${category}-x`, [newEvent('Wanted'), newEvent('Unwanted')], {
          expectedRevision: 'no_stream',
        });
        await store.appendToStream(stream('elsewhere'), [newEvent('Wanted')], {
          expectedRevision: 'no_stream',
        });
        const last = await store.appendToStream(`${category}-y`, [newEvent('Wanted')], {
          expectedRevision: 'no_stream',
        });
        if (last.kind !== 'appended') throw new Error('not appended');
        await until(() => sub.seen.length === 2, 'filtered events');
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sub.subscription.unsubscribe();
        expect(sub.seen.map((e) => [e.streamName, e.type])).toEqual([
          [`${category}-x`, 'Wanted'],
          [`${category}-y`, 'Wanted'],
        ]);
        expect(sub.batches.at(-1)?.position as bigint).toBeGreaterThanOrEqual(last.position);
      });

      it("subscribes from the log's end: only events appended afterwards", async () => {
        const s = stream('from-end');
        await store.appendToStream(s, [newEvent('Before')], { expectedRevision: 'no_stream' });
        const sub = follow({ after: 'end' }, (e) => e.streamName === s);
        await until(() => sub.caughtUp() >= 1, 'caught-up signal');
        await store.appendToStream(s, [newEvent('After')], { expectedRevision: 0n });
        await until(() => sub.seen.length === 1, 'live event');
        await sub.subscription.unsubscribe();
        expect(sub.seen.map((e) => e.type)).toEqual(['After']);
      });

      it('unsubscribe resolves only after the running handler settled', async () => {
        const s = stream('inflight');
        const start = await marker('inflight');
        let release = () => {};
        let entered = false;
        let finished = false;
        const sub = store.subscribeToAll({
          after: start,
          onBatch: async (batch) => {
            if (!batch.events.some((e) => e.streamName === s)) return;
            entered = true;
            await new Promise<void>((resolve) => {
              release = resolve;
            });
            finished = true;
          },
        });
        await store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        await until(() => entered, 'handler entered');
        let unsubscribed = false;
        const stopping = sub.unsubscribe().then(() => {
          unsubscribed = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(unsubscribed).toBe(false);
        release();
        await stopping;
        expect(finished).toBe(true);
      });

      it('stops and reports through onError when a handler rejects (retrying is the consumer’s job)', async () => {
        const s = stream('failing');
        const start = await marker('failing');
        const failure = new Error('handler failed');
        const errors: unknown[] = [];
        let calls = 0;
        const sub = store.subscribeToAll({
          after: start,
          filter: { streamCategories: [categoryOf(s)] },
          onBatch: (batch) => {
            if (!batch.events.some((e) => e.streamName === s)) return;
            calls++;
            throw failure;
          },
          onError: (error) => errors.push(error),
        });
        await store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        await until(() => errors.length === 1, 'onError');
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(errors).toEqual([failure]);
        expect(calls).toBe(1);
        await sub.unsubscribe();
      });
    });
  });
};

type NewEventExpectation = Parameters<EventStore['appendToStream']>[2]['expectedRevision'];
