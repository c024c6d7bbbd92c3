/**
 * How fast a rule set published through one gateway instance is in force on another, on the
 * embedded store: two store instances on one file (each polls for the other's commits, as two
 * processes do), instance A publishes, instance B's registries are watched until they show it.
 *
 *   baseline  the previous mechanism, kept here for the comparison: each registry re-read its
 *             own stream every second (shared/streamFollower.ts before the consumers issue)
 *   consumer  today's: the registries share one consumer on the log (src/registries/)
 *
 * BENCH_PUBLISHES (default 20) publishes each, at random moments. Results:
 * bench/results/<time>-registry-propagation.json. Usage: npm run build && node bench/registry-propagation.mjs
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { startRegistries } from '../dist/src/registries/registries.js';
import { machineInfo } from './lib/report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const publishes = Number(process.env.BENCH_PUBLISHES ?? 20);
const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'coexist-propagation-'));
const file = join(dir, 'events.sqlite');

const ruleSet = (name) => ({
  name,
  rules: [{ id: 'all-legacy', match: {}, target: 'legacy' }],
});

/** The previous mechanism: read the stream from the last revision seen, every second. */
const pollingFollower = (store, streamName) => {
  let next = 0n;
  let latest = null;
  const refresh = async () => {
    for (const event of await store.readStream(streamName, { fromRevision: next })) {
      if (event.type === 'RoutingRuleSetPublished') latest = event.data.version;
      next = event.revision + 1n;
    }
  };
  const timer = setInterval(() => void refresh(), 1_000);
  return { latest: () => latest, ready: refresh(), stop: () => clearInterval(timer) };
};

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const summary = (ms) => ({
  meanMs: Math.round(ms.reduce((a, b) => a + b, 0) / ms.length),
  p50Ms: Math.round(percentile(ms, 50)),
  maxMs: Math.round(Math.max(...ms)),
});

try {
  const writer = getSqliteEventStore({ file });
  const publisher = await startRegistries(writer);
  const reader = getSqliteEventStore({ file });
  const followed = await startRegistries(reader);
  const polling = pollingFollower(reader, 'coexist-routing-rules');
  await polling.ready;
  const measured = { baseline: [], consumer: [] };
  for (let i = 1; i <= publishes; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1_000));
    const started = performance.now();
    const { version } = await publisher.rules.publish(ruleSet(`Set ${i}`), {
      author: 'bench',
      reason: 'propagation',
    });
    const pending = new Set(['baseline', 'consumer']);
    while (pending.size > 0) {
      if (pending.has('consumer') && followed.rules.latest()?.version === version.version) {
        measured.consumer.push(performance.now() - started);
        pending.delete('consumer');
      }
      if (pending.has('baseline') && polling.latest() === version.version) {
        measured.baseline.push(performance.now() - started);
        pending.delete('baseline');
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    process.stdout.write(`\r  ${i} / ${publishes} publishes`);
  }
  polling.stop();
  await followed.stop();
  await publisher.stop();
  await reader.close();
  await writer.close();
  const results = { baseline: summary(measured.baseline), consumer: summary(measured.consumer) };
  console.log('\n\n  mechanism   mean ms   p50 ms   max ms');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(10)} ${String(r.meanMs).padStart(8)} ${String(r.p50Ms).padStart(8)} ${String(r.maxMs).padStart(8)}`,
    );
  }
  const ratio = results.consumer.meanMs / results.baseline.meanMs;
  console.log(`\n  consumer / baseline (mean): ${ratio.toFixed(2)}`);
  const timestamp = new Date().toISOString();
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `${timestamp.replace(/:/g, '-')}-registry-propagation.json`);
  writeFileSync(
    out,
    `${JSON.stringify({ benchmark: 'registry-propagation', timestamp, machine: machineInfo(dir), config: { publishes }, results, consumerOverBaselineMean: ratio }, null, 2)}\n`,
  );
  console.log(`  results: ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
