/**
 * The read side on the embedded stores, with BENCH_ORDERS purchase orders (default 100,000)
 * and the journal entries and deliveries lib/orderLog.mjs records beside them:
 *
 *   read-all        the log read from start to end through the port: the ceiling of any
 *                   projector on this store (the baseline; ratios are against it)
 *   rebuild         `rebuildReadModel` of each read model from zero, in log events per second
 *                   of wall clock and per CPU second (the machine is shared: CPU time is what
 *                   the work itself costs), each against a read-all measured just before it
 *   SQLite floor    per model, the rows its rebuild writes, serialised, written and indexed
 *                   by bare better-sqlite3 (lib/sqliteFloor.mjs): a rebuild cannot beat
 *                   read-all plus this; `ofFloor` = (read-all + floor) ÷ rebuild, by CPU time;
 *                   the rest is parsing the events' data, folding them, and the projector
 *   rebuild all     `rebuildReadModels` of every model in one pass of the log, the same way,
 *                   against the sum of the separate rebuilds' times
 *   lag             a live projector while orders are appended in groups of 50: the time from
 *                   an append's acknowledgement until the read model reflects it (p50, p99)
 *   status query    a purchase order's summary by key (p50, p99)
 *   list query      a filtered, sorted page of 50 (company + status, supplier, exception) (p50, p99)
 *   rebuild = live  each live generation's content hash against a rebuild from zero (all
 *                   models in one pass)
 *
 * Results: bench/results/<time>-projections.json. Usage: npm run build && node bench/projections.mjs
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projections } from '../dist/projections/index.js';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import {
  getSqliteReadModelStore,
  openReadModelDatabase,
} from '../dist/src/adapters/readModels/sqlite.js';
import { inMemoryConsumerState } from '../dist/src/ports/consumerState.js';
import { matchesFilter } from '../dist/src/ports/eventStore.js';
import { indexColumns, sortablePosition } from '../dist/src/ports/readModelStore.js';
import { startProjector } from '../dist/src/projection/projector.js';
import { rebuildReadModel, rebuildReadModels } from '../dist/src/projection/rebuild.js';
import { companies, orderEvents, pick, poNumber, sites, suppliers } from './lib/orderLog.mjs';
import { machineInfo } from './lib/report.mjs';
import { sqliteFloor } from './lib/sqliteFloor.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const orders = Number(process.env.BENCH_ORDERS ?? 100_000);
const queries = Number(process.env.BENCH_QUERIES ?? 2_000);
const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-projections-'));
const events = getSqliteEventStore({ file: join(dir, 'events.sqlite'), pollIntervalMs: 5 });
const readModels = getSqliteReadModelStore(openReadModelDatabase(join(dir, 'read-models.sqlite')));
const runtime = {
  events,
  readModels,
  consumerState: inMemoryConsumerState(),
  owner: 'bench',
  leaseTtlMs: null,
  batchSize: 1_000,
};

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const summary = (values) => ({
  p50Ms: Number(percentile(values, 50).toFixed(3)),
  p99Ms: Number(percentile(values, 99).toFixed(3)),
  samples: values.length,
});

const seed = async (from, count) => {
  for (let i = from; i < from + count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, from + count - i) }, (_, n) =>
        Promise.all(
          orderEvents(i + n).map(({ stream, events: batch }) =>
            events.appendToStream(stream, batch, { expectedRevision: 'no_stream' }),
          ),
        ),
      ),
    );
  }
};

/** CPU seconds of this process (every thread) since `from`. */
const cpuSince = (from) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

const readAllRate = async () => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let count = 0;
  for await (const _event of events.readAll()) count++;
  return {
    events: count,
    eventsPerSecond: Math.round(count / ((performance.now() - started) / 1000)),
    // The machine is shared: CPU time is what the work costs, whatever else runs.
    eventsPerCpuSecond: Math.round(count / cpuSince(cpu)),
  };
};

