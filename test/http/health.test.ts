/**
 * /health/ready as a load balancer sees it: not ready (503) while a read model the API
 * serves has no live generation, whether its projectors run in this process (first build
 * under way) or in `coexist projections run` (COEXIST_PROJECTORS=separate, maybe not started);
 * ready once every one is live, even lagging, with each one's position and lag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projections } from '../../projections/index.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import {
  getSqliteReadModelStore,
  openReadModelDatabase,
} from '../../src/adapters/readModels/sqlite.js';
import { buildApp } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { createConsumerDirectory } from '../../src/consumers/directory.js';
import type { EventStore } from '../../src/ports/eventStore.js';
import type { ReadModelStore } from '../../src/ports/readModelStore.js';
import { startGatewayReadSide, startReadSide } from '../../src/projection/readSide.js';
import { issueApiKey } from '../../src/registries/apiKeys.js';
import { startRegistries } from '../../src/registries/registries.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { example, newKey } from '../support/gateway.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups.length = 0;
});

interface ModelHealth {
  name: string;
  state: string;
  version: number | null;
  position: string | null;
  lag: string | null;
}

/** The serving process: the app over the log, reading the read models in `dataDir`. */
const startServing = async (
  readModels: ReadModelStore,
  observers: Parameters<ReturnType<typeof createConsumerDirectory>['add']>[0][],
  store: EventStore,
  dataDir: string,
) => {
  const registries = await startRegistries(store);
  const consumers = createConsumerDirectory(store);
  consumers.add(registries);
  for (const observer of observers) consumers.add(observer);
  const app = await buildApp({
    config: resolveConfig({ dataDir }),
    store,
    registry: registries.keys,
    router: ruleSetRouter(registries.rules, 'legacy'),
    rules: registries.rules,
    freezes: registries.freezes,
    readModels,
    consumers,
    logger: false,
  });
  cleanups.push(async () => {
    await app.close();
    await registries.stop();
  });
  const { key } = await issueApiKey(store, {
    clientId: 'srm',
    roles: ['writer'],
    scopes: {},
    issuedBy: 't',
  });
  await registries.sync();
  const submit = async (poNumber: string) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { authorization: `Bearer ${key}`, 'idempotency-key': newKey() },
      payload: { ...example('purchase-order-submit'), poNumber },
    });
    expect(response.statusCode, response.body).toBe(202);
  };
  const ready = async () => {
    const response = await app.inject({ url: '/health/ready' });
    return { status: response.statusCode, body: response.json() as { readModels: ModelHealth[] } };
  };
  /** Polls readiness until `check` holds (positions are read from checkpoints each second). */
  const readyWhen = async (check: (r: Awaited<ReturnType<typeof ready>>) => boolean) => {
    const deadline = Date.now() + 15_000;
    let last = await ready();
    while (!check(last)) {
      if (Date.now() > deadline) throw new Error(`readiness never held: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await ready();
    }
    return last;
  };
  return { app, submit, ready, readyWhen };
};

const openStore = () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'coexist-health-'));
  const store = getSqliteEventStore({ file: join(dataDir, 'events.sqlite'), pollIntervalMs: 10 });
  cleanups.push(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { dataDir, store };
};

const names = projections.map((p) => p.name).sort();
const allLive = (models: ModelHealth[]) => models.every((m) => m.state === 'live');

describe('/health/ready with COEXIST_PROJECTORS=separate', () => {
  it('is not ready until `projections run` has built every read model, then ready even lagging', async () => {
    const { dataDir, store } = openStore();
    // The serving process: no projector, the projectors' checkpoints observed.
    const serving = await startGatewayReadSide(store, { dataDir }, { projectorsHere: false });
    cleanups.push(() => serving.close());
    const gw = await startServing(serving.readModels, serving.observers, store, dataDir);
    await gw.submit('H-1');

    const before = await gw.ready();
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ code: 'not-ready', status: 503 });
    expect(JSON.stringify(before.body)).toMatch(/coexist projections run/);
    expect(before.body.readModels.map((m) => m.name).sort()).toEqual(names);
    expect(before.body.readModels.every((m) => m.state === 'none' && m.lag === null)).toBe(true);

    // `coexist projections run`, as another process would, on the same data folder.
    const runner = await startGatewayReadSide(store, { dataDir }, { projectorsHere: true });
    await runner.ready();
    const after = await gw.readyWhen(
      (r) => r.status === 200 && r.body.readModels.every((m) => m.lag === '0'),
    );
    expect(after.body).toMatchObject({ status: 'ready' });
    expect(allLive(after.body.readModels)).toBe(true);
    expect(after.body.readModels.find((m) => m.name === 'documents')).toMatchObject({
      version: expect.any(Number),
      position: expect.stringMatching(/^\d+$/),
    });

    // The runner stops; the log moves on: still ready, the lag says how far behind.
    await runner.close();
    await gw.submit('H-2');
    const lagging = await gw.readyWhen(
      (r) => Number(r.body.readModels.find((m) => m.name === 'documents')?.lag) > 0,
    );
    expect(lagging.status).toBe(200);
  }, 60_000);
});

describe('/health/ready with the projectors in this process', () => {
  it('is not ready while a first build is under way, ready once every read model is live', async () => {
    const { dataDir, store } = openStore();
    const readModels = getSqliteReadModelStore(
      openReadModelDatabase(join(dataDir, 'read-models.sqlite')),
    );
    cleanups.push(() => readModels.close());
    // Promotion (the end of a first build) waits until the test lets it happen.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held: ReadModelStore = {
      ...readModels,
      promote: async (storage) => {
        await gate;
        return readModels.promote(storage);
      },
    };
    const readSide = await startReadSide({
      events: store,
      readModels: held,
      consumerState: readModels.checkpoints as NonNullable<ReadModelStore['checkpoints']>,
      owner: 'test',
      leaseTtlMs: null,
      pollMs: 50,
    });
    cleanups.push(() => readSide.stop());
    const observers = readSide.projectors.map((p) => ({
      status: () => ({ ...p.status(), name: `projection:${p.model}` }),
    }));
    const gw = await startServing(readModels, observers, store, dataDir);
    await gw.submit('H-3');

    const building = await gw.ready();
    expect(building.status).toBe(503);
    expect(building.body.readModels.map((m) => m.state)).toEqual(names.map(() => 'building'));

    release();
    await readSide.ready();
    const ready = await gw.readyWhen((r) => r.status === 200);
    expect(allLive(ready.body.readModels)).toBe(true);
    expect(ready.body.readModels.find((m) => m.name === 'documents')?.position).toMatch(/^\d+$/);
  }, 60_000);
});
