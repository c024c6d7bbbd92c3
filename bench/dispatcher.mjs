/**
 * Dispatcher overhead: how many deliveries a second the dispatcher (src/delivery/) completes
 * against a no-op connector on the embedded store, each with its records durable
 * (DeliveryRequested, DeliveryAttemptStarted before the connector is called, DeliverySucceeded
 * after), next to what the store itself allows for the same records, in the same run:
 *
 *   floor       the least any dispatcher must do with these guarantees, without one: read the
 *               document, then append the request (the dispatcher's full payload) with its
 *               first attempt in one durable append, and the outcome in a second. The store's
 *               ceiling for durable deliveries: a target above it cannot be met on this
 *               store, on this machine, at that moment.
 *   baseline    per document, read its stream and append the three events one at a time (the
 *               dispatcher's path for a delivery that has to wait for a place).
 *   dispatcher  the dispatcher from a cold start (consumer, lease off, fold, scheduling,
 *               breaker, per-document order): a request that can start at once is recorded
 *               with its first attempt (the floor's two appends); the others wait as requests.
 * All three with BENCH_CONCURRENCY (default 256) deliveries in flight.
 *
 * BENCH_DELIVERIES purchase orders (default 20,000), each run on a fresh copy of the seeded
 * log; BENCH_ROUNDS rounds (default 3), in turns; medians; ratios against the floor and the
 * baseline of the same round. BENCH_PROFILE=1 writes a V8 profile of each dispatcher run.
 * Results: bench/results/<time>-dispatcher.json. Target: ≥ 5,000 deliveries/s.
 * Usage: npm run build && node bench/dispatcher.mjs
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../dist/src/adapters/consumerState/sqlite.js';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { startDispatcher } from '../dist/src/delivery/dispatcher.js';
import { resolveDeliverySettings } from '../dist/src/delivery/settings.js';
import { DeliveryView } from '../dist/src/delivery/view.js';
import { machineInfo } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const total = Number(process.env.BENCH_DELIVERIES ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 256);
const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-dispatcher-'));
const seeded = join(dir, 'seeded.sqlite');
const target = 5_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const route = {
  owner: 'legacy',
  primary: 'legacy',
  basis: 'rule',
  ruleId: 'all',
  ruleSetVersion: 1,
  reason: 'bench',
};
const stream = (i) => `PurchaseOrder-ACME-US/B-${i}`;

const order = (i) => ({
  company: 'ACME-US',
  poNumber: `B-${i}`,
  supplier: 'SUP-10023',
  site: 'DAL1',
  orderDate: '2026-11-02',
  currency: 'USD',
  lines: [
    {
      lineNumber: 10,
      item: 'BRG-6204-2RS',
      quantity: { value: '500', uom: 'EA' },
      unitPrice: '1.84',
    },
    {
      lineNumber: 20,
      item: 'BRG-6305-ZZ',
      quantity: { value: '240', uom: 'EA' },
      unitPrice: '3.10',
    },
  ],
});

const seed = async () => {
  const store = getSqliteEventStore({ file: seeded });
  for (let i = 0; i < total; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, total - i) }, (_, n) => {
        const metadata = {
          route,
          clientId: 'bench',
          correlationId: randomUUID(),
          commandId: randomUUID(),
        };
        return store.appendToStream(
          stream(i + n),
          [
            { id: randomUUID(), type: 'DocumentOwnershipAssigned', data: { ...route }, metadata },
            { id: randomUUID(), type: 'PurchaseOrderSubmitted', data: order(i + n), metadata },
          ],
          { expectedRevision: 'no_stream' },
        );
      }),
    );
  }
  await store.close();
};

/** A fresh copy of the seeded log for one run. */
const copy = () => {
  const file = join(dir, `run-${randomUUID()}.sqlite`);
  copyFileSync(seeded, file);
  if (existsSync(`${seeded}-wal`)) copyFileSync(`${seeded}-wal`, `${file}-wal`);
  return file;
};
const remove = (file) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
};

