/**
 * Delivery to the cloud ERP: the real dispatcher (src/delivery/) and the REST connector with the
 * Business Central profile, against the cloud-ERP sandbox (`coexist sandbox cloud-erp`, a process
 * of its own on loopback, no latency, no faults). Purchase orders and journal entries, half each.
 *
 * 1. Throughput at zero latency, the sandbox's quota too large to bind:
 *      no-op      the same dispatcher and settings with a connector that does nothing (as in
 *                 bench/dispatcher.mjs): the ceiling of any connector on this dispatcher;
 *      cloud      the REST connector delivering to the sandbox (a fresh sandbox per round).
 *    BENCH_CLOUD_DELIVERIES documents (default 2,000) seeded once, each run on a fresh copy of the
 *    log; BENCH_ROUNDS rounds (default 3) in turns; medians; cloud / no-op per round. Target ≥ 0.5.
 *    Per ERP request (the figure that does not depend on how many requests a vendor needs):
 *      the gateway's added CPU   (cloud − no-op CPU of this process per delivery) / requests;
 *      the gateway's latency     one delivery at a time (BENCH_LATENCY_DELIVERIES, default 300,
 *                                through the same dispatcher at concurrency 1): the connector's
 *                                time outside the ERP's answers (profile expressions, its own
 *                                logic) per request, beside the round trip of a request;
 *      the sandbox's share       its CPU per request, and of the CPU of both processes;
 *      the floor                 a bare undici request to a bare node:http server on loopback,
 *                                CPU per request on each side: what no connector goes below.
 *
 * 2. Pacing at Business Central's quota (6,000 requests per 5-minute sliding window, 5 at once),
 *    scaled down in time at the same rate: BENCH_QUOTA_REQUESTS (default 200) per
 *    BENCH_QUOTA_WINDOW_MS (default 10,000) = 20 requests/s = 6,000 / 300 s, 5 at once. The same
 *    quota is set in the sandbox and in the target's delivery settings; more documents are
 *    offered than the quota lets through, and the dispatcher runs for BENCH_QUOTA_WINDOWS windows
 *    (default 4) after its first request. Reported: the rate at which whole quotas were used
 *    (k × requests over the time from the first request to the (k × requests + 1)-th, which the
 *    quota makes ≥ k windows: 100 % is the most any client can reach), the rate the sandbox
 *    served over the run, and the sandbox's own counters (most requests in any window, 429s).
 *    Target: within 2 % of the quota's rate, never above it, no 429.
 *
 * BENCH_PROFILE=1: each sandbox process writes a V8 CPU profile to bench/results/profiles/
 * (bench/profile-summary.mjs reads it). Results: bench/results/<time>-cloud-delivery.json.
 * Usage: npm run build && node bench/cloud-delivery.mjs
 */
