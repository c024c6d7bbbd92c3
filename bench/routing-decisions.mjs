/**
 * Routing decisions per second with 1,000 rules: the indexed evaluator against a plain
 * first-match scan over the same rules (the baseline), measured in the same run on the same
 * inputs. Both must agree on every decision. Run by `npm run bench`, or alone:
 *   npm run build && node bench/routing-decisions.mjs
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { bucketOf, compileRuleSet, evaluate } from '../dist/src/routing/evaluator.js';

const ruleCount = 1_000;
const decisions = Number(process.env.BENCH_DECISIONS ?? 200_000);
const companies = Array.from({ length: 40 }, (_, i) => `CO-${i}`);
const sites = Array.from({ length: 60 }, (_, i) => `SITE-${i}`);
const suppliers = Array.from({ length: 400 }, (_, i) => `SUP-${i}`);
const types = [
  'purchaseOrder',
  'shipmentNotice',
  'goodsReceipt',
  'supplierInvoice',
  'journalEntry',
];
const pick = (list, i) => list[i % list.length];

// A large, realistic set: per-supplier, per-site and per-company rules, some canaries, a default.
const rules = Array.from({ length: ruleCount - 1 }, (_, i) => {
  const match = { documentTypes: [pick(types, i)] };
  if (i % 3 === 0) match.suppliers = [pick(suppliers, i * 7)];
  else if (i % 3 === 1) match.sites = [pick(sites, i * 5), pick(sites, i * 11)];
  else match.companies = [pick(companies, i * 3)];
  if (i % 10 === 0) match.percent = 5 + (i % 20);
  return { id: `rule-${i}`, match, target: i % 2 ? 'cloud' : 'legacy' };
});
rules.push({ id: 'default', match: {}, target: 'legacy' });
const ruleSet = { name: 'bench', rules };
const compiled = compileRuleSet(ruleSet, 1);

const inputs = Array.from({ length: 10_000 }, (_, i) => ({
  document: {
    type: pick(types, i * 13),
    key: { company: pick(companies, i), poNumber: `PO-${i}` },
  },
  company: pick(companies, i * 17),
  site: pick(sites, i * 19),
  supplier: pick(suppliers, i * 23),
}));

// Baseline: check every rule in order until one matches (what an unindexed evaluator does).
const accepts = (selector, value) =>
  selector === undefined || selector === '*' || (value !== undefined && selector.includes(value));
const scan = (input) => {
  let bucket; // computed once per decision, as the evaluator does
  for (const rule of rules) {
    const m = rule.match;
    if (!accepts(m.documentTypes, input.document.type) || !accepts(m.companies, input.company))
      continue;
    if (!accepts(m.sites, input.site) || !accepts(m.suppliers, input.supplier)) continue;
    if (m.percent !== undefined) {
      bucket ??= bucketOf(input.document);
      if (bucket >= Math.round(m.percent * 100)) continue;
    }
    return rule;
  }
  return null;
};

const at = new Date();
for (const input of inputs.slice(0, 2_000)) {
  const a = evaluate(compiled, input, at)?.rule.id;
  const b = scan(input, at)?.id;
  if (a !== b)
    throw new Error(`Evaluator and scan disagree on ${JSON.stringify(input)}: ${a} vs ${b}`);
}

const measure = (fn, count) => {
  for (let i = 0; i < 5_000; i++) fn(inputs[i % inputs.length], at); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(inputs[i % inputs.length], at);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    decisions: count,
    seconds,
    perSecond: count / seconds,
    microseconds: (seconds / count) * 1e6,
  };
};

const baseline = measure(scan, Math.max(2_000, Math.floor(decisions / 50)));
const indexed = measure((input, when) => evaluate(compiled, input, when), decisions);
const result = {
  benchmark: 'routing-decisions',
  at: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
  rules: ruleCount,
  indexed,
  baseline,
  ratio: indexed.perSecond / baseline.perSecond,
};

const f = (n) => Math.round(n).toLocaleString('en-US');
console.log(`Routing decisions, ${ruleCount} rules (agreement checked on 2,000 inputs)`);
console.log(
  `  indexed evaluator   ${f(indexed.perSecond).padStart(12)} decisions/s   ${indexed.microseconds.toFixed(2)} µs each`,
);
console.log(
  `  first-match scan    ${f(baseline.perSecond).padStart(12)} decisions/s   ${baseline.microseconds.toFixed(2)} µs each`,
);
console.log(`  ratio               ${result.ratio.toFixed(1)}× the scan`);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`${result.at.replace(/[:.]/g, '-')}-routing-decisions.json`, dir);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`  results: bench/results/${file.pathname.split('/').at(-1)}`);