/** BENCH_PROFILE=1: a V8 profile of the dispatcher run alone (bench/profile-summary.mjs reads it). */
const startProfile = async () => {
  if (!process.env.BENCH_PROFILE) return null;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      const dir = join(root, 'bench/results/profiles');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `dispatcher-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`  profile: ${file}`);
      session.disconnect();
    },
  };
};

const baseline = async () => {
  const file = copy();
  const store = getSqliteEventStore({ file });
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const events = await store.readStream(stream(i));
      const name = `Delivery-legacy:${stream(i)}`;
      const deliveryId = `legacy.${events[1].id}`;
      const append = (type, data, expectedRevision, idempotency) =>
        store.appendToStream(name, [{ id: randomUUID(), type, data, metadata: {} }], {
          expectedRevision,
          ...(idempotency ? { idempotency } : {}),
        });
      const key = `delivery-request:${deliveryId}`;
      await append('DeliveryRequested', { deliveryId, documentStream: stream(i) }, 'no_stream', {
        key,
        fingerprint: key,
      });
      await append(
        'DeliveryAttemptStarted',
        { deliveryId, attempt: 1, startedAt: new Date().toISOString() },
        0n,
      );
      await append('DeliverySucceeded', { deliveryId, attempt: 1, reference: `P-${i}` }, 1n);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  remove(file);
  return total / seconds;
};

const floor = async () => {
  const file = copy();
  const store = getSqliteEventStore({ file });
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const name = `Delivery-legacy:${stream(i)}`;
      const [, command] = await store.readStream(stream(i));
      const deliveryId = `legacy.${command.id}`;
      const event = (type, data) => ({ id: randomUUID(), type, data, metadata: {} });
      const key = `delivery-request:${deliveryId}`;
      // What the dispatcher's DeliveryRequested carries (records.ts), field for field.
      const request = {
        deliveryId,
        target: 'legacy',
        role: 'primary',
        documentStream: stream(i),
        documentType: 'purchaseOrder',
        documentKey: { company: 'ACME-US', poNumber: `B-${i}` },
        commandEventId: command.id,
        commandEventType: command.type,
        commandRevision: Number(command.revision),
        commandPosition: command.position.toString(),
        action: 'submit',
        parents: [],
        correlationId: command.metadata.correlationId,
        commandId: command.metadata.commandId,
        requestedAt: new Date().toISOString(),
      };
      await store.appendToStream(
        name,
        [
          event('DeliveryRequested', request),
          event('DeliveryAttemptStarted', {
            deliveryId,
            attempt: 1,
            startedAt: new Date().toISOString(),
          }),
        ],
        { expectedRevision: 'no_stream', idempotency: { key, fingerprint: key } },
      );
      await store.appendToStream(
        name,
        [event('DeliverySucceeded', { deliveryId, attempt: 1, reference: `P-${i}` })],
        { expectedRevision: 1n },
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  remove(file);
  return total / seconds;
};

const dispatcher = async () => {
  const file = copy();
  const stateFile = join(dir, `consumers-${randomUUID()}.sqlite`);
  const store = getSqliteEventStore({ file, pollIntervalMs: 20 });
  const state = getSqliteConsumerState(openConsumerDatabase(stateFile));
  let calls = 0;
  const connector = {
    target: 'legacy',
    supports: () => true,
    deliver: async (delivery) => {
      calls++;
      return {
        ok: true,
        acknowledgement: {
          reference: `P-${delivery.key.poNumber}`,
          record: 'r',
          alreadyDelivered: false,
        },
      };
    },
    close: async () => {},
  };
  const profiler = await startProfile();
  const started = performance.now();
  const running = startDispatcher({
    store,
    state,
    owner: 'bench',
    leaseTtlMs: null,
    connectors: [connector],
    settings: resolveDeliverySettings({ targets: { legacy: { concurrency } } }),
  });
  while (calls < total) await new Promise((r) => setTimeout(r, 5));
  await running.idle();
  const seconds = (performance.now() - started) / 1000;
  await profiler?.stop();
  await running.stop();
  // The dispatcher keeps only what is not delivered: count the delivered from the log.
  const history = new DeliveryView();
  await history.refresh(store);
  const delivered = history.list({ state: 'delivered' }).length;
  await store.close();
  state.close();
  remove(file);
  remove(stateFile);
  if (delivered !== total || calls !== total) {
    throw new Error(`dispatcher delivered ${delivered} with ${calls} calls, not ${total}`);
  }
  return total / seconds;
};

const cases = Object.fromEntries(
  Object.entries({ floor, baseline, dispatcher }).filter(
    ([name]) => !process.env.BENCH_CASES || process.env.BENCH_CASES.split(',').includes(name),
  ),
);

try {
  console.log(`Dispatcher over ${total.toLocaleString()} deliveries, ${rounds} rounds`);
  await seed();
  const perRound = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const ratio = (name, of) =>
    perRound[of]?.length ? median(perRound[name].map((r, i) => r / perRound[of][i])) : null;
  for (let round = 1; round <= rounds; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const rate = await run();
      perRound[name].push(rate);
      console.log(
        `  round ${round}: ${name.padEnd(11)} ${Math.round(rate).toLocaleString().padStart(8)} deliveries/s`,
      );
    }
  }
  const results = Object.fromEntries(
    Object.entries(perRound).map(([name, rates]) => [
      name,
      {
        deliveriesPerSecond: Math.round(median(rates)),
        rounds: rates.map(Math.round),
        ofFloor: ratio(name, 'floor'),
        ofBaseline: ratio(name, 'baseline'),
      },
    ]),
  );
  const pct = (r) => (r === null ? 'n/a' : `${(r * 100).toFixed(0)} %`);
  const pass = results.dispatcher ? results.dispatcher.deliveriesPerSecond >= target : null;
  if (results.dispatcher) {
    console.log(
      `\n  dispatcher ${results.dispatcher.deliveriesPerSecond.toLocaleString()} deliveries/s: ${pct(results.dispatcher.ofFloor)} of the floor, ${pct(results.dispatcher.ofBaseline)} of the baseline; target ≥ ${target.toLocaleString()}: ${pass ? 'met' : 'NOT met'}${results.floor && results.floor.deliveriesPerSecond < target ? ` (the floor itself is ${results.floor.deliveriesPerSecond.toLocaleString()}/s here)` : ''}`,
    );
  }
  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${timestamp.replace(/:/g, '-')}-dispatcher.json`);
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: 'dispatcher', timestamp, machine: machineInfo(dir), config: { total, rounds, concurrency }, results, target: { deliveriesPerSecond: target, pass } }, null, 2)}\n`,
  );
  console.log(`  results: ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