import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRestConnectorConfig } from '../dist/src/adapters/connectors/rest/config.js';
import { RestConnector } from '../dist/src/adapters/connectors/rest/connector.js';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../dist/src/adapters/consumerState/sqlite.js';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { startDispatcher } from '../dist/src/delivery/dispatcher.js';
import { resolveDeliverySettings } from '../dist/src/delivery/settings.js';
import { cpuSeconds, startServer, stopAll } from './lib/processes.mjs';
import { machineInfo } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const total = Number(process.env.BENCH_CLOUD_DELIVERIES ?? 2_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const quota = {
  requests: Number(process.env.BENCH_QUOTA_REQUESTS ?? 200),
  windowMs: Number(process.env.BENCH_QUOTA_WINDOW_MS ?? 10_000),
  concurrent: Number(process.env.BENCH_QUOTA_CONCURRENT ?? 5),
};
const windows = Number(process.env.BENCH_QUOTA_WINDOWS ?? 4);
const latencyDeliveries = Number(process.env.BENCH_LATENCY_DELIVERIES ?? 300);
const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-cloud-delivery-'));
const targetRatio = 0.5;
const pacingTolerance = 0.02;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const example = (name) =>
  JSON.parse(readFileSync(join(root, `contracts/http/v1/${name}.json`), 'utf8')).examples[0];
const orderExample = example('purchase-order-submit');
const entryExample = example('journal-entry');
const route = {
  owner: 'cloud',
  primary: 'cloud',
  basis: 'rule',
  ruleId: 'all',
  ruleSetVersion: 1,
  reason: 'bench',
};

/** Document i: even ones purchase orders, odd ones journal entries. */
const documentOf = (tag, i) =>
  i % 2 === 0
    ? {
        stream: `PurchaseOrder-${orderExample.company}/${tag}P${i}`,
        type: 'PurchaseOrderSubmitted',
        data: { ...orderExample, poNumber: `${tag}P${i}` },
      }
    : {
        stream: `JournalEntry-${entryExample.company}/${tag}J${i}`,
        type: 'JournalEntrySubmitted',
        data: { ...entryExample, entryNumber: `${tag}J${i}` },
      };

const seed = async (file, tag, count) => {
  const store = getSqliteEventStore({ file });
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, n) => {
        const { stream, type, data } = documentOf(tag, i + n);
        const metadata = {
          route,
          clientId: 'bench',
          correlationId: randomUUID(),
          commandId: randomUUID(),
        };
        return store.appendToStream(
          stream,
          [
            { id: randomUUID(), type: 'DocumentOwnershipAssigned', data: { ...route }, metadata },
            { id: randomUUID(), type, data, metadata },
          ],
          { expectedRevision: 'no_stream' },
        );
      }),
    );
  }
  await store.close();
};

const copy = (from) => {
  const file = join(dir, `run-${randomUUID()}.sqlite`);
  copyFileSync(from, file);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${file}-wal`);
  return file;
};
const remove = (file) => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
};

/** A sandbox process of its own; `faults` as its --faults flag. */
const startSandbox = async (faults) => {
  const connectorFile = join(dir, `connector-${randomUUID()}.json`);
  const server = await startServer({
    name: 'cloud-ERP sandbox',
    args: [
      ...(process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'bench/results/profiles')}`]
        : []),
      join(root, 'dist/src/cli/main.js'),
      'sandbox',
      'cloud-erp',
      '--port',
      '0',
      '--connector-file',
      connectorFile,
      '--faults',
      faults,
    ],
  });
  // The connector file is written before "listening on" is printed.
  const config = loadRestConnectorConfig(connectorFile);
  return {
    ...server,
    config,
    inspect: async () => {
      const response = await fetch(`${server.url}/sandbox/inspect`);
      if (!response.ok) throw new Error(`inspect: ${response.status} ${await response.text()}`);
      return response.json();
    },
  };
};

/** The dispatcher on a copy of `seeded`, delivering through `connector`; stop() tears down. */
const dispatch = (seeded, connector, targetSettings) => {
  const file = copy(seeded);
  const stateFile = join(dir, `consumers-${randomUUID()}.sqlite`);
  const store = getSqliteEventStore({ file, pollIntervalMs: 20 });
  const state = getSqliteConsumerState(openConsumerDatabase(stateFile));
  const running = startDispatcher({
    store,
    state,
    owner: 'bench',
    leaseTtlMs: null,
    connectors: [connector],
    settings: resolveDeliverySettings({ targets: { cloud: targetSettings } }),
  });
  return {
    running,
    stop: async () => {
      await running.stop();
      await store.close();
      state.close();
      remove(file);
      remove(stateFile);
    },
  };
};

/** Counts the connector's answers (ok and not) without changing what it does. */
const counted = (connector) => {
  const counts = { ok: 0, failed: 0 };
  const deliver = connector.deliver.bind(connector);
  connector.deliver = async (delivery, options) => {
    const result = await deliver(delivery, options);
    if (result.ok) counts.ok++;
    else counts.failed++;
    return result;
  };
  return counts;
};

const noopConnector = () => ({
  target: 'cloud',
  supports: () => true,
  deliver: async (delivery) => ({
    ok: true,
    acknowledgement: { reference: `R-${delivery.action}`, record: 'r', alreadyDelivered: false },
  }),
  close: async () => {},
});