const main = async () => {
  console.log(`Seeding ${orders.toLocaleString('en-US')} purchase orders…`);
  await seed(0, orders);
  const head = await events.headPosition();
  const baseline = await readAllRate();
  console.log(
    `  read-all: ${baseline.eventsPerSecond.toLocaleString('en-US')} events/s, ${baseline.eventsPerCpuSecond.toLocaleString('en-US')} events/CPU-s (${baseline.events} events)`,
  );

  const rebuilds = {};
  const separateHashes = new Map();
  for (const projection of projections) {
    // Read-all again just before: this VM's speed drifts by a third within minutes, and a
    // ratio to a read-all measured seconds earlier is steadier than one to the first.
    const readAll = await readAllRate();
    const cpu = process.cpuUsage();
    const result = await rebuildReadModel(projection, runtime);
    const cpuSeconds = cpuSince(cpu);
    separateHashes.set(projection.name, await readModels.contentHash(result.storage));
    // Rates over the whole log (a filtered model skips events, but the log is read past them),
    // by wall clock and by CPU time; `handled` is what reached the projection.
    const eventsPerSecond = Math.round(baseline.events / result.seconds);
    const eventsPerCpuSecond = Math.round(baseline.events / cpuSeconds);
    rebuilds[projection.name] = {
      handled: result.handled,
      seconds: Number(result.seconds.toFixed(2)),
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
      eventsPerSecond,
      eventsPerCpuSecond,
      readAllJustBefore: readAll,
      ratioToReadAll: Number((eventsPerSecond / readAll.eventsPerSecond).toFixed(3)),
      cpuRatioToReadAll: Number((eventsPerCpuSecond / readAll.eventsPerCpuSecond).toFixed(3)),
    };
    console.log(
      `  rebuild ${projection.name}: ${eventsPerSecond.toLocaleString('en-US')} events/s (${rebuilds[projection.name].ratioToReadAll} × read-all just before: ${readAll.eventsPerSecond.toLocaleString('en-US')}), ${eventsPerCpuSecond.toLocaleString('en-US')} events/CPU-s (${rebuilds[projection.name].cpuRatioToReadAll} × read-all); ${result.handled.toLocaleString('en-US')} handled`,
    );
  }

  // Every model in one pass of the log: each event read and decoded once for all of them.
  const separateSeconds = Object.values(rebuilds).reduce((sum, r) => sum + r.seconds, 0);
  const separateCpuSeconds = Object.values(rebuilds).reduce((sum, r) => sum + r.cpuSeconds, 0);
  const allCpu = process.cpuUsage();
  const all = await rebuildReadModels(projections, runtime);
  const allCpuSeconds = cpuSince(allCpu);
  const first = all[0];
  // The pass builds what the separate rebuilds built from the same log.
  for (const rebuilt of all) {
    if ((await readModels.contentHash(rebuilt.storage)) !== separateHashes.get(rebuilt.model)) {
      throw new Error(`${rebuilt.model}: one pass ≠ its own rebuild`);
    }
  }
  const rebuildAll = {
    models: projections.length,
    seconds: Number(first.seconds.toFixed(2)),
    cpuSeconds: Number(allCpuSeconds.toFixed(2)),
    eventsPerSecond: Math.round(baseline.events / first.seconds),
    eventsPerCpuSecond: Math.round(baseline.events / allCpuSeconds),
    separateSeconds: Number(separateSeconds.toFixed(2)),
    separateCpuSeconds: Number(separateCpuSeconds.toFixed(2)),
    equalToSeparate: true,
  };
  console.log(
    `  rebuild all ${projections.length} in one pass: ${rebuildAll.eventsPerSecond.toLocaleString('en-US')} events/s, ${rebuildAll.eventsPerCpuSecond.toLocaleString('en-US')} events/CPU-s; ${rebuildAll.seconds} s (${rebuildAll.cpuSeconds} CPU-s) against ${rebuildAll.separateSeconds} s (${rebuildAll.separateCpuSeconds} CPU-s) one model at a time`,
  );

  const ids = Array.from({ length: queries }, (_, q) => {
    const i = (q * 7919) % orders;
    return `PurchaseOrder-${pick(companies, i)}/${poNumber(i)}`;
  });
  const statusTimes = [];
  for (const id of ids) {
    const started = performance.now();
    const found = await readModels.get('documents', id);
    statusTimes.push(performance.now() - started);
    if (!found) throw new Error(`missing ${id}`);
  }
  const listShapes = [
    (q) => ({ documentType: 'purchaseOrder', company: pick(companies, q), status: 'open' }),
    (q) => ({ documentType: 'purchaseOrder', supplier: pick(suppliers, q) }),
    (q) => ({
      documentType: 'purchaseOrder',
      company: pick(companies, q),
      owner: 'cloud',
      site: pick(sites, q),
    }),
  ];
  const listTimes = [];
  for (let q = 0; q < queries; q++) {
    const started = performance.now();
    const page = await readModels.find('documents', {
      where: listShapes[q % listShapes.length](q),
      orderBy: { field: 'updatedAt', direction: 'desc' },
      limit: 50,
    });
    listTimes.push(performance.now() - started);
    if (page.items.length === 0) throw new Error('empty list');
  }
  console.log(
    `  status query p99 ${summary(statusTimes).p99Ms} ms, list query p99 ${summary(listTimes).p99Ms} ms`,
  );

  // Lag: live projectors of every model while orders keep arriving.
  const running = await Promise.all(
    projections.map((p) => startProjector(p, { ...runtime, pollMs: 60_000 })),
  );
  await Promise.all(running.map((p) => p.ready()));
  const lags = [];
  for (let round = 0; round < 40; round++) {
    const from = orders + round * 50;
    await Promise.all(
      Array.from({ length: 50 }, async (_, n) => {
        const [{ stream, events: batch }] = orderEvents(from + n);
        const appended = await events.appendToStream(stream, batch, {
          expectedRevision: 'no_stream',
        });
        const acknowledged = performance.now();
        await Promise.all(running.map((p) => p.waitFor(appended.position)));
        lags.push(performance.now() - acknowledged);
      }),
    );
  }
  await Promise.all(running.map((p) => p.stop()));
  console.log(`  projection lag p50 ${summary(lags).p50Ms} ms, p99 ${summary(lags).p99Ms} ms`);

  // The live generations (a build, then live projection of the later orders) against a
  // rebuild from zero of the same log: equal content, by hash.
  const identical = {};
  const liveHashes = new Map();
  for (const projector of running) {
    liveHashes.set(projector.model, await readModels.contentHash(projector.status().storage));
  }
  for (const rebuilt of await rebuildReadModels(projections, runtime)) {
    const liveHash = liveHashes.get(rebuilt.model);
    const rebuiltHash = await readModels.contentHash(rebuilt.storage);
    identical[rebuilt.model] = { liveHash, rebuiltHash, equal: liveHash === rebuiltHash };
    console.log(`  ${rebuilt.model}: rebuilt ${rebuiltHash === liveHash ? '=' : '≠'} live`);
  }

  // What SQLite alone needs for each model's rows, measured last: a floor writes and deletes a
  // file as large as the model, and the disk's write-back would slow what ran after it.
  for (const projection of projections) {
    const floor = await sqliteFloor(projection, () => events.readAll(), dir, {
      sortablePosition,
      indexColumns,
      openReadModelDatabase,
      matchesFilter,
    });
    const rebuilt = rebuilds[projection.name];
    // The best a rebuild could do on this store: read the log, and have SQLite write its rows.
    const bestCpuSeconds = baseline.events / baseline.eventsPerCpuSecond + floor.cpuSeconds;
    rebuilt.sqliteFloor = {
      rows: floor.rows,
      seconds: Number(floor.seconds.toFixed(2)),
      cpuSeconds: Number(floor.cpuSeconds.toFixed(2)),
      eventsPerCpuSecond: Math.round(baseline.events / floor.cpuSeconds),
      withReadAllEventsPerCpuSecond: Math.round(baseline.events / bestCpuSeconds),
      ofFloor: Number((bestCpuSeconds / rebuilt.cpuSeconds).toFixed(3)),
    };
    console.log(
      `  SQLite floor ${projection.name}: its ${floor.rows.toLocaleString('en-US')} rows serialised, written and indexed at ${rebuilt.sqliteFloor.eventsPerCpuSecond.toLocaleString('en-US')} events/CPU-s, so read-all + SQLite ≤ ${rebuilt.sqliteFloor.withReadAllEventsPerCpuSecond.toLocaleString('en-US')} events/CPU-s; the rebuild reaches ${rebuilt.sqliteFloor.ofFloor} of it`,
    );
  }

  const target = 100_000;
  const results = {
    readAll: baseline,
    rebuild: rebuilds,
    rebuildAll,
    statusQuery: summary(statusTimes),
    listQuery: summary(listTimes),
    projectionLag: summary(lags),
    rebuildEqualsLive: identical,
  };
  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${timestamp.replace(/:/g, '-')}-projections.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        benchmark: 'projections',
        timestamp,
        machine: machineInfo(dir),
        config: { orders, events: Number(head), queries },
        results,
        target: {
          rebuildEventsPerSecond: target,
          pass: Object.fromEntries(
            Object.entries(rebuilds).map(([name, r]) => [name, r.eventsPerSecond >= target]),
          ),
        },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`  results: ${file}`);
};

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await readModels.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });
