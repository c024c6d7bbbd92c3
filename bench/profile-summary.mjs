/**
 * Where the gateway's CPU time goes, from V8 profiles written by `BENCH_PROFILE=1 npm run
 * bench` (or any `node --cpu-prof` run):
 *
 *   node bench/profile-summary.mjs <file.cpuprofile> [top=25]
 *   node bench/profile-summary.mjs <this.cpuprofile> <reference.cpuprofile> [top=25]
 *
 * Prints self time grouped by package / source file, then the hottest functions. When the
 * bench wrote `<file>.windows.json` beside a profile (its measured rounds and how many
 * requests they answered), only samples inside those rounds count (not start-up, warm-up or
 * idle time between turns) and times are shown per request. Given two profiles, it prints
 * them side by side with the difference, largest first: where one build spends more.
 */
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const files = args.filter((arg) => arg.endsWith('.cpuprofile'));
const top = Number(args.find((arg) => !arg.endsWith('.cpuprofile')) ?? 25);
if (files.length < 1 || files.length > 2) {
  console.error(
    'usage: node bench/profile-summary.mjs <file.cpuprofile> [reference.cpuprofile] [top]',
  );
  process.exit(2);
}

/** "better-sqlite3", "src/http/app.js", "node:internal/…", or V8's (garbage collector) etc. */
const groupOf = ({ url, functionName }) => {
  if (!url) return `(${functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const dist = /\/dist\/(?:src\/)?(.+)$/.exec(url);
  if (dist) return `dist/${dist[1]}`;
  return url.startsWith('node:') ? url.replace(/^node:internal\/([^/]+).*/, 'node:$1') : url;
};

/** Self time (µs, or µs per request with windows) by group and by function. */
const summarise = (file) => {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const sidecar = `${file}.windows.json`;
  const measured = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')) : null;
  const inWindow = measured
    ? (t) => measured.windows.some((w) => t >= w.startMicros && t <= w.endMicros)
    : () => true;
  // Samples are node ids; timeDeltas the time (µs) before each; startTime V8's monotonic clock.
  const selfMicros = new Map();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (inWindow(t)) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const scale = measured ? 1 / measured.responses : 1;
  const byGroup = new Map();
  const byFunction = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    const micros = (selfMicros.get(node.id) ?? 0) * scale;
    if (!micros) continue;
    const group = groupOf(node.callFrame);
    if (group !== '(idle)') busy += micros;
    byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
    const name = `${node.callFrame.functionName || '(anonymous)'}  ${group}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  return { file, measured, busy, byGroup, byFunction };
};

const unit = (summary) => (summary.measured ? 'µs/request' : 'ms');
const show = (summary, micros) =>
  summary.measured ? micros.toFixed(2) : (micros / 1e3).toFixed(0);

const [first, second] = files.map(summarise);
for (const summary of [first, second].filter(Boolean)) {
  const where = summary.measured
    ? `${summary.measured.windows.length} measured rounds, ${summary.measured.responses} requests (${summary.measured.server})`
    : 'the whole run';
  console.log(`${summary.file}: ${where}; busy ${show(summary, summary.busy)} ${unit(summary)}`);
}

if (!second) {
  const print = (title, map) => {
    console.log(`\n${title} (${unit(first)})`);
    for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      const share = ((micros / first.busy) * 100).toFixed(1).padStart(5);
      console.log(`${share} %  ${show(first, micros).padStart(8)}  ${name}`);
    }
  };
  print('Self time by package / file', first.byGroup);
  print('Hottest functions (self time)', first.byFunction);
} else {
  const compare = (title, a, b) => {
    console.log(`\n${title} (${unit(first)}: this, reference, difference)`);
    const names = new Set([...a.keys(), ...b.keys()]);
    names.delete('(idle)');
    const rows = [...names].map((name) => [name, a.get(name) ?? 0, b.get(name) ?? 0]);
    rows.sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2]));
    for (const [name, x, y] of rows.slice(0, top)) {
      const cells = [x, y, x - y].map((v) => show(first, v).padStart(8));
      console.log(`${cells.join(' ')}  ${name}`);
    }
  };
  compare('Self time by package / file', first.byGroup, second.byGroup);
  compare('Functions (self time)', first.byFunction, second.byFunction);
}
