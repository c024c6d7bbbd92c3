/** The read-model conformance suite on SQLite, and what only SQLite promises. */
import { describe, expect, it } from 'vitest';
import {
  getSqliteReadModelStore,
  openReadModelDatabase,
} from '../../src/adapters/readModels/sqlite.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';
import { tempSqliteFiles } from '../support/tempFiles.js';
import { runReadModelConformance } from './conformance.js';

const temp = tempSqliteFiles('coexist-read-models-');

runReadModelConformance('SQLite', async () => {
  const store = getSqliteReadModelStore(openReadModelDatabase(temp.file()));
  return {
    store,
    cleanup: async () => {
      await store.close();
      temp.removeAll();
    },
  };
});

describe('SQLite read-model store', () => {
  const projection: Projection = {
    name: 'orders',
    version: 1,
    indexes: [{ field: 'company' }, { field: 'status', sort: true }],
    idsOf: (event) => [event.streamName],
    evolve: (_current, event, id) => ({ id, company: String(event.data.company), status: 'open' }),
  };
  const event = (stream: string, position: bigint): RecordedEvent => ({
    id: stream,
    type: 'Opened',
    streamName: stream,
    revision: 0n,
    position,
    data: { company: 'ACME' },
    metadata: {},
    recordedAt: new Date(),
  });

  it('commits a projector batch and its checkpoint in one transaction', async () => {
    const db = openReadModelDatabase(temp.file());
    const store = getSqliteReadModelStore(db);
    const generation = await store.createGeneration(projection);
    const handler = store.handler(generation.storage, projection);
    const failing = () => {
      handler.handle([event('a', 1n)] as RecordedEvent[]);
      throw new Error('crash after the writes, before the commit');
    };
    await expect(store.checkpoints?.commit('p', null, 1n, failing)).rejects.toThrow(/crash/);
    expect(await store.count(generation.storage)).toBe(0);
    expect(await store.checkpoints?.load('p')).toBeNull();
    await store.checkpoints?.commit('p', null, 1n, () => handler.handle([event('a', 1n)]));
    expect(await store.count(generation.storage)).toBe(1);
    await store.close();
  });

  it('answers a filtered, sorted list from the declared index, built when the generation is promoted', async () => {
    const db = openReadModelDatabase(temp.file());
    const store = getSqliteReadModelStore(db);
    const generation = await store.createGeneration(projection);
    const indexes = () =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
        .all(`rm_${generation.storage}`) as { name: string }[];
    expect(indexes().filter((index) => index.name.includes('__'))).toEqual([]);
    await store.promote(generation.storage);
    expect(indexes().filter((index) => index.name.includes('__'))).toHaveLength(2);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT doc FROM "rm_${generation.storage}" WHERE "f_company" = ? ORDER BY "f_status" DESC, id DESC LIMIT 51`,
      )
      .all('ACME') as { detail: string }[];
    // Read in order from the (company, status) index: no sort of every match.
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX \S+__company__status/);
    expect(plan.map((row) => row.detail).join('\n')).not.toMatch(/TEMP B-TREE/);
    await store.close();
  });
});
