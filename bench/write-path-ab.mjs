/**
 * Two builds' write paths compared at the same moment: both gateways run at once on core 0,
 * each under its own load of ~1 KB purchase orders (the load generator on core 1), and each
 * one's CPU per answered request is read from /proc. The VM's speed drifts by a tenth or more
 * between the turns of `bench/run.mjs`; here both builds share every moment of the drift, so
 * their ratio is steady to a few percent, enough to tell a change of 3 % (a bisection, a
 * feature switched off).
 *
 *   node bench/write-path-ab.mjs <checkout A> <checkout B>     (each with a built dist/)
 *
 * | env | default | |
 * |---|---|---|
 * | BENCH_ROUNDS | 5 | measured rounds; the figure is the median of the rounds' ratios |
 * | BENCH_DURATION | 4 | seconds per round |
 * | BENCH_CONNECTIONS | 25 | connections per gateway |
 * | BENCH_WARMUP | 5 | warm-up seconds (not measured), both at once |
 *
 * The gateways run as `bench/run.mjs` runs its own: a fresh data dir, `LOG_LEVEL=warn`, no
 * cloud-ERP sandbox, projectors separate. Results: bench/results/<time>-write-path-ab.json.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContracts } from '../dist/src/http/contracts.js';
import { purchaseOrderFactory, runLoad } from './lib/load.mjs';
import { canPin, cpuSeconds, freePort, pinSelf, startServer, stopAll } from './lib/processes.mjs';
import { machineInfo } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const checkouts = process.argv.slice(2).map((path) => resolve(path));
if (checkouts.length !== 2) {
  console.error('usage: node bench/write-path-ab.mjs <checkout A> <checkout B>');
  process.exit(2);
}
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const duration = Number(process.env.BENCH_DURATION ?? 4);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 25);
const warmup = Number(process.env.BENCH_WARMUP ?? 5);
const pinned = canPin();
if (pinned) pinSelf(1);

const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('COEXIST_')),
);
const tempDir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-ab-'));
const example = loadContracts().get(
  'https://coexist.dev/contracts/http/v1/purchase-order-submit.json',
).examples[0];
const factory = purchaseOrderFactory(example, 1024);

/** The built CLI of a checkout (builds before the read side had no dist/src/). */
const cliOf = (checkout) => {
  const cli = ['dist/src/cli/main.js', 'dist/cli/main.js']
    .map((path) => join(checkout, path))
    .find((path) => existsSync(path));
  if (!cli) throw new Error(`no built CLI in ${checkout}/dist (npm run build there first)`);
  return cli;
};

const start = async (checkout, i) => {
  const cli = cliOf(checkout);
  const dataDir = join(tempDir, `gateway-${i}`);
  const keys = spawnSync(
    process.execPath,
    [
      cli,
      'keys',
      'create',
      '--client',
      'bench',
      '--roles',
      'writer',
      '--rate-limit',
      '100000000',
      '--data-dir',
      dataDir,
    ],
    { encoding: 'utf8', env: childEnv },
  );
  const apiKey = /^\s+(cx_\S+)\s*$/m.exec(keys.stdout ?? '')?.[1];
  if (!apiKey) throw new Error(`keys create failed in ${checkout}:\n${keys.stdout}${keys.stderr}`);
  const server = await startServer({
    name: checkout,
    args: [cli, 'start', '--data-dir', dataDir, '--port', String(await freePort())],
    env: {
      ...childEnv,
      LOG_LEVEL: 'warn',
      COEXIST_CLOUD_ERP_SANDBOX: 'off',
      COEXIST_PROJECTORS: 'separate',
    },
    ...(pinned ? { core: 0 } : {}),
  });
  const load = {
    url: server.url,
    apiKey,
    factory,
    sequence: { next: 0 },
    runId: `${Date.now().toString(36)}${i}`,
  };
  return { checkout, server, load };
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const gateways = [await start(checkouts[0], 0), await start(checkouts[1], 1)];
  console.log(
    `Write path A/B: both gateways at once${pinned ? ' on core 0' : ' (unpinned)'}, ${connections} connections each, ${rounds} rounds of ${duration} s`,
  );
  await Promise.all(
    gateways.map(({ load }) => runLoad({ ...load, duration: warmup, connections })),
  );
  const perRound = [];
  for (let round = 1; round <= rounds; round++) {
    const before = gateways.map(({ server }) => cpuSeconds(server.pid));
    const runs = await Promise.all(
      gateways.map(({ load }) => runLoad({ ...load, duration, connections })),
    );
    const micros = gateways.map(({ server }, i) => {
      const answered = runs[i].statusCounts[202] ?? 0;
      if (answered !== runs[i].responses) {
        throw new Error(`${gateways[i].checkout}: ${JSON.stringify(runs[i].statusCounts)}`);
      }
      return ((cpuSeconds(server.pid) - before[i]) * 1e6) / answered;
    });
    perRound.push({ microsPerRequest: micros, responses: runs.map((r) => r.responses) });
    console.log(
      `  round ${round}: A ${micros[0].toFixed(0)} µs/request, B ${micros[1].toFixed(0)} µs/request, A/B ${(micros[0] / micros[1]).toFixed(3)}`,
    );
  }
  const ratio = median(perRound.map((r) => r.microsPerRequest[0] / r.microsPerRequest[1]));
  console.log(`A/B, CPU per request (median of rounds): ${ratio.toFixed(3)}`);
  console.log(`  A = ${checkouts[0]}\n  B = ${checkouts[1]}`);
  const timestamp = new Date().toISOString();
  const results = join(root, 'bench/results');
  mkdirSync(results, { recursive: true });
  const file = join(results, `${timestamp.replace(/:/g, '-')}-write-path-ab.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        benchmark: 'write-path-ab',
        timestamp,
        machine: machineInfo(tempDir),
        config: { rounds, duration, connections, pinned, checkouts },
        results: { ratioCpuPerRequest: ratio, rounds: perRound },
      },
      null,
      1,
    )}\n`,
  );
  console.log(`  results: ${file}`);
} finally {
  await stopAll();
  rmSync(tempDir, { recursive: true, force: true });
}
