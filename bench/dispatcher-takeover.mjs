/**
 * What delivery history costs a gateway process: the heap its delivery folds hold, and how long
 * the dispatcher takes to take its lease (start-up, fail-over), on a log holding
 * BENCH_DELIVERIES delivered deliveries (default 100,000) plus BENCH_OPEN deliveries still to
 * deliver (default 200: half dead-lettered, half pending for a target without a connector).
 *
 * The history is written as the dispatcher writes it (DeliveryRequested with its first
 * attempt in one durable append, then DeliverySucceeded), one delivery stream per purchase
 * order, straight to the embedded SQLite store: the same events a no-op connector would leave,
 * without waiting for a million durable appends one by one.
 *
 * Measured, each in turn in this process (run with --expose-gc so the heap figures are after
 * a full collection):
 *   takeover       start a dispatcher, until it holds its lease and has folded what it needs;
 *                  the heap it keeps.
 *   takeover again the same after a second dispatcher was stopped, and after one was killed
 *                  (not stopped: its snapshot is whatever it last wrote).
 *   admin list     GET /deliveries?state=dead-lettered (the admin route), first request and
 *                  the heap the route keeps.
 *   metrics        GET /metrics, first scrape and the heap the plugin keeps.
 * Results: bench/results/<time>-dispatcher-takeover.json.
 * Usage: npm run build && node --expose-gc bench/dispatcher-takeover.mjs
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../dist/src/adapters/consumerState/sqlite.js';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { startDispatcher } from '../dist/src/delivery/dispatcher.js';
import { metricsPlugin } from '../dist/src/delivery/metrics.js';
import { resolveDeliverySettings } from '../dist/src/delivery/settings.js';
import { loadContracts } from '../dist/src/http/contracts.js';
import { deliveryRoutes } from '../dist/src/http/routes/admin/deliveries.js';
import { machineInfo } from './lib/report.mjs';

if (typeof global.gc !== 'function') {
  console.error('Run with node --expose-gc (heap figures are taken after a full collection).');
  process.exit(2);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const total = Number(process.env.BENCH_DELIVERIES ?? 100_000);
const open = Number(process.env.BENCH_OPEN ?? 200);
const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-takeover-'));
const file = join(dir, 'events.sqlite');

const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const heap = () => {
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
};
const event = (type, data) => ({ id: randomUUID(), type, data, metadata: {} });

/** The dispatcher's DeliveryRequested payload (records.ts), field for field. */
const request = (i, target) => {
  const documentStream = `PurchaseOrder-ACME-US/H-${i}`;
  const commandEventId = randomUUID();
  return {
    deliveryId: `${target}.${commandEventId}`,
    target,
    role: 'primary',
    documentStream,
    documentType: 'purchaseOrder',
    documentKey: { company: 'ACME-US', poNumber: `H-${i}` },
    commandEventId,
    commandEventType: 'PurchaseOrderSubmitted',
    commandRevision: 1,
    commandPosition: String(2 * i + 2),
    action: 'submit',
    parents: [],
    correlationId: randomUUID(),
    commandId: randomUUID(),
    requestedAt: new Date(Date.now() - 3_600_000 + i).toISOString(),
  };
};

const seed = async () => {
  const store = getSqliteEventStore({ file });
  const write = async (i) => {
    const dead = i >= total && i < total + open / 2;
    const pending = i >= total + open / 2;
    const target = pending ? 'cloud' : 'legacy';
    const data = request(i, target);
    const at = new Date().toISOString();
    const started = { deliveryId: data.deliveryId, attempt: 1, startedAt: at };
    const events = [event('DeliveryRequested', data)];
    if (!pending) events.push(event('DeliveryAttemptStarted', started));
    if (dead) {
      const error = { kind: 'permanent', code: 'rejected', message: 'supplier unknown' };
      events.push(
        event('DeliveryDeadLettered', {
          ...started,
          finishedAt: at,
          durationMs: 3,
          reason: 'permanent',
          error,
          at,
        }),
      );
    } else if (!pending) {
      events.push(
        event('DeliverySucceeded', {
          ...started,
          finishedAt: at,
          durationMs: 3,
          reference: `P-${i}`,
          record: `r-${i}`,
          alreadyDelivered: false,
        }),
      );
    }
    const key = `delivery-request:${data.deliveryId}`;
    await store.appendToStream(`Delivery-${target}:${data.documentStream}`, events, {
      expectedRevision: 'no_stream',
      idempotency: { key, fingerprint: key },
    });
  };
  const all = total + open;
  for (let i = 0; i < all; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, all - i) }, (_, n) => write(i + n)));
    if ((i / 500) % 40 === 0) process.stdout.write(`\r  seeding ${i.toLocaleString()} / ${all}`);
  }
  process.stdout.write('\n');
  await store.close();
};