/** Deliveries/s until all `total` documents were delivered, and the run's connector counts. */
const timeDeliveries = async (seeded, connector) => {
  const counts = counted(connector);
  const run = dispatch(seeded, connector, { concurrency });
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (counts.ok < total) await sleep(5);
  await run.running.idle();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const delivered = run.running.view.list({ state: 'delivered' }).length;
  await run.stop();
  if (delivered !== total || counts.ok !== total) {
    throw new Error(`delivered ${delivered} with ${counts.ok} successful calls, not ${total}`);
  }
  // CPU of this process (dispatcher, store, connector) per delivery: steadier than the rate.
  return {
    rate: total / seconds,
    failed: counts.failed,
    cpuMs: (used.user + used.system) / 1000 / total,
  };
};

/**
 * One delivery at a time through the dispatcher (concurrency 1): each delivery's time in the
 * connector, and within it the round trip of each ERP request (from the quota hook to the
 * answer). What the connector spends outside the round trips is the gateway's added latency.
 */
const serialLatency = async (seeded, sandbox) => {
  let inRequests = 0;
  let requests = 0;
  const connector = new RestConnector(sandbox.config, {
    beforeRequest: async () => {
      const started = performance.now();
      requests++;
      return () => {
        inRequests += performance.now() - started;
      };
    },
  });
  let inConnector = 0;
  let delivered = 0;
  const deliver = connector.deliver.bind(connector);
  connector.deliver = async (delivery, options) => {
    const started = performance.now();
    const result = await deliver(delivery, options);
    inConnector += performance.now() - started;
    if (result.ok) delivered++;
    return result;
  };
  const run = dispatch(seeded, connector, { concurrency: 1 });
  const started = performance.now();
  while (delivered < latencyDeliveries) {
    if (performance.now() - started > 300_000)
      throw new Error(`serial run: ${delivered} delivered`);
    await sleep(5);
  }
  const wall = performance.now() - started;
  await run.stop();
  await connector.close();
  return {
    deliveries: delivered,
    requestsPerDelivery: requests / delivered,
    msPerDelivery: wall / delivered,
    msInConnectorPerDelivery: inConnector / delivered,
    roundTripMsPerRequest: inRequests / requests,
    gatewayMsPerRequest: (inConnector - inRequests) / requests,
  };
};

/** CPU per request of a bare undici client and a bare node:http server, on loopback. */
const bareRoundTrip = async (count = 4_000, inFlight = 16) => {
  const { Agent, request } = await import('undici');
  const body = JSON.stringify({ value: [{ id: 'x', number: 'P1', status: 'Open' }] });
  const server = await startServer({
    name: 'bare HTTP server',
    args: [
      '-e',
      `require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => { r.setHeader('content-type', 'application/json'); r.end(${JSON.stringify(body)}); }); }).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`,
    ],
  });
  const agent = new Agent({ connections: inFlight, keepAliveTimeout: 10_000 });
  const get = async () => {
    const response = await request(`${server.url}/api/v2.0/companies(x)/purchaseOrders`, {
      dispatcher: agent,
      headers: { authorization: 'Bearer token', accept: 'application/json' },
    });
    return JSON.parse(await response.body.text());
  };
  try {
    const run = async (n) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next++ < n) await get();
        }),
      );
    };
    await run(500);
    const serverCpu = cpuSeconds(server.pid);
    const cpu = process.cpuUsage();
    await run(count);
    const used = process.cpuUsage(cpu);
    return {
      requests: count,
      clientCpuMsPerRequest: (used.user + used.system) / 1000 / count,
      serverCpuMsPerRequest: ((cpuSeconds(server.pid) - serverCpu) * 1000) / count,
    };
  } finally {
    await agent.close();
    await server.stop();
  }
};

