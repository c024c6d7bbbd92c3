/**
 * The read-model store port's contract, run against every adapter: SQLite always, MongoDB
 * when MONGODB_URL is set. Model names are unique per test, so runs can share one server.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';
import {
  InvalidCursorError,
  type Projection,
  type ReadModelDocument,
  ReadModelNotReadyError,
  type ReadModelStore,
} from '../../src/ports/readModelStore.js';

let position = 0n;
const event = (type: string, data: JsonObject): RecordedEvent => {
  position++;
  return {
    id: `e${position}`,
    type,
    streamName: `Test-${String(data.group)}`,
    revision: 0n,
    position,
    data,
    metadata: {},
    recordedAt: new Date(),
  };
};
const add = (group: string, amount: number, tag = 'plain') =>
  event('Added', { group, amount, tag });
const remove = (group: string) => event('Removed', { group });

type Tally = ReadModelDocument & {
  group: string;
  total: number;
  count: number;
  tags: string[];
  big: boolean;
};

/** Totals per group: counts and sums, so an event applied twice shows. */
const tallies = (name: string, version = 1): Projection => ({
  name,
  version,
  indexes: [
    { field: 'group' },
    { field: 'total' },
    { field: 'big' },
    { field: 'tags', multi: true },
  ],
  idsOf: (e) => [String(e.data.group)],
  evolve: (current, e, id) => {
    if (e.type === 'Removed') return null;
    const tally = current as Tally | null;
    const amount = Number(e.data.amount);
    const total = (tally?.total ?? 0) + amount;
    const tags = [...new Set([...(tally?.tags ?? []), String(e.data.tag)])];
    return { id, group: id, total, count: (tally?.count ?? 0) + 1, tags, big: total >= 100 };
  },
});

const apply = async (
  store: ReadModelStore,
  storage: string,
  projection: Projection,
  events: RecordedEvent[],
) => {
  await store.handler(storage, projection).handle(events);
};

