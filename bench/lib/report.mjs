/** Machine description, the printed table, and the target checks of the write-path benchmark. */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Targets from the issue: the gateway keeps half the bare-validation throughput, p99 < 25 ms. */
export const targets = { minThroughputRatio: 0.5, maxP99Ms: 25 };

const run = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: root });
  return result.status === 0 ? result.stdout.trim() : null;
};

export const machineInfo = (dataDir) => ({
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  // fsync on tmpfs is free: a result measured there says nothing about durable writes.
  dataDirFilesystem: run('stat', ['-f', '-c', '%T', dataDir]) ?? 'unknown',
  gitCommit: run('git', ['rev-parse', '--short', 'HEAD']),
  gitDirty: (run('git', ['status', '--porcelain']) ?? '').length > 0,
});

/** `ratio`: the gateway's req/s over the baseline's (run.mjs: the median of per-round ratios). */
export const checkTargets = (ratio, gateway) => {
  return {
    throughputRatio: ratio,
    throughputPass: ratio >= targets.minThroughputRatio,
    p99Ms: gateway.latencyMs.p99,
    p99Pass: gateway.latencyMs.p99 < targets.maxP99Ms,
  };
};

const int = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => n.toFixed(2);
const pct = (n) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)} %` : 'n/a');

/** Conditions under which the figures should not be trusted as they stand. */
export const warnings = ({ config, machine, runs }) => {
  const found = [];
  if (!config.pinned) found.push('servers and load generator were not pinned to separate cores.');
  if (machine.dataDirFilesystem === 'tmpfs') {
    found.push('the data dir is on tmpfs: fsync costs nothing there; set BENCH_TMPDIR to a disk.');
  }
  for (const [name, run] of Object.entries(runs)) {
    if (!run) continue;
    const other = run.otherCpuMaxRound ?? run.otherCpu;
    if (other > 0.15) {
      found.push(
        `other processes used up to ${pct(other)} of a core during the ${name} runs: ` +
          'its figures are disturbed; rerun on an idle machine.',
      );
    }
    if (run.loadGeneratorCpu > 0.9) {
      found.push(
        `the load generator was ${pct(run.loadGeneratorCpu)} busy during the ${name} run: ` +
          'it may be the bottleneck (the server could do more than measured).',
      );
    }
  }
  return found;
};

/** Column headings of the four servers, in `runs` order. */
const headings = {
  baseline: 'baseline',
  floor: 'durable floor',
  floorGatewayAppend: "floor, gateway's append",
  storeless: 'gateway, no store',
  gateway: 'gateway',
  reference: 'gateway, reference build',
};

/**
 * The human-readable summary (returned as a string so run.mjs decides where it goes).
 * `runs`: baseline, floor (durable-floor-server.mjs: the baseline plus one durable append,
 * the most any durable write path reaches on this store), storeless (the gateway with its
 * document appends acknowledged unwritten: the most any event store lets the gateway reach)
 * and gateway.
 */
export const formatTable = ({ config, machine, runs, check, durability, floorDurability }) => {
  const { baseline, floor, storeless, gateway } = runs;
  const each = (format) => Object.values(runs).map(format);
  const ratio = (run) => run.requestsPerSecond.mean / baseline.requestsPerSecond.mean;
  const rows = [
    ['', ...Object.keys(runs).map((key) => headings[key] ?? key), 'gateway/baseline'],
    [
      'req/s (mean)',
      ...each((r) => int(r.requestsPerSecond.mean)),
      `${(check.throughputRatio * 100).toFixed(1)} %`,
    ],
    ['  of baseline', ...each((r) => pct(ratio(r))), 'median of rounds'],
    [
      '  per round',
      ...each(() => ''),
      (check.roundRatios ?? []).map((r) => `${(r * 100).toFixed(1)}`).join(' / '),
    ],
    ['server CPU µs / request', ...each((r) => int(r.serverCpuMicrosPerRequest)), ''],
    ['latency p50 (ms)', ...each((r) => ms(r.latencyMs.p50)), ''],
    ['latency p99 (ms)', ...each((r) => ms(r.latencyMs.p99)), ''],
    ['latency p99.9 (ms)', ...each((r) => ms(r.latencyMs.p99_9)), ''],
    ['latency max (ms)', ...each((r) => ms(r.latencyMs.max)), ''],
    ['responses', ...each((r) => int(r.responses)), ''],
    ['non-2xx', ...each((r) => int(r.non2xx)), ''],
    ['errors (timeouts)', ...each((r) => `${r.errors} (${r.timeouts})`), ''],
    ['server CPU, core 0', ...each((r) => pct(r.serverCpu)), ''],
    ['load-gen CPU, core 1', ...each((r) => pct(r.loadGeneratorCpu)), ''],
    ['other processes CPU', ...each((r) => pct(r.otherCpu)), ''],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ');
  const mark = (pass) => (pass ? 'PASS' : 'MISS');
  return [
    '',
    `Write path: POST /v1/purchase-orders, ${config.bodyBytes} B bodies (${config.bodyLines} lines), ` +
      `${config.connections} connections, pipelining 1, ${config.warmupSeconds} s warm-up, then ` +
      `${config.rounds} rounds of ${config.durationSeconds} s per server, taken in turns`,
    `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; data dir on ` +
      `${machine.dataDirFilesystem}; ` +
      (config.pinned
        ? 'servers pinned to core 0, load generator to core 1'
        : 'NOT PINNED (taskset unavailable or < 2 cores): servers and load generator share CPUs'),
    '',
    line(rows[0]),
    line(rows[0].map((_, i) => '-'.repeat(widths[i]))),
    ...rows.slice(1).map(line),
    '',
    `${mark(check.throughputPass)}  gateway throughput >= ${targets.minThroughputRatio * 100} % of baseline ` +
      `(${(check.throughputRatio * 100).toFixed(1)} %)`,
    `${mark(check.p99Pass)}  gateway p99 < ${targets.maxP99Ms} ms (${ms(check.p99Ms)} ms)`,
    `INFO  the durable floor (validate + one durable append, nothing else) reaches ` +
      `${(check.floorRatio * 100).toFixed(1)} % of baseline (median of rounds): the ceiling for ` +
      'any durable write path on this store; the gateway reaches ' +
      `${pct(gateway.requestsPerSecond.mean / floor.requestsPerSecond.mean)} of it`,
    `INFO  without its store the gateway reaches ${pct(ratio(storeless))} of baseline: ` +
      'the ceiling for any event store under this HTTP path',
    `${durability.ok ? 'OK  ' : 'FAIL'}  durability, gateway: ${durability.message}`,
    `${floorDurability.ok ? 'OK  ' : 'FAIL'}  durability, durable floor: ${floorDurability.message}`,
    ...warnings({ config, machine, runs }).map((w) => `WARNING: ${w}`),
    '',
  ].join('\n');
};
