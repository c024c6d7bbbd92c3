/**
 * The read-model conformance suite on MongoDB, the projectors' shared checkpoints held to the
 * consumer-state contract, and projectors on two instances sharing one database: runs only
 * when MONGODB_URL is set (e.g. `docker compose up -d mongodb` then
 * MONGODB_URL=mongodb://localhost:27017/coexist-test).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { documents } from '../../projections/documents/documents.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { getMongoReadModelStore } from '../../src/adapters/readModels/mongo.js';
import type { ConsumerStateStore } from '../../src/ports/consumerState.js';
import type { EventStore } from '../../src/ports/eventStore.js';
import { startReadSide } from '../../src/projection/readSide.js';
import { runConsumerStateConformance } from '../consumers/consumerStateConformance.js';
import { tempSqliteFiles } from '../support/tempFiles.js';
import { runReadModelConformance } from './conformance.js';

const url = process.env.MONGODB_URL;

/** The server of MONGODB_URL, with a database of its own. */
const freshDatabase = (label: string) => {
  const fresh = new URL(url as string);
  fresh.pathname = `/${label}-${randomBytes(4).toString('hex')}`;
  return fresh.toString();
};

describe.skipIf(!url)('MongoDB (runs only when MONGODB_URL is set)', () => {
  runReadModelConformance('MongoDB', async () => {
    const store = await getMongoReadModelStore(url as string);
    return { store, cleanup: () => store.close() };
  });

  runConsumerStateConformance('MongoDB projector checkpoints', async () => {
    const store = await getMongoReadModelStore(url as string);
    return { state: store.checkpoints as ConsumerStateStore, cleanup: () => store.close() };
  });

  describe('projectors on two gateway instances sharing one database', () => {
    const temp = tempSqliteFiles('coexist-mongo-instances-');
    const databaseUrl = url ? freshDatabase('coexist-instances') : '';
    let events: EventStore;
    afterAll(async () => {
      const store = await getMongoReadModelStore(databaseUrl);
      await store.db.dropDatabase();
      await store.close();
      await events?.close();
      temp.removeAll();
    });

    const order = (n: number) =>
      events.appendToStream(
        `PurchaseOrder-ACME-US/M-${n}`,
        [
          {
            id: randomUUID(),
            type: 'PurchaseOrderSubmitted',
            data: { company: 'ACME-US', poNumber: `M-${n}`, supplier: 'SUP-1', lines: [] },
            metadata: {},
          },
        ],
        { expectedRevision: 'no_stream' },
      );

    it('projects on one instance only; the other takes over from its checkpoint when it stops', async () => {
      events = getSqliteEventStore({ file: temp.file(), pollIntervalMs: 10 });
      for (let n = 0; n < 50; n++) await order(n);
      const instance = async (owner: string) => {
        const readModels = await getMongoReadModelStore(databaseUrl);
        const readSide = await startReadSide(
          {
            events,
            readModels,
            consumerState: readModels.checkpoints as ConsumerStateStore,
            owner,
            leaseTtlMs: 600,
            pollMs: 100,
          },
          [documents],
        );
        return { readModels, readSide, projector: () => readSide.status()[0] };
      };
      const a = await instance('instance-a');
      await a.readSide.ready();
      const b = await instance('instance-b');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(a.projector()?.handled).toBe(50);
      expect(b.projector()).toMatchObject({ phase: 'standby', handled: 0 });

      await a.readSide.stop();
      await a.readModels.close();
      for (let n = 50; n < 60; n++) await order(n);
      const deadline = Date.now() + 10_000;
      while (!(await b.readModels.get('documents', 'PurchaseOrder-ACME-US/M-59'))) {
        if (Date.now() > deadline) throw new Error('instance b never took over');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // b resumed from a's checkpoint: only the events a had not projected.
      expect(b.projector()?.handled).toBe(10);
      expect(await b.readModels.countMatching('documents')).toBe(60);
      await b.readSide.stop();
      await b.readModels.close();
    }, 30_000);
  });
});