export const runReadModelConformance = (
  label: string,
  factory: () => Promise<{ store: ReadModelStore; cleanup(): Promise<void> | void }>,
) => {
  describe(`read-model store conformance: ${label}`, () => {
    let store: ReadModelStore;
    let cleanup: () => Promise<void> | void;
    const model = (name: string) => `${name}${randomBytes(4).toString('hex')}`;
    beforeAll(async () => {
      ({ store, cleanup } = await factory());
    });
    afterAll(() => cleanup?.());

    /** A live generation of a fresh model holding `events`. */
    const live = async (events: RecordedEvent[], name = model('m')) => {
      const projection = tallies(name);
      const generation = await store.createGeneration(projection);
      await apply(store, generation.storage, projection, events);
      await store.promote(generation.storage);
      return { projection, generation, name };
    };

    it('answers "not ready" until a generation is promoted, then reads from it', async () => {
      const name = model('ready');
      const projection = tallies(name);
      const generation = await store.createGeneration(projection);
      expect(generation).toMatchObject({ model: name, version: 1, state: 'building' });
      await apply(store, generation.storage, projection, [add('a', 5), add('a', 7), add('b', 1)]);
      await expect(store.get(name, 'a')).rejects.toBeInstanceOf(ReadModelNotReadyError);
      await store.promote(generation.storage);
      expect(await store.get(name, 'a')).toEqual({
        id: 'a',
        group: 'a',
        total: 12,
        count: 2,
        tags: ['plain'],
        big: false,
      });
      expect(await store.get(name, 'zzz')).toBeNull();
      expect((await store.generations(name)).map((g) => g.state)).toEqual(['live']);
    });

    it('deletes a document its projection evolves to null', async () => {
      const { name } = await live([add('a', 1), add('b', 2), remove('a')]);
      expect(await store.get(name, 'a')).toBeNull();
      expect(await store.get(name, 'b')).toMatchObject({ total: 2 });
    });

    it('finds by equality, lists, ranges, booleans and array membership', async () => {
      const { name } = await live([
        add('a', 10, 'red'),
        add('b', 150, 'blue'),
        add('c', 60, 'red'),
        add('c', 60, 'green'),
        add('d', 99),
      ]);
      const ids = async (where: Parameters<ReadModelStore['find']>[1]['where']) =>
        (
          await store.find(name, { where, orderBy: { field: 'id', direction: 'asc' }, limit: 100 })
        ).items.map((item) => item.id);
      expect(await ids({ group: 'b' })).toEqual(['b']);
      expect(await ids({ group: { in: ['a', 'd', 'x'] } })).toEqual(['a', 'd']);
      expect(await ids({ group: { in: [] } })).toEqual([]);
      expect(await ids({ total: { gte: 60, lt: 150 } })).toEqual(['c', 'd']);
      expect(await ids({ total: { gte: 100 } })).toEqual(['b', 'c']);
      expect(await ids({ big: true })).toEqual(['b', 'c']);
      expect(await ids({ big: false, tags: { contains: 'red' } })).toEqual(['a']);
      expect(await ids({ tags: { contains: 'red' } })).toEqual(['a', 'c']);
    });

    it('writes an append-only projection without reading, keeping what is stored', async () => {
      const name = model('log');
      const projection: Projection = {
        name,
        version: 1,
        appendOnly: true,
        indexes: [{ field: 'group' }],
        idsOf: (e) => [`entry-${e.position}`],
        evolve: (current, e, id) =>
          current ?? { id, group: String(e.data.group), amount: Number(e.data.amount) },
      };
      const generation = await store.createGeneration(projection);
      const batch = [add('a', 1), add('b', 2), add('a', 3)];
      await apply(store, generation.storage, projection, batch);
      await apply(store, generation.storage, projection, batch); // redelivered
      await store.promote(generation.storage);
      expect(await store.countMatching(name)).toBe(3);
      expect(await store.countMatching(name, { group: 'a' })).toBe(2);
      expect(await store.get(name, `entry-${batch[1]?.position}`)).toMatchObject({ amount: 2 });
    });

    it('counts the documents matching conditions, without listing them', async () => {
      const { name } = await live([
        add('a', 10, 'red'),
        add('b', 150, 'blue'),
        add('c', 60, 'red'),
        add('d', 99),
      ]);
      expect(await store.countMatching(name)).toBe(4);
      expect(await store.countMatching(name, { big: true })).toBe(1);
      expect(
        await store.countMatching(name, { total: { gte: 60 }, tags: { contains: 'red' } }),
      ).toBe(1);
      expect(await store.countMatching(name, { group: { in: ['a', 'b', 'x'] } })).toBe(2);
      await expect(store.countMatching(model('none'))).rejects.toBeInstanceOf(
        ReadModelNotReadyError,
      );
    });

    it('pages with cursors in both directions, each document once, ties broken by id', async () => {
      const events = Array.from({ length: 23 }, (_, i) =>
        add(`g${String(i).padStart(2, '0')}`, i % 5),
      );
      const { name } = await live(events);
      for (const direction of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await store.find(name, {
            orderBy: { field: 'total', direction },
            after,
            limit: 4,
          });
          seen.push(...page.items.map((item) => `${item.total}:${item.id}`));
          after = page.next ?? undefined;
          pages++;
        } while (after);
        expect(pages).toBe(6);
        expect(new Set(seen).size).toBe(23);
        const sorted = [...seen].sort((a, b) => {
          const [ta, ia] = a.split(':');
          const [tb, ib] = b.split(':');
          return Number(ta) - Number(tb) || (ia as string).localeCompare(ib as string);
        });
        expect(seen).toEqual(direction === 'asc' ? sorted : sorted.reverse());
      }
    });

    it('refuses a cursor it did not hand out', async () => {
      const { name } = await live([add('a', 1)]);
      for (const after of ['not-a-cursor', Buffer.from('{"x":1}').toString('base64url')]) {
        await expect(
          store.find(name, { orderBy: { field: 'id', direction: 'asc' }, after, limit: 10 }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });

    it('switches reads to a new generation atomically, and drops the old one', async () => {
      const { name, generation: first } = await live([add('a', 1)]);
      const next = tallies(name, 2);
      const second = await store.createGeneration(next);
      await apply(store, second.storage, next, [add('a', 1), add('a', 2)]);
      // Building beside the live one changes no read.
      expect(await store.get(name, 'a')).toMatchObject({ total: 1 });
      await store.promote(second.storage);
      expect(await store.get(name, 'a')).toMatchObject({ total: 3 });
      const states = Object.fromEntries(
        (await store.generations(name)).map((g) => [g.storage, g.state]),
      );
      expect(states).toEqual({ [first.storage]: 'retired', [second.storage]: 'live' });
      // A projector still running on the retired generation (another process) writes nothing.
      await apply(store, first.storage, tallies(name), [add('a', 100)]);
      expect(await store.get(name, 'a')).toMatchObject({ total: 3 });
      await expect(store.drop(second.storage)).rejects.toThrow(/live/);
    });

    it('drops an abandoned build, never the live generation', async () => {
      const { name, generation } = await live([add('a', 1)]);
      const abandoned = await store.createGeneration(tallies(name, 2));
      await store.drop(abandoned.storage);
      expect((await store.generations(name)).map((g) => g.storage)).toEqual([generation.storage]);
      await expect(store.drop(generation.storage)).rejects.toThrow(/live/);
    });

    it('hashes content: equal for equal documents whatever the batches, different otherwise', async () => {
      const events = [add('a', 1, 'x'), add('b', 2), add('a', 3, 'y'), remove('b'), add('c', 4)];
      const one = await live(events);
      const other = tallies(model('other'));
      const two = await store.createGeneration(other);
      for (const e of events) await apply(store, two.storage, other, [e]);
      expect(await store.contentHash(two.storage)).toBe(
        await store.contentHash(one.generation.storage),
      );
      expect(await store.count(two.storage)).toBe(2);
      await apply(store, two.storage, other, [add('c', 1)]);
      expect(await store.contentHash(two.storage)).not.toBe(
        await store.contentHash(one.generation.storage),
      );
    });

    it('changes nothing when an at-least-once store is handed a batch again', async () => {
      const projection = tallies(model('redelivery'));
      const generation = await store.createGeneration(projection);
      const handler = store.handler(generation.storage, projection);
      const batch = [add('a', 1), add('b', 2), add('a', 3)];
      await handler.handle(batch);
      const before = await store.contentHash(generation.storage);
      if (handler.mode === 'at-least-once') {
        await handler.handle(batch);
        await handler.handle(batch.slice(1));
        expect(await store.contentHash(generation.storage)).toBe(before);
      } else {
        // Transactional: exactly once comes from the checkpoint in the same database.
        expect(store.checkpoints?.transactional).toBe(true);
      }
    });
  });
};
