/**
 * Projectors on the embedded stores: live projection, read-your-writes, a rebuild while the
 * gateway serves (queries answer from the old generation until the switch, and the rebuilt
 * model equals the live one), several models rebuilt in one pass of the log, and a new
 * version built beside the old.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { documents } from '../../projections/documents/documents.js';
import { eventIndex } from '../../projections/eventIndex/eventIndex.js';
import { generalLedger } from '../../projections/generalLedger/generalLedger.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import {
  getSqliteReadModelStore,
  openReadModelDatabase,
} from '../../src/adapters/readModels/sqlite.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import type { Projection } from '../../src/ports/readModelStore.js';
import {
  consumerNameOf,
  type ProjectorRuntime,
  startProjector,
} from '../../src/projection/projector.js';
import { startReadSide } from '../../src/projection/readSide.js';
import { rebuildReadModel, rebuildReadModels } from '../../src/projection/rebuild.js';
import { until } from '../eventStore/conformance.js';
import { tempSqliteFiles } from '../support/tempFiles.js';
import { appendOrders } from './fixtures.js';

const temp = tempSqliteFiles('coexist-projector-');

describe('projectors', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    temp.removeAll();
  });

  const setUp = () => {
    const file = temp.file();
    const events = getSqliteEventStore({ file, pollIntervalMs: 10 });
    const readModelFile = join(file, '..', 'read-models.sqlite');
    const open = (owner: string): ProjectorRuntime => {
      const readModels = getSqliteReadModelStore(openReadModelDatabase(readModelFile));
      cleanups.push(() => readModels.close());
      return {
        events,
        readModels,
        consumerState: inMemoryConsumerState(),
        owner,
        leaseTtlMs: 5_000,
        pollMs: 50,
        batchSize: 100,
      };
    };
    cleanups.push(() => events.close());
    return { events, open };
  };

  it('projects the log, then each new event, and promotes a first build only once caught up', async () => {
    const { events, open } = setUp();
    await appendOrders(events, 20);
    const runtime = open('gateway');
    const readSide = await startReadSide(runtime, [documents]);
    cleanups.push(() => readSide.stop());
    await readSide.ready();
    const page = await runtime.readModels.find('documents', {
      where: { company: 'ACME' },
      orderBy: { field: 'id', direction: 'asc' },
      limit: 100,
    });
    expect(page.items).toHaveLength(20);

    const appended = await events.appendToStream(
      'PurchaseOrder-ACME/PO-999999',
      (await import('./fixtures.js')).orderEvents('ACME', 'PO-999999'),
      { expectedRevision: 'no_stream' },
    );
    if (appended.kind !== 'appended') throw new Error('not appended');
    await readSide.projectors[0]?.waitFor(appended.position);
    expect(await runtime.readModels.get('documents', 'PurchaseOrder-ACME/PO-999999')).toMatchObject(
      {
        status: 'open',
        owner: 'legacy',
      },
    );
    await until(
      () => readSide.status()[0]?.caughtUp === true,
      'the projector reports it caught up',
    );
    expect(readSide.status()[0]).toMatchObject({ model: 'documents', phase: 'live' });
  });

  it('rebuilds beside the live generation: queries answer from it until the switch, and the result is identical', async () => {
    const { events, open } = setUp();
    await appendOrders(events, 1_500);
    const gateway = open('gateway');
    const index = eventIndex;
    const projector = await startProjector(index, gateway);
    cleanups.push(() => projector.stop());
    await projector.ready();
    const liveStorage = projector.status().storage;
    const liveHash = await gateway.readModels.contentHash(liveStorage);
    const lastId = (
      await gateway.readModels.find('eventIndex', {
        orderBy: { field: 'id', direction: 'desc' },
        limit: 1,
      })
    ).items[0]?.id as string;

    const cli = open('cli');
    const during: boolean[] = [];
    const result = await rebuildReadModel(index, cli, {
      intervalMs: 5,
      onProgress: (progress) => {
        if (progress.fraction >= 1) return;
        // A read while the new generation is half built: answered by the live one, complete.
        void gateway.readModels
          .get('eventIndex', lastId)
          .then((found) => during.push(found !== null));
      },
    });
    expect(during.length).toBeGreaterThan(0);
    expect(during.every(Boolean)).toBe(true);
    expect(result.storage).not.toBe(liveStorage);
    expect(result.handled).toBe(3_000);
    expect(await gateway.readModels.contentHash(result.storage)).toBe(liveHash);
    const states = Object.fromEntries(
      (await gateway.readModels.generations('eventIndex')).map((g) => [g.storage, g.state]),
    );
    expect(states).toEqual({ [liveStorage]: 'retired', [result.storage]: 'live' });

    // The gateway's projector follows the new generation and keeps it current.
    await until(
      () => projector.status().storage === result.storage,
      'projector follows the rebuild',
    );
    await appendOrders(events, 1, 5_000);
    const head = (await events.headPosition()) as bigint;
    await projector.waitFor(head);
    expect(await gateway.readModels.count(result.storage)).toBe(3_002);
  });

  it('rebuilds several models in one pass: each equals its live generation, reads answer from the old ones until the switch, and the gateway follows each', async () => {
    const { events, open } = setUp();
    await appendOrders(events, 1_500);
    const gateway = open('gateway');
    const readSide = await startReadSide(gateway, [documents, eventIndex]);
    cleanups.push(() => readSide.stop());
    await readSide.ready();
    const liveStorages = readSide.status().map((status) => status.storage);
    const liveHashes = await Promise.all(
      liveStorages.map((storage) => gateway.readModels.contentHash(storage)),
    );

    const logHead = await events.headPosition();
    const during: boolean[] = [];
    const results = await rebuildReadModels([documents, eventIndex, generalLedger], open('cli'), {
      intervalMs: 5,
      onProgress: (progress) => {
        if (progress.fraction >= 1) return;
        void gateway.readModels
          .get('documents', 'PurchaseOrder-ACME/PO-001499')
          .then((found) => during.push(found?.status === 'open'));
      },
    });
    expect(during.length).toBeGreaterThan(0);
    expect(during.every(Boolean)).toBe(true);
    // Each model got the events its filter selects: the ledger none (no journal entries).
    expect(results.map((r) => [r.model, r.handled])).toEqual([
      ['documents', 3_000],
      ['eventIndex', 3_000],
      ['generalLedger', 0],
    ]);
    for (const [n, result] of results.slice(0, 2).entries()) {
      expect(result.storage).not.toBe(liveStorages[n]);
      expect(await gateway.readModels.contentHash(result.storage)).toBe(liveHashes[n]);
    }
    for (const result of results) {
      const live = (await gateway.readModels.generations(result.model)).filter(
        (g) => g.state === 'live',
      );
      expect(live.map((g) => g.storage)).toEqual([result.storage]);
      // Every generation's checkpoint is where the pass stopped, not only the first's.
      expect(await gateway.readModels.checkpoints?.load(consumerNameOf(result.storage))).toBe(
        logHead,
      );
    }

    // The gateway's projectors move to the new generations and resume where the pass stopped.
    await until(
      () => readSide.status().every((status, n) => status.storage === results[n]?.storage),
      'projectors follow the rebuilt generations',
    );
    await appendOrders(events, 1, 5_000);
    const head = (await events.headPosition()) as bigint;
    for (const projector of readSide.projectors) await projector.waitFor(head);
    expect(await gateway.readModels.count(results[0]?.storage as string)).toBe(1_501);
    expect(await gateway.readModels.count(results[1]?.storage as string)).toBe(3_002);
  });

  it('builds a new version beside the old one, which keeps answering until the new one is ready', async () => {
    const { events, open } = setUp();
    await appendOrders(events, 300);
    const runtime = open('gateway');
    const v1: Projection = documents;
    const first = await startProjector(v1, runtime);
    await first.ready();
    await first.stop();

    // Version 2 marks its documents, so the test can tell which generation answered.
    const v2: Projection = {
      ...v1,
      version: v1.version + 1,
      evolve: (current, event, id) => {
        const next = v1.evolve(current, event, id);
        return next && { ...next, v: 2 };
      },
    };
    const second = await startProjector(v2, { ...runtime, batchSize: 10 });
    cleanups.push(() => second.stop());
    const before = await runtime.readModels.get('documents', 'PurchaseOrder-ACME/PO-000299');
    expect(before).toMatchObject({ status: 'open' });
    expect(before).not.toHaveProperty('v');
    await second.ready();
    expect(await runtime.readModels.get('documents', 'PurchaseOrder-ACME/PO-000299')).toMatchObject(
      { v: 2 },
    );
    expect(
      (await runtime.readModels.generations('documents')).map((g) => [g.version, g.state]),
    ).toEqual([
      [v1.version, 'retired'],
      [v2.version, 'live'],
    ]);
  });
});
