/**
 * Delivery to a real Tryton 6.0: deliveries per second at dispatcher concurrency 1, 4 and 8,
 * and the latency from a client's POST (through the gateway's HTTP API) to Tryton's
 * acknowledgement (the delivery's `deliveredAt`: when Tryton's answer came back), p50 / p99.
 * Baselines in the same run, against the same Tryton, so the figures are ratios:
 *
 *   rpc        a cheap JSON-RPC round trip (`purchase.purchase.search_count`): Tryton's floor.
 *   connector  the Tryton connector alone, called directly with the same purchase orders at
 *              the same concurrency: what Tryton itself takes per delivery.
 *   gateway    a gateway process (`coexist start`) delivering through its dispatcher: a burst
 *              of BENCH_TRYTON_DELIVERIES orders POSTed at once, then, for latency without
 *              queueing, BENCH_TRYTON_SAMPLES orders one at a time (each POSTed once the
 *              previous one was acknowledged).
 *
 * It boots its own trytond from the sandbox's golden database (scripts/tryton-sandbox.sh
 * prepare, as test/connectors/tryton/sandbox.ts does) on a free loopback port, and skips with
 * the reason when Tryton cannot be installed here. Results: bench/results/<time>-tryton-delivery.json.
 * Usage: npm run build && node bench/tryton-delivery.mjs
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrytonConnector } from '../dist/src/adapters/connectors/tryton/connector.js';
import { TrytonRpc } from '../dist/src/adapters/connectors/tryton/rpc.js';
import { freePort, startServer, stopAll } from './lib/processes.mjs';
import { machineInfo } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const sandboxDir = process.env.COEXIST_TRYTON_DIR ?? join(root, '.tryton');
const burst = Number(process.env.BENCH_TRYTON_DELIVERIES ?? 16);
const samples = Number(process.env.BENCH_TRYTON_SAMPLES ?? 8);
const levels = (process.env.BENCH_TRYTON_CONCURRENCY ?? '1,4,8').split(',').map(Number);
const run = Date.now().toString(36);
const work = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-tryton-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const auth = { authorization: 'Bearer coexist-dev-key' };

const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const summary = (values) => ({
  p50: Math.round(percentile(values, 50)),
  p99: Math.round(percentile(values, 99)),
  n: values.length,
});

/** Why Tryton cannot run here, or null once the sandbox's golden database is ready. */
const prepare = () => {
  try {
    execFileSync(
      'flock',
      [
        join(tmpdir(), 'coexist-tryton-prepare.lock'),
        join(root, 'scripts/tryton-sandbox.sh'),
        'prepare',
      ],
      {
        env: { ...process.env, COEXIST_TRYTON_DIR: sandboxDir },
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 240_000,
      },
    );
    return null;
  } catch (error) {
    if (error.status === 3)
      return `Tryton 6.0 cannot be installed here: ${String(error.stderr).trim()}`;
    throw new Error(`scripts/tryton-sandbox.sh prepare failed (${error.status}): ${error.stderr}`);
  }
};