const throughput = async () => {
  const seeded = join(dir, 'seeded.sqlite');
  // One tag per seeded log: a fresh sandbox each round, so the same numbers can be reused.
  await seed(seeded, 'T', total);
  const serial = join(dir, 'serial.sqlite');
  await seed(serial, 'L', latencyDeliveries);
  const perRound = [];
  for (let round = 1; round <= rounds; round++) {
    const noop = await timeDeliveries(seeded, noopConnector());
    // Quota far beyond what the run can send, and more at once than the dispatcher sends.
    const sandbox = await startSandbox(`quota=1000000000/1s,concurrency=${concurrency * 4}`);
    try {
      const connector = new RestConnector(sandbox.config);
      const sandboxCpu = cpuSeconds(sandbox.pid);
      const cloud = await timeDeliveries(seeded, connector);
      const sandboxCpuMs = (cpuSeconds(sandbox.pid) - sandboxCpu) * 1000;
      const inspection = await sandbox.inspect();
      const held = inspection.counts.purchaseOrders + inspection.counts.journalDocumentsPosted;
      const duplicates = Object.values(inspection.duplicates).reduce(
        (n, d) => n + Object.keys(d).length,
        0,
      );
      if (held !== total || duplicates !== 0) {
        throw new Error(
          `the sandbox holds ${held} documents (${duplicates} repeated), not ${total}`,
        );
      }
      const latency = await serialLatency(serial, sandbox);
      const requestsPerDelivery = inspection.quota.served / total;
      const sandboxCpuMsPerDelivery = sandboxCpuMs / total;
      const r = {
        noop: noop.rate,
        cloud: cloud.rate,
        ratio: cloud.rate / noop.rate,
        cloudFailedAttempts: cloud.failed,
        sandboxRequestsPerDelivery: inspection.quota.served / total,
        sandboxThrottled: inspection.quota.throttled,
        sandboxRequestsByRoute: inspection.requests.byRoute,
        // CPU per delivery: the dispatcher with the connector (this process) and the sandbox.
        noopCpuMsPerDelivery: noop.cpuMs,
        cloudCpuMsPerDelivery: cloud.cpuMs,
        sandboxCpuMsPerDelivery,
        perRequest: {
          gatewayCpuMs: (cloud.cpuMs - noop.cpuMs) / requestsPerDelivery,
          gatewayLatencyMs: latency.gatewayMsPerRequest,
          roundTripMs: latency.roundTripMsPerRequest,
          sandboxCpuMs: sandboxCpuMsPerDelivery / requestsPerDelivery,
          sandboxShareOfCpu: sandboxCpuMsPerDelivery / (sandboxCpuMsPerDelivery + cloud.cpuMs),
        },
        serial: latency,
      };
      perRound.push(r);
      console.log(
        `  round ${round}: no-op ${Math.round(r.noop).toLocaleString().padStart(7)} deliveries/s, cloud ${Math.round(r.cloud).toLocaleString().padStart(6)} deliveries/s (${r.sandboxRequestsPerDelivery.toFixed(2)} API requests each; CPU ms/delivery: no-op ${r.noopCpuMsPerDelivery.toFixed(2)}, cloud ${r.cloudCpuMsPerDelivery.toFixed(2)}, sandbox ${r.sandboxCpuMsPerDelivery.toFixed(2)}), cloud/no-op ${(r.ratio * 100).toFixed(1)} %`,
      );
      const q = r.perRequest;
      console.log(
        `           per ERP request: gateway +${q.gatewayCpuMs.toFixed(3)} ms CPU, +${q.gatewayLatencyMs.toFixed(3)} ms latency (one at a time; round trip ${q.roundTripMs.toFixed(3)} ms); sandbox ${q.sandboxCpuMs.toFixed(3)} ms CPU, ${(q.sandboxShareOfCpu * 100).toFixed(0)} % of both processes' CPU`,
      );
    } finally {
      await sandbox.stop();
    }
  }
  remove(seeded);
  remove(serial);
  const ratio = median(perRound.map((r) => r.ratio));
  const perRequest = (name) => Number(median(perRound.map((r) => r.perRequest[name])).toFixed(4));
  const floor = await bareRoundTrip();
  return {
    noopDeliveriesPerSecond: Math.round(median(perRound.map((r) => r.noop))),
    cloudDeliveriesPerSecond: Math.round(median(perRound.map((r) => r.cloud))),
    ratio: Number(ratio.toFixed(3)),
    // Medians over the rounds, in ms; the gateway's figures exclude the ERP's own time.
    perRequest: {
      requestsPerDelivery: Number(
        median(perRound.map((r) => r.sandboxRequestsPerDelivery)).toFixed(3),
      ),
      gatewayCpuMs: perRequest('gatewayCpuMs'),
      gatewayLatencyMs: perRequest('gatewayLatencyMs'),
      roundTripMs: perRequest('roundTripMs'),
      sandboxCpuMs: perRequest('sandboxCpuMs'),
      sandboxShareOfCpu: perRequest('sandboxShareOfCpu'),
    },
    noopCpuMsPerDelivery: Number(median(perRound.map((r) => r.noopCpuMsPerDelivery)).toFixed(4)),
    bareRoundTrip: {
      ...floor,
      clientCpuMsPerRequest: Number(floor.clientCpuMsPerRequest.toFixed(4)),
      serverCpuMsPerRequest: Number(floor.serverCpuMsPerRequest.toFixed(4)),
    },
    rounds: perRound.map((r) => ({
      ...r,
      noop: Math.round(r.noop),
      cloud: Math.round(r.cloud),
      ratio: Number(r.ratio.toFixed(3)),
      sandboxRequestsPerDelivery: Number(r.sandboxRequestsPerDelivery.toFixed(3)),
    })),
    target: { ratio: targetRatio, pass: ratio >= targetRatio },
  };
};

