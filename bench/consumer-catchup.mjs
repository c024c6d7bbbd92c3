/**
 * Consumer catch-up: how fast a consumer (src/consumers/consumer.ts) reads up a log of
 * BENCH_EVENTS events (default 1,000,000) on the embedded store, checkpointing every batch.
 *
 *   baseline      the same windows read straight from the SQLite adapter's subscription,
 *                 with no consumer, no checkpoint: the ceiling of any consumer on this store
 *   no-op         a consumer whose handler does nothing; checkpoint committed per batch
 *   row-per-event a transactional consumer inserting one row per event into the consumer
 *                 database, in the checkpoint's transaction (what a projector does)
 *
 * Each case runs BENCH_ROUNDS times (default 3), in turns; figures are medians, ratios are
 * against the baseline of the same run. Results: bench/results/<time>-consumer-catchup.json.
 * Usage: npm run build && node bench/consumer-catchup.mjs
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../dist/src/adapters/consumerState/sqlite.js';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { startConsumer } from '../dist/src/consumers/consumer.js';
import { machineInfo } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const total = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const batchSize = 500;
const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-catchup-'));
const eventsFile = join(dir, 'events.sqlite');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** An order line's worth of data and the gateway's usual metadata: ~700 bytes an event. */
const seed = async () => {
  const store = getSqliteEventStore({ file: eventsFile });
  const started = performance.now();
  const perAppend = 1_000;
  for (let i = 0; i < total; i += perAppend) {
    const count = Math.min(perAppend, total - i);
    await store.appendToStream(
      `PurchaseOrder-ACME-US/${i}`,
      Array.from({ length: count }, (_, n) => ({
        id: randomUUID(),
        type: 'PurchaseOrderChanged',
        data: {
          company: 'ACME-US',
          poNumber: String(i),
          lines: [{ action: 'update', lineNumber: n, quantity: { value: '500', uom: 'EA' } }],
        },
        metadata: {
          clientId: 'portal',
          contractVersion: 'v1',
          command: 'ChangePurchaseOrder',
          commandId: randomUUID(),
          correlationId: randomUUID(),
          receivedAt: new Date().toISOString(),
          route: { owner: 'legacy', primary: 'legacy', ruleId: 'all-legacy', ruleSetVersion: 1 },
        },
      })),
      { expectedRevision: 'no_stream' },
    );
    if ((i / perAppend) % 100 === 0)
      process.stdout.write(`\r  seeding ${i.toLocaleString()} / ${total.toLocaleString()}`);
  }
  await store.close();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `\r  seeded ${total.toLocaleString()} events in ${seconds.toFixed(1)} s (${(statSync(eventsFile).size / 2 ** 20).toFixed(0)} MiB)\n`,
  );
};

/** Reads the whole log through the adapter's subscription with no consumer: the ceiling. */
const baseline = async () => {
  const store = getSqliteEventStore({ file: eventsFile });
  let seen = 0;
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const subscription = store.subscribeToAll({
      maxBatchSize: batchSize,
      onBatch: (batch) => {
        seen += batch.events.length;
      },
      onCaughtUp: () => subscription.unsubscribe().then(resolve, reject),
      onError: reject,
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  if (seen !== total) throw new Error(`baseline saw ${seen} events, not ${total}`);
  return total / seconds;
};

const consumerRun = async (label, makeHandler) => {
  const stateFile = join(dir, `consumers-${label}-${randomUUID()}.sqlite`);
  const store = getSqliteEventStore({ file: eventsFile });
  const state = getSqliteConsumerState(openConsumerDatabase(stateFile));
  const handler = makeHandler(state.db);
  const started = performance.now();
  const consumer = startConsumer(
    { name: label, batchSize, handler },
    { store, state, owner: 'bench', leaseTtlMs: null },
  );
  await consumer.caughtUp();
  const seconds = (performance.now() - started) / 1000;
  const { handled } = consumer.status();
  await consumer.stop();
  await store.close();
  state.close();
  rmSync(stateFile, { force: true });
  rmSync(`${stateFile}-wal`, { force: true });
  rmSync(`${stateFile}-shm`, { force: true });
  if (handled !== total) throw new Error(`${label} handled ${handled} events, not ${total}`);
  return total / seconds;
};

const cases = {
  baseline,
  'no-op': () => consumerRun('noop', () => ({ mode: 'at-least-once', handle: () => {} })),
  'row-per-event': () =>
    consumerRun('rows', (db) => {
      db.exec('CREATE TABLE handled (position INTEGER PRIMARY KEY, stream TEXT, type TEXT)');
      const insert = db.prepare('INSERT INTO handled (position, stream, type) VALUES (?, ?, ?)');
      return {
        mode: 'transactional',
        handle: (events) => {
          for (const event of events) insert.run(event.position, event.streamName, event.type);
        },
      };
    }),
};

try {
  console.log(`Consumer catch-up over ${total.toLocaleString()} events, ${rounds} rounds`);
  await seed();
  const perRound = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const rate = await run();
      perRound[name].push(rate);
      console.log(
        `  round ${round}: ${name.padEnd(14)} ${Math.round(rate).toLocaleString().padStart(9)} events/s`,
      );
    }
  }
  const results = Object.fromEntries(
    Object.entries(perRound).map(([name, rates]) => [
      name,
      {
        eventsPerSecond: Math.round(median(rates)),
        rounds: rates.map(Math.round),
        ofBaseline: name === 'baseline' ? 1 : median(rates.map((r, i) => r / perRound.baseline[i])),
      },
    ]),
  );
  const target = 100_000;
  console.log('\n  case             events/s   of baseline');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(14)} ${r.eventsPerSecond.toLocaleString().padStart(10)}   ${(r.ofBaseline * 100).toFixed(0).padStart(5)} %`,
    );
  }
  const pass = results['no-op'].eventsPerSecond >= target;
  console.log(
    `\n  no-op consumer target ≥ ${target.toLocaleString()} events/s: ${pass ? 'met' : 'NOT met'}`,
  );
  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${timestamp.replace(/:/g, '-')}-consumer-catchup.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: 'consumer-catchup', timestamp, machine: machineInfo(dir), config: { total, rounds, batchSize }, results, target: { noopEventsPerSecond: target, pass } }, null, 2)}\n`,
  );
  console.log(`  results: ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
