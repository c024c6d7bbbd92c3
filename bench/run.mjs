/**
 * Write-path benchmark: POST /v1/purchase-orders against a bare Fastify + Ajv baseline, the
 * durable floor (the baseline plus one durable append through the same store: the most any
 * durable write path can reach), the gateway with its document appends acknowledged unwritten
 * (the most any store lets the gateway reach), and the real gateway (auth, rate limit,
 * idempotency, durable SQLite append), measured in turns, each pinned to core 0 with the
 * load generator (this process) on core 1.
 *
 *   npm run bench                      (builds first)
 *   BENCH_ROUNDS=9 node bench/run.mjs
 *
 * Env: BENCH_ROUNDS (5), BENCH_DURATION (s per server per round, 5), BENCH_WARMUP (s, 3),
 *      BENCH_CONNECTIONS (50),
 *      BENCH_TMPDIR (parent of the temp data dir; default the OS temp dir),
 *      BENCH_PROFILE=1 (run the gateways and references with --cpu-prof into bench/results/profiles/),
 *      BENCH_BREAKDOWN=1 (also the durable floor appending what the gateway appends),
 *      BENCH_PROJECTORS=separate (the gateway runs no projectors: the write path alone;
 *        without it, a last load run measures read-your-writes lag: lib/lagProbe.mjs),
 *      BENCH_REFERENCE=<checkout> (also the gateway built in another checkout, e.g. the last
 *        release: `git worktree add /tmp/ref <commit> && (cd /tmp/ref && npm ci && npm run
 *        build)`; reported as this gateway's throughput over the reference's, per round).
 * See bench/README.md for how to read the output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { startLagProbe } from './lib/lagProbe.mjs';
import { latencySummary, purchaseOrderFactory, runLoad } from './lib/load.mjs';
import {
  canPin,
  cpuSeconds,
  freePort,
  machineCpuSeconds,
  pinSelf,
  startServer,
  stopAll,
} from './lib/processes.mjs';
import { checkTargets, formatTable, machineInfo, targets, warnings } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');
const contractId = 'https://coexist.dev/contracts/http/v1/purchase-order-submit.json';

const positive = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const config = {
  durationSeconds: positive('BENCH_DURATION', 5),
  rounds: positive('BENCH_ROUNDS', 5),
  warmupSeconds: positive('BENCH_WARMUP', 3),
  connections: positive('BENCH_CONNECTIONS', 50),
  pipelining: 1,
  bodyTargetBytes: 1024,
  pinned: os.cpus().length >= 2 && canPin(),
  breakdown: process.env.BENCH_BREAKDOWN === '1',
};

// The servers must not pick up the caller's gateway settings (another data dir, EventStoreDB,
// production mode…): they run on the defaults plus what we pass explicitly.
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !name.startsWith('COEXIST_') &&
      !['EVENTSTORE_URL', 'NODE_ENV', 'HOST', 'PORT'].includes(name),
  ),
);

const tempDir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'coexist-bench-'));
const gatewayDataDir = join(tempDir, 'gateway');

let cleaned = false;
const cleanup = async () => {
  if (cleaned) return;
  cleaned = true;
  await stopAll();
  rmSync(tempDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers…`);
    cleanup().finally(() => process.exit(130));
  });
}

/** `coexist keys create` with a rate limit high enough never to be the bottleneck. */
const createApiKey = (dataDir, command = cli) => {
  const args = ['keys', 'create', '--client', 'bench', '--roles', 'writer'];
  args.push('--rate-limit', '100000000', '--data-dir', dataDir);
  const result = spawnSync(process.execPath, [command, ...args], {
    encoding: 'utf8',
    env: childEnv,
  });
  const key = /^\s+(cx_\S+)\s*$/m.exec(result.stdout ?? '')?.[1];
  if (result.status !== 0 || !key) {
    throw new Error(`keys create failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return key;
};

/** Throws, loudly, when a run saw anything but the expected success status. */
const assertAllSucceeded = (name, phase, run, expected) => {
  if (run.non2xx === 0 && (run.statusCounts[expected] ?? 0) === run.responses) return;
  const samples = run.failures.map((f) => `  ${f.status}: ${f.body}`).join('\n');
  throw new Error(
    `${name} ${phase}: ${run.non2xx} non-2xx of ${run.responses} responses ` +
      `(status counts ${JSON.stringify(run.statusCounts)}); the numbers would be meaningless.\n` +
      `First failures:\n${samples || '  (none captured)'}`,
  );
};

/** Starts a server and checks one request by hand: a wrong key or body fails in its own words. */
const open = async ({ name, args, env = {}, apiKey, expected, factory }) => {
  const port = await freePort();
  const server = await startServer({
    name,
    args: [...args, '--port', String(port)],
    env,
    core: config.pinned ? 0 : undefined,
  });
  const handle = {
    name,
    server,
    expected,
    load: {
      url: server.url,
      apiKey,
      factory,
      sequence: { next: 0 },
      runId: Date.now().toString(36),
    },
    rounds: [],
    succeeded: 0,
    unanswered: 0,
  };
  const headers = {
    'content-type': 'application/json',
    'idempotency-key': `bench-${handle.load.runId}-0`,
  };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const response = await fetch(`${server.url}/v1/purchase-orders`, {
    method: 'POST',
    headers,
    body: factory.body(handle.load.sequence.next++),
  });
  if (response.status !== expected) {
    throw new Error(`${name}: first POST answered ${response.status}: ${await response.text()}`);
  }
  handle.succeeded = 1;
  return handle;
};

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/** One load run against an open server; `phase` is 'warm-up' or 'round N'. */
const loadOnce = async (handle, phase, duration) => {
  const { server, name, expected } = handle;
  const serverCpu0 = cpuSeconds(server.pid);
  const machineCpu0 = machineCpuSeconds();
  const selfCpu0 = process.cpuUsage();
  const started = performance.now();
  // The monotonic clock V8 stamps CPU profiles with: profile-summary.mjs counts only the
  // samples taken inside measured rounds.
  const windowStart = monotonicMicros();
  const run = await runLoad({ ...handle.load, connections: config.connections, duration });
  const elapsed = (performance.now() - started) / 1000;
  const selfCpu = process.cpuUsage(selfCpu0);
  const machineCpu = machineCpuSeconds() - machineCpu0;
  assertAllSucceeded(name, phase, run, expected);
  handle.succeeded += run.responses;
  handle.unanswered += run.unanswered;
  run.elapsedSeconds = elapsed;
  run.window = { startMicros: windowStart, endMicros: monotonicMicros() };
  run.serverCpuSeconds = cpuSeconds(server.pid) - serverCpu0;
  // Shares of one core over the run (1 = busy all the time).
  run.serverCpu = run.serverCpuSeconds / elapsed;
  run.loadGeneratorCpu = (selfCpu.user + selfCpu.system) / 1e6 / elapsed;
  // Cores' worth of CPU used by everything else (other jobs, the kernel's own threads).
  run.otherCpu = Math.max(0, machineCpu / elapsed - run.serverCpu - run.loadGeneratorCpu);
  // What one request costs the server, whatever the load shape: comparable across runs.
  run.serverCpuMicrosPerRequest = (run.serverCpuSeconds * 1e6) / Math.max(1, run.responses);
  return run;
};

/** The rounds of one server pooled into one run: totals, and percentiles over every response. */
const pool = (rounds) => {
  const sum = (f) => rounds.reduce((total, r) => total + f(r), 0);
  const elapsed = sum((r) => r.elapsedSeconds);
  const latencies = rounds.flatMap((r) => r.latencies).sort((x, y) => x - y);
  const means = rounds.map((r) => r.requestsPerSecond.mean);
  const serverCpuSeconds = sum((r) => r.serverCpuSeconds);
  const responses = sum((r) => r.responses);
  const weighted = (f) => sum((r) => f(r) * r.elapsedSeconds) / elapsed;
  return {
    rounds: rounds.length,
    requestsPerSecond: {
      mean: responses / elapsed,
      min: Math.min(...means),
      max: Math.max(...means),
      perRound: means,
    },
    latencyMs: latencySummary(latencies),
    responses,
    statusCounts: rounds.reduce((all, r) => {
      for (const [code, n] of Object.entries(r.statusCounts)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {}),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    sent: sum((r) => r.sent),
    unanswered: sum((r) => r.unanswered),
    serverCpu: serverCpuSeconds / elapsed,
    serverCpuMicrosPerRequest: (serverCpuSeconds * 1e6) / Math.max(1, responses),
    loadGeneratorCpu: weighted((r) => r.loadGeneratorCpu),
    otherCpu: weighted((r) => r.otherCpu),
    otherCpuMaxRound: Math.max(...rounds.map((r) => r.otherCpu)),
  };
};

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Every acknowledged request (the gateway's 202s, the durable floor's 201s) must be a durable
 * PurchaseOrderSubmitted event. autocannon abandons the requests still in flight when its time
 * is up; the server may commit those too, so the event count may exceed the acknowledgements
 * by at most the number of unanswered requests, never fall short.
 */
const checkDurability = (dataDir, succeeded, unanswered) => {
  const file = join(dataDir, 'events.sqlite');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const { n: events } = db
      .prepare('SELECT count(*) AS n FROM events WHERE type = ?')
      .get('PurchaseOrderSubmitted');
    const journalMode = db.pragma('journal_mode', { simple: true });
    const extra = events - succeeded;
    const ok = extra >= 0 && extra <= unanswered;
    const message =
      `${events.toLocaleString('en-US')} PurchaseOrderSubmitted events in SQLite, ` +
      `${succeeded.toLocaleString('en-US')} requests were acknowledged` +
      (extra === 0
        ? ' (equal)'
        : extra > 0 && ok
          ? ` (+${extra}: requests in flight when autocannon stopped, committed after it hung up; ${unanswered} were unanswered)`
          : extra < 0
            ? ` — ${-extra} ACKNOWLEDGED WRITES ARE MISSING`
            : ` — ${extra} more events than 202s + ${unanswered} unanswered requests`);
    return { ok, events, accepted: succeeded, unanswered, journalMode, message };
  } finally {
    db.close();
  }
};

const main = async () => {
  if (config.pinned) pinSelf(1);
  else console.warn('taskset unavailable or fewer than 2 cores: running UNPINNED.');

  const { createAjv, loadContracts } = await import(
    pathToFileURL(join(root, 'dist/src/http/contracts.js')).href
  );
  const contracts = loadContracts();
  const validate = createAjv(contracts.values()).getSchema(contractId);
  const example = contracts.get(contractId)?.examples?.[0];
  if (!validate || !example) throw new Error(`${contractId} or its examples[0] not found`);
  const factory = purchaseOrderFactory(example, config.bodyTargetBytes);
  // The generated bodies must satisfy the contract at both ends of the poNumber range.
  for (const n of [0, 999_999_999]) {
    if (!validate(JSON.parse(factory.body(n)))) {
      throw new Error(`Generated body is invalid: ${JSON.stringify(validate.errors, null, 2)}`);
    }
  }
  Object.assign(config, { bodyBytes: factory.bytes, bodyLines: factory.lines });

  const machine = machineInfo(tempDir);
  const storelessDataDir = join(tempDir, 'storeless');
  const floorDataDir = join(tempDir, 'floor');
  // V8 CPU profiles of the gateways and references (warm-up included), written when each
  // exits, named for the server and the run so two builds' profiles can be compared.
  const profileDir = join(root, 'bench/results/profiles');
  const profileRun = new Date().toISOString().replace(/:/g, '-');
  const profileFile = (label) => join(profileDir, `${profileRun}-${label}.cpuprofile`);
  const profile = (label) =>
    process.env.BENCH_PROFILE
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${profileDir}`,
          `--cpu-prof-name=${profileRun}-${label}.cpuprofile`,
        ]
      : [];
  const profiled = {};
  // All four run side by side (each idle while another is measured) and are measured in
  // turns, round after round: this VM's speed drifts within minutes, and a ratio of two
  // measurements taken a few seconds apart suffers far less from that than one of runs
  // taken a minute apart.
  const handles = {
    baseline: await open({
      name: 'baseline',
      args: [join(root, 'bench/baseline-server.mjs')],
      expected: 201,
      factory,
    }),
    floor: await open({
      name: 'durable floor',
      args: [join(root, 'bench/durable-floor-server.mjs'), '--data-dir', floorDataDir],
      expected: 201,
      factory,
    }),
  };
  if (config.breakdown) {
    handles.floorGatewayAppend = await open({
      name: "durable floor, gateway's append",
      args: [
        join(root, 'bench/durable-floor-server.mjs'),
        ...['--data-dir', join(tempDir, 'floor-gateway-append'), '--append', 'gateway'],
      ],
      expected: 201,
      factory,
    });
  }
  profiled.storeless = 'storeless';
  handles.storeless = await open({
    name: 'gateway, no store',
    args: [
      ...profile('storeless'),
      join(root, 'bench/storeless-server.mjs'),
      '--data-dir',
      storelessDataDir,
    ],
    env: { LOG_LEVEL: 'warn' },
    apiKey: createApiKey(storelessDataDir),
    expected: 202,
    factory,
  });
  // BENCH_PROJECTORS=separate: the write path alone, its projectors left to another process.
  // The references get it too: a reference with a read side would otherwise project in-process.
  // No in-process cloud-ERP sandbox (a development convenience production never runs): the
  // gateway would deliver every bench order to it, which is not the write path.
  const gatewayEnv = {
    LOG_LEVEL: 'warn',
    COEXIST_CLOUD_ERP_SANDBOX: 'off',
    ...(process.env.BENCH_PROJECTORS ? { COEXIST_PROJECTORS: process.env.BENCH_PROJECTORS } : {}),
  };
  profiled.gateway = 'gateway';
  handles.gateway = await open({
    name: 'gateway',
    args: [...profile('gateway'), cli, 'start', '--data-dir', gatewayDataDir],
    env: gatewayEnv,
    apiKey: createApiKey(gatewayDataDir),
    expected: 202,
    factory,
  });
  // Builds of other checkouts, measured in the same rounds (comma-separated paths).
  const references = (process.env.BENCH_REFERENCE ?? '').split(',').filter(Boolean);
  for (const [i, reference] of references.entries()) {
    // Builds before the read side compiled projections/ too had no dist/src/.
    const referenceCli = ['dist/src/cli/main.js', 'dist/cli/main.js']
      .map((path) => join(reference, path))
      .find((path) => existsSync(path));
    if (!referenceCli) throw new Error(`BENCH_REFERENCE: no built CLI in ${reference}/dist`);
    const referenceDataDir = join(tempDir, `reference-${i}`);
    profiled[i === 0 ? 'reference' : `reference${i + 1}`] = `reference-${i}`;
    handles[i === 0 ? 'reference' : `reference${i + 1}`] = await open({
      name: `gateway built in ${reference}`,
      args: [...profile(`reference-${i}`), referenceCli, 'start', '--data-dir', referenceDataDir],
      env: gatewayEnv,
      apiKey: createApiKey(referenceDataDir, referenceCli),
      expected: 202,
      factory,
    });
  }
  const servers = Object.values(handles);
  for (const handle of servers) {
    console.log(`${handle.name}: warming up ${config.warmupSeconds} s…`);
    await loadOnce(handle, 'warm-up', config.warmupSeconds);
  }
  for (let round = 1; round <= config.rounds; round++) {
    for (const handle of servers) {
      console.log(`round ${round}/${config.rounds}: ${handle.name}, ${config.durationSeconds} s…`);
      handle.rounds.push(await loadOnce(handle, `round ${round}`, config.durationSeconds));
    }
  }
  // Projection lag under this load, when the gateway projects (not with BENCH_PROJECTORS):
  // one more load run, not pooled with the rounds, with the read-your-writes probe beside it.
  let lagUnderLoad = null;
  if (!process.env.BENCH_PROJECTORS) {
    const { gateway } = handles;
    // Three rounds' time: a sample every 50 ms or so, and a p99 that is not just the maximum.
    const seconds = config.durationSeconds * 3;
    console.log(`projection lag under load: ${gateway.name}, ${seconds} s…`);
    const probe = startLagProbe(gateway.load);
    const run = await loadOnce(gateway, 'projection lag', seconds);
    const lag = await probe.stop();
    gateway.succeeded += lag.acknowledged;
    lagUnderLoad = { requestsPerSecond: run.requestsPerSecond.mean, ...lag };
    console.log(
      `  read-your-writes under ${Math.round(run.requestsPerSecond.mean).toLocaleString('en-US')} req/s, from a 202 to its GET: document (documentStates) p50 ${lag.documentStates.p50Ms.toFixed(2)} / p99 ${lag.documentStates.p99Ms.toFixed(2)} ms, summary (documents) p50 ${lag.documents.p50Ms.toFixed(2)} / p99 ${lag.documents.p99Ms.toFixed(2)} ms (${lag.documentStates.samples} samples${lag.failures.length ? `; failures: ${JSON.stringify(lag.failures)}` : ''})`,
    );
  }
  await Promise.all(servers.map((handle) => handle.server.stop()));
  const runs = Object.fromEntries(
    Object.entries(handles).map(([key, handle]) => [key, pool(handle.rounds)]),
  );
  const { baseline, storeless, gateway } = runs;
  const roundRatios = (handle) =>
    handle.rounds.map(
      (r, i) => r.requestsPerSecond.mean / handles.baseline.rounds[i].requestsPerSecond.mean,
    );
  const checkFile = (dataDir, handle) =>
    checkDurability(dataDir, handle.succeeded, handle.unanswered);
  const durability = checkFile(gatewayDataDir, handles.gateway);
  const floorDurability = checkFile(floorDataDir, handles.floor);
  const check = checkTargets(median(roundRatios(handles.gateway)), gateway);
  check.roundRatios = roundRatios(handles.gateway);
  check.floorRatio = median(roundRatios(handles.floor));
  check.overReferences = {};
  for (const [key, handle] of Object.entries(handles)) {
    if (!key.startsWith('reference')) continue;
    const over = handles.gateway.rounds.map(
      (r, i) => r.requestsPerSecond.mean / handle.rounds[i].requestsPerSecond.mean,
    );
    check.overReferences[handle.name] = { median: median(over), perRound: over };
    console.log(
      `gateway / ${handle.name}, per round: ${over.map((x) => x.toFixed(3)).join(' ')}; median ${median(over).toFixed(3)}`,
    );
  }
  const table = formatTable({ config, machine, runs, check, durability, floorDurability });
  console.log(table);

  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  // Colons are legal on Linux but not on every filesystem a results folder gets copied to.
  const file = join(resultsDir, `${timestamp.replace(/:/g, '-')}-write-path.json`);
  const report = { benchmark: 'write-path', timestamp, machine, config, targets };
  Object.assign(report, {
    ...runs,
    rounds: Object.fromEntries(
      servers.map((handle) => [
        handle.name,
        handle.rounds.map(({ latencies, failures, ...round }) => round),
      ]),
    ),
    ratio: check.throughputRatio,
    floorRatio: check.floorRatio,
    storelessRatio: storeless.requestsPerSecond.mean / baseline.requestsPerSecond.mean,
    check,
    durability,
    floorDurability,
    projectionLagUnderLoad: lagUnderLoad,
  });
  report.warnings = warnings({ config, machine, runs });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results: ${relative(process.cwd(), file)}`);
  if (process.env.BENCH_PROFILE) {
    // Beside each profile, its measured rounds: what profile-summary.mjs counts.
    for (const [key, label] of Object.entries(profiled)) {
      const handle = handles[key];
      const windows = {
        server: handle.name,
        responses: handle.rounds.reduce((n, r) => n + r.responses, 0),
        windows: handle.rounds.map((r) => r.window),
      };
      writeFileSync(`${profileFile(label)}.windows.json`, `${JSON.stringify(windows)}\n`);
      console.log(`CPU profile: ${relative(process.cwd(), profileFile(label))}`);
    }
  }
  // Missing a target is a measurement; losing an acknowledged write is a bug.
  if (!durability.ok || !floorDurability.ok) process.exitCode = 1;
};

try {
  await main();
} catch (error) {
  console.error(`\nBENCHMARK FAILED: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