const pacing = async () => {
  const quotaRate = (quota.requests * 1000) / quota.windowMs;
  // At least one API request per delivery: this many documents outlast the run.
  const offered = quota.requests * (windows + 2);
  const seeded = join(dir, 'pacing.sqlite');
  await seed(seeded, 'Q', offered);
  const sandbox = await startSandbox(
    `quota=${quota.requests}/${quota.windowMs}ms,concurrency=${quota.concurrent}`,
  );
  try {
    const starts = [];
    const connector = new RestConnector(sandbox.config, {
      // Every API request the connector makes (the token's excluded), as it starts.
      beforeRequest: async () => {
        starts.push(performance.now());
      },
    });
    const counts = counted(connector);
    // What gateway.ts makes of a published quota: deliveries in flight ≤ requests at once.
    const run = dispatch(seeded, connector, { concurrency: quota.concurrent, quota });
    const needed = quota.requests * windows + 1;
    const deadline = performance.now() + (windows + 2) * quota.windowMs + 30_000;
    while (starts.length < needed) {
      if (performance.now() > deadline) break;
      await sleep(20);
    }
    const stoppedAt = performance.now();
    await run.stop();
    const inspection = await sandbox.inspect();
    if (starts.length < needed) {
      throw new Error(
        `only ${starts.length} requests started in ${((stoppedAt - starts[0]) / 1000).toFixed(1)} s (${counts.ok} deliveries, ${counts.failed} failed attempts): not enough work offered?`,
      );
    }
    const spanMs = starts[needed - 1] - starts[0];
    const achieved = ((needed - 1) * 1000) / spanMs;
    const served = inspection.quota.served;
    const q = inspection.quota;
    const result = {
      scaling: `Business Central: 6,000 requests per 300 s sliding window (20 requests/s), 5 at once; scaled to ${quota.requests} per ${quota.windowMs / 1000} s at ${quota.concurrent} at once`,
      quota: { ...quota, requestsPerSecond: quotaRate },
      documentsOffered: offered,
      windowsMeasured: windows,
      requestsPerSecond: Number(achieved.toFixed(3)),
      ofQuota: Number((achieved / quotaRate).toFixed(4)),
      secondsForWholeQuotas: Number((spanMs / 1000).toFixed(3)),
      // The sandbox's count of what it served against the connector's own (they must agree).
      requestsStarted: starts.length,
      deliveriesCompleted: counts.ok,
      failedAttempts: counts.failed,
      sandbox: {
        served,
        maxRequestsInAnyWindow: q.maxRequestsInAnyWindow,
        maxConcurrent: q.maxConcurrent,
        throttled: q.throttled,
        duplicates: Object.values(inspection.duplicates).reduce(
          (n, d) => n + Object.keys(d).length,
          0,
        ),
      },
    };
    result.target = {
      withinPercent: pacingTolerance * 100,
      pass:
        achieved >= quotaRate * (1 - pacingTolerance) &&
        q.maxRequestsInAnyWindow <= quota.requests &&
        q.maxConcurrent <= quota.concurrent &&
        q.throttled === 0,
    };
    return result;
  } finally {
    await sandbox.stop();
    remove(seeded);
  }
};