/** A trytond of our own on a copy of the golden database; stopped in `finally`. */
const startTryton = async () => {
  const dir = join(work, 'tryton');
  mkdirSync(dir);
  for (const file of ['coexist.sqlite', 'crosswalk.json']) {
    writeFileSync(join(dir, file), readFileSync(join(sandboxDir, 'golden', file)));
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'trytond.conf'),
    `[database]\nuri = sqlite://\npath = ${dir}\nlanguage = en\n\n[web]\nlisten = 127.0.0.1:${port}\n`,
  );
  const child = spawn(
    '/usr/bin/python3',
    ['/usr/bin/trytond', '-c', join(dir, 'trytond.conf'), '-d', 'coexist'],
    { env: { ...process.env, PYTHONWARNINGS: 'ignore' }, stdio: 'ignore' },
  );
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; ; i++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 0, method: 'common.server.version', params: [] }),
        signal: AbortSignal.timeout(1000),
      });
      if (response.ok) break;
    } catch {}
    if (i > 300) throw new Error('trytond did not answer within 30 s');
    await sleep(100);
  }
  return {
    config: {
      url,
      database: 'coexist',
      login: 'admin',
      password: readFileSync(join(sandboxDir, 'admin-password'), 'utf8').trim(),
      crosswalkFile: join(dir, 'crosswalk.json'),
      timeoutMs: 30_000,
      defaults: { paymentTerm: 'NET30', journal: 'MISC' },
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};

const example = JSON.parse(
  readFileSync(join(root, 'contracts/http/v1/purchase-order-submit.json'), 'utf8'),
).examples[0];
const order = (poNumber) => ({ ...example, poNumber });
/** What the dispatcher hands the connector for a new order (the fold of its submission). */
const submitDelivery = (poNumber) => ({
  document: 'purchaseOrder',
  action: 'submit',
  key: { company: example.company, poNumber },
  state: {
    ...order(poNumber),
    status: 'open',
    lines: example.lines.map((line) => ({ ...line, status: 'open' })),
    changeCount: 0,
  },
});

/** `count` calls of `task(i)` with `concurrency` at once; per-call latencies and rate. */
const measure = async (count, concurrency, task) => {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await task(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, latencyMs: summary(latencies) };
};

const rpcBaseline = async (config, concurrency) => {
  const rpc = new TrytonRpc(config);
  const ctx = await rpc.context(1);
  const result = await measure(burst * 4, concurrency, () =>
    rpc.model('purchase.purchase', 'search_count', [[]], ctx),
  );
  await rpc.close();
  return result;
};

/** The connector alone; a transient answer (Tryton busy) is retried as the dispatcher would. */
const connectorBaseline = async (config, concurrency) => {
  const connector = new TrytonConnector(config);
  let transient = 0;
  const result = await measure(burst, concurrency, async (i) => {
    for (let tries = 0; ; tries++) {
      const answer = await connector.deliver(submitDelivery(`TB-${run}-K${concurrency}-${i}`));
      if (answer.ok) return;
      if (answer.error.kind === 'permanent' || tries > 30) {
        throw new Error(`connector: ${JSON.stringify(answer.error)}`);
      }
      transient++;
      await sleep(100);
    }
  });
  await connector.close();
  return { ...result, transientAnswers: transient };
};

/** A gateway process delivering to Tryton with the dispatcher at `concurrency`. */
const gatewayRun = async (config, concurrency) => {
  const dataDir = join(work, `gateway-${concurrency}`);
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'connector.json'), JSON.stringify(config));
  writeFileSync(
    join(dataDir, 'delivery.json'),
    JSON.stringify({
      policies: { default: { maxAttempts: 50, initialDelayMs: 100, maxDelayMs: 1_000 } },
      targets: { legacy: { concurrency } },
    }),
  );
  const gateway = await startServer({
    name: `gateway (concurrency ${concurrency})`,
    args: [join(root, 'dist/src/cli/main.js'), 'start', '--port', '0', '--data-dir', dataDir],
    env: {
      LOG_LEVEL: 'warn',
      COEXIST_MODE: 'development',
      COEXIST_TRYTON_CONFIG: join(dataDir, 'connector.json'),
      COEXIST_DELIVERY_CONFIG: join(dataDir, 'delivery.json'),
    },
    timeoutMs: 60_000,
  });
  const posted = new Map();
  const post = async (poNumber) => {
    posted.set(poNumber, Date.now());
    const response = await fetch(`${gateway.url}/v1/purchase-orders`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': poNumber },
      body: JSON.stringify(order(poNumber)),
    });
    if (response.status !== 202) throw new Error(`POST ${poNumber}: ${response.status}`);
  };
  /** Delivered so far: deliveredAt per PO number. */
  const delivered = async () => {
    const response = await fetch(
      `${gateway.url}/v1/admin/deliveries?state=delivered&target=legacy&limit=1000`,
      { headers: auth },
    );
    const body = await response.json();
    return new Map(body.deliveries.map((d) => [d.documentKey.poNumber, d]));
  };
  const waitFor = async (count) => {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const done = await delivered();
      if (done.size >= count) return done;
      if (Date.now() > deadline) throw new Error(`only ${done.size} of ${count} delivered`);
      await sleep(50);
    }
  };
  try {
    // Burst: every order POSTed at once; throughput from the first POST to the last answer.
    const burstNumbers = Array.from({ length: burst }, (_, i) => `TG-${run}-C${concurrency}-${i}`);
    const first = Date.now();
    for (const poNumber of burstNumbers) await post(poNumber);
    const afterBurst = await waitFor(burst);
    const ackOf = (d) => Date.parse(d.deliveredAt);
    const last = Math.max(...[...afterBurst.values()].map(ackOf));
    const burstLatency = burstNumbers.map((n) => ackOf(afterBurst.get(n)) - posted.get(n));
    // One at a time: POST → Tryton's acknowledgement with nothing queued ahead of it.
    const single = [];
    /** Where the time goes: POST → request recorded → attempt started → Tryton's answer. */
    const parts = { intake: [], scheduling: [], tryton: [] };
    for (let i = 0; i < samples; i++) {
      const poNumber = `TS-${run}-C${concurrency}-${i}`;
      await post(poNumber);
      const delivery = (await waitFor(burst + i + 1)).get(poNumber);
      single.push(ackOf(delivery) - posted.get(poNumber));
      const detail = await (
        await fetch(`${gateway.url}/v1/admin/deliveries/${delivery.id}`, { headers: auth })
      ).json();
      const attempt = detail.attempts.at(-1);
      parts.intake.push(Date.parse(delivery.requestedAt) - posted.get(poNumber));
      parts.scheduling.push(Date.parse(attempt.startedAt) - Date.parse(delivery.requestedAt));
      parts.tryton.push(attempt.durationMs);
      if (detail.attempts.length > 1) parts.retried = (parts.retried ?? 0) + 1;
    }
    return {
      perSecond: burst / ((last - first) / 1000),
      burstLatencyMs: summary(burstLatency),
      latencyMs: summary(single),
      latencyPartsMs: {
        intake: summary(parts.intake),
        scheduling: summary(parts.scheduling),
        tryton: summary(parts.tryton),
        retried: parts.retried ?? 0,
      },
    };
  } finally {
    await gateway.stop();
  }
};

