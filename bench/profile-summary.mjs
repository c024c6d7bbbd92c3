/**
 * Where the gateway's CPU time goes, from a V8 profile written by `BENCH_PROFILE=1 npm run
 * bench` (or any `node --cpu-prof` run):
 *
 *   node bench/profile-summary.mjs bench/results/profiles/CPU.*.cpuprofile [top=25]
 *
 * Prints self time grouped by package / source file, then the hottest functions.
 */
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: samples are node ids, timeDeltas the time (µs) before each sample.
const selfMicros = new Map();
profile.samples.forEach((id, i) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfMicros.values()].reduce((sum, v) => sum + v, 0);

/** "better-sqlite3", "src/http/app.js", "node:internal/…", or V8's (garbage collector) etc. */
const groupOf = ({ url, functionName }) => {
  if (!url) return `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `dist/${dist[1]}`;
  return url.startsWith('node:') ? url.replace(/^node:internal\/([^/]+).*/, 'node:$1') : url;
};

const byGroup = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id);
  if (!micros) continue;
  const group = groupOf(node.callFrame);
  byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
  const name = `${node.callFrame.functionName || '(anonymous)'}  ${group}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = ((micros / total) * 100).toFixed(1).padStart(5);
    console.log(`${share} %  ${(micros / 1e3).toFixed(0).padStart(7)} ms  ${name}`);
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
print('Self time by package / file', byGroup);
print('Hottest functions (self time)', byFunction);