try {
  console.log(
    `Cloud delivery: ${total.toLocaleString()} documents (POs and journal entries) to the sandbox at zero latency, ${rounds} rounds, concurrency ${concurrency}`,
  );
  const results = { throughput: await throughput() };
  const t = results.throughput;
  const pr = t.perRequest;
  console.log(
    `\n  per ERP request (medians): gateway +${pr.gatewayCpuMs} ms CPU, +${pr.gatewayLatencyMs} ms latency; sandbox ${pr.sandboxCpuMs} ms CPU (${(pr.sandboxShareOfCpu * 100).toFixed(0)} % of both); ${pr.requestsPerDelivery} requests per delivery; no-op ${t.noopCpuMsPerDelivery} ms CPU per delivery`,
  );
  console.log(
    `  bare undici → bare node:http on loopback: ${t.bareRoundTrip.clientCpuMsPerRequest} ms CPU client, ${t.bareRoundTrip.serverCpuMsPerRequest} ms server, per request`,
  );
  console.log(
    `\n  cloud ${t.cloudDeliveriesPerSecond.toLocaleString()} deliveries/s, no-op ${t.noopDeliveriesPerSecond.toLocaleString()}: ${(t.ratio * 100).toFixed(1)} % (median of rounds); target ≥ ${targetRatio * 100} %: ${t.target.pass ? 'met' : 'NOT met'}`,
  );
  console.log(
    `\nPacing at the Business Central quota scaled to ${quota.requests} requests per ${quota.windowMs / 1000} s (${(quota.requests * 1000) / quota.windowMs} requests/s, as 6,000 per 300 s), ${quota.concurrent} at once, over ${windows} windows`,
  );
  // BENCH_PACING=0 skips the pacing run (40 s or more) when only the throughput is wanted.
  results.pacing = process.env.BENCH_PACING === '0' ? null : await pacing();
  const p = results.pacing;
  if (p) {
    console.log(
      `  ${p.requestsPerSecond} requests/s = ${(p.ofQuota * 100).toFixed(2)} % of the quota's ${p.quota.requestsPerSecond} (${windows} × ${quota.requests} requests in ${p.secondsForWholeQuotas} s); ${p.requestsStarted} API requests sent, ${p.sandbox.served} served by the sandbox`,
    );
    console.log(
      `  sandbox: at most ${p.sandbox.maxRequestsInAnyWindow} requests in any ${quota.windowMs / 1000} s window (quota ${quota.requests}), at most ${p.sandbox.maxConcurrent} at once (quota ${quota.concurrent}), ${p.sandbox.throttled} throttled (429), ${p.sandbox.duplicates} duplicates; ${p.deliveriesCompleted} deliveries`,
    );
    console.log(
      `  target: within ${pacingTolerance * 100} % of the quota, never over it, no 429: ${p.target.pass ? 'met' : 'NOT met'}`,
    );
  }
  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${timestamp.replace(/:/g, '-')}-cloud-delivery.json`);
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: 'cloud-delivery', timestamp, machine: machineInfo(dir), config: { total, rounds, concurrency, latencyDeliveries, quota, windows }, results }, null, 2)}\n`,
  );
  console.log(`  results: ${out}`);
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