let tryton = null;
// Ctrl-C: stop trytond and the gateway we started before leaving.
process.once('SIGINT', async () => {
  await stopAll();
  await tryton?.stop();
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});
try {
  const unavailable = prepare();
  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${timestamp.replace(/:/g, '-')}-tryton-delivery.json`);
  if (unavailable) {
    console.log(`Delivery to Tryton: SKIPPED (${unavailable})`);
    writeFileSync(
      out,
      `${JSON.stringify({ benchmark: 'tryton-delivery', timestamp, skipped: unavailable }, null, 2)}\n`,
    );
  } else {
    console.log(
      `Delivery to Tryton 6.0: ${burst} purchase orders per burst, ${samples} one at a time, concurrency ${levels.join(', ')}`,
    );
    tryton = await startTryton();
    const results = {};
    for (const concurrency of levels) {
      const rpc = await rpcBaseline(tryton.config, concurrency);
      const connector = await connectorBaseline(tryton.config, concurrency);
      const gateway = await gatewayRun(tryton.config, concurrency);
      results[concurrency] = {
        rpc,
        connector,
        gateway,
        gatewayOfConnector: gateway.perSecond / connector.perSecond,
      };
      console.log(
        `  concurrency ${concurrency}: rpc ${rpc.perSecond.toFixed(0)}/s (p50 ${rpc.latencyMs.p50} ms); connector ${connector.perSecond.toFixed(2)}/s (p50 ${connector.latencyMs.p50} ms); gateway ${gateway.perSecond.toFixed(2)}/s = ${(results[concurrency].gatewayOfConnector * 100).toFixed(0)} % of the connector; POST→ack p50 ${gateway.latencyMs.p50} ms, p99 ${gateway.latencyMs.p99} ms (one at a time; ${gateway.burstLatencyMs.p50}/${gateway.burstLatencyMs.p99} ms in the burst)`,
      );
    }
    writeFileSync(
      out,
      `${JSON.stringify({ benchmark: 'tryton-delivery', timestamp, machine: machineInfo(work), config: { burst, samples, levels }, results }, null, 2)}\n`,
    );
  }
  console.log(`  results: ${out}`);
} finally {
  await stopAll();
  await tryton?.stop();
  rmSync(work, { recursive: true, force: true });
}