const noOp = {
  target: 'legacy',
  supports: () => true,
  deliver: async () => ({ ok: true, acknowledgement: { reference: 'P', record: 'r' } }),
  close: async () => {},
};

const settings = resolveDeliverySettings({});
const stateFile = join(dir, 'consumers.sqlite');
const stateDb = openConsumerDatabase(stateFile);
const state = getSqliteConsumerState(stateDb);

/** Starts a dispatcher; resolves once it leads (has folded what it schedules from). */
const takeover = async (store, owner) => {
  const before = heap();
  const started = performance.now();
  const dispatcher = startDispatcher({
    store,
    state,
    owner,
    leaseTtlMs: 10_000,
    connectors: [noOp],
    settings,
  });
  while (!dispatcher.status().leader) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - started;
  await dispatcher.idle();
  const kept = heap() - before;
  return { dispatcher, figures: { ms: Math.round(ms), heapMiB: mib(kept) } };
};

/** As the app does: shared schemas for $refs, responses serialised with JSON.stringify. */
const app = () => {
  const instance = Fastify();
  for (const schema of contracts.values()) instance.addSchema(schema);
  instance.setSerializerCompiler(() => (data) => JSON.stringify(data));
  return instance;
};
const contracts = loadContracts();

const timed = async (work) => {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
};

try {
  console.log(
    `Delivery history: ${total.toLocaleString()} delivered, ${open} still open (SQLite store)`,
  );
  await seed();
  const store = getSqliteEventStore({ file, pollIntervalMs: 20 });
  const results = {};

  const first = await takeover(store, 'a');
  results.takeover = first.figures;
  console.log(
    `  takeover (cold)         ${first.figures.ms} ms, heap ${first.figures.heapMiB} MiB`,
  );
  // A clean stop (lease released), then a new instance takes over.
  await first.dispatcher.stop();
  await state.releaseLease('dispatcher', 'a');
  const second = await takeover(store, 'b');
  results.takeoverAfterStop = second.figures;
  console.log(
    `  takeover after stop     ${second.figures.ms} ms, heap ${second.figures.heapMiB} MiB`,
  );
  // Killed: no stop, its lease simply expires (released here so the bench need not wait).
  await new Promise((r) => setTimeout(r, 6_000)); // past a periodic snapshot, if there is one
  await state.releaseLease('dispatcher', 'b');
  const third = await takeover(store, 'c');
  results.takeoverAfterKill = third.figures;
  console.log(
    `  takeover after kill     ${third.figures.ms} ms, heap ${third.figures.heapMiB} MiB`,
  );
  await third.dispatcher.stop();
  await second.dispatcher.stop();

  const admin = app();
  await admin.register(deliveryRoutes, { store });
  let before = heap();
  const list = await timed(() => admin.inject({ url: '/deliveries?state=dead-lettered' }));
  const listed = JSON.parse(list.value.body);
  results.adminList = { ms: list.ms, heapMiB: mib(heap() - before), total: listed.total };
  console.log(
    `  admin list (first)      ${list.ms} ms, heap ${results.adminList.heapMiB} MiB (${listed.total} dead letters)`,
  );
  const again = await timed(() => admin.inject({ url: '/deliveries?state=dead-lettered' }));
  results.adminList.againMs = again.ms;

  const metrics = app();
  await metrics.register(metricsPlugin, { store, scrapeToken: 'bench' });
  before = heap();
  const headers = { authorization: 'Bearer bench' };
  const scrape = await timed(() => metrics.inject({ url: '/metrics', headers }));
  results.metrics = { ms: scrape.ms, heapMiB: mib(heap() - before) };
  const delivered = /coexist_delivery_outcomes_total\{[^}]*outcome="delivered"\} (\d+)/.exec(
    scrape.value.body,
  )?.[1];
  results.metrics.deliveredCounted = Number(delivered ?? 0);
  console.log(
    `  metrics (first scrape)  ${scrape.ms} ms, heap ${results.metrics.heapMiB} MiB (delivered counted: ${delivered})`,
  );
  results.rssMiB = mib(process.memoryUsage().rss);
  await admin.close();
  await metrics.close();
  await store.close();
  stateDb.close();

  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${timestamp.replace(/:/g, '-')}-dispatcher-takeover.json`);
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: 'dispatcher-takeover', timestamp, machine: machineInfo(dir), config: { total, open }, results }, null, 2)}\n`,
  );
  console.log(`  rss ${results.rssMiB} MiB; results: ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
