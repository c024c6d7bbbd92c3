import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DocumentRef } from '../../src/domain/documents.js';
import { createAjv, loadContracts } from '../../src/http/contracts.js';
import { bucketOf, compileRuleSet, evaluate } from '../../src/routing/evaluator.js';
import type { ParentRoute, RoutingInput } from '../../src/routing/route.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import type { RuleSet } from '../../src/routing/ruleSet.js';
import { createRuleSetValidator, parseRuleSetText } from '../../src/routing/validate.js';

const validate = createRuleSetValidator(createAjv(loadContracts().values()));
const po = (
  company: string,
  poNumber: string,
  site = 'DAL1',
): { document: DocumentRef; company: string; site: string } => ({
  document: { type: 'purchaseOrder', key: { company, poNumber } },
  company,
  site,
});

const load = (file: string): RuleSet => {
  const parsed = parseRuleSetText(
    readFileSync(new URL(`../../routing-rules/${file}`, import.meta.url), 'utf8'),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.violations));
  const checked = validate(parsed.data);
  if (!checked.ok) throw new Error(JSON.stringify(checked.violations));
  return checked.ruleSet;
};

describe('rule evaluation', () => {
  const phase1 = compileRuleSet(load('phase-1-finance-first.yaml'), 2);

  it('takes the first matching rule, in order, and says why', () => {
    const journal = evaluate(phase1, {
      document: { type: 'journalEntry', key: { company: 'ACME-US', entryNumber: 'JE-1' } },
      company: 'ACME-US',
    });
    expect(journal?.rule.id).toBe('acme-us-gl-cloud');
    expect(journal?.explanation).toMatch(
      /Rule acme-us-gl-cloud \(#1 of 4\) matched: document type journalEntry, company ACME-US/,
    );
    expect(evaluate(phase1, po('ACME-US', 'P-1', 'DAL1'))?.rule.id).toBe('dal1-purchasing-dual');
    expect(evaluate(phase1, po('ACME-US', 'P-1', 'HOU2'))?.rule.id).toBe('default-legacy');
    const eu = evaluate(phase1, {
      document: { type: 'journalEntry', key: { company: 'ACME-EU', entryNumber: 'JE-1' } },
      company: 'ACME-EU',
    });
    expect(eu?.rule.id).toBe('default-legacy');
  });

  it('prefers an earlier rule even when a later one is more specific', () => {
    const set: RuleSet = {
      name: 'order',
      rules: [
        { id: 'all-pos-cloud', match: { documentTypes: ['purchaseOrder'] }, target: 'cloud' },
        {
          id: 'dal1-legacy',
          match: { documentTypes: ['purchaseOrder'], sites: ['DAL1'] },
          target: 'legacy',
        },
        { id: 'default', match: {}, target: 'legacy' },
      ],
    };
    expect(evaluate(compileRuleSet(set, 1), po('ACME-US', 'X'))?.rule.id).toBe('all-pos-cloud');
  });

  it('ignores a rule before its effectiveFrom', () => {
    const set: RuleSet = {
      name: 'timed',
      rules: [
        { id: 'later', match: {}, target: 'cloud', effectiveFrom: '2027-01-01T00:00:00Z' },
        { id: 'default', match: {}, target: 'legacy' },
      ],
    };
    const compiled = compileRuleSet(set, 1);
    expect(evaluate(compiled, po('A', '1'), new Date('2026-12-31T23:59:59Z'))?.rule.id).toBe(
      'default',
    );
    expect(evaluate(compiled, po('A', '1'), new Date('2027-01-01T00:00:00Z'))?.rule.id).toBe(
      'later',
    );
  });
});

describe('percent buckets', () => {
  it('puts the same document in the same bucket, in any process', () => {
    // Fixed values: a change of hash would silently move documents between ERPs.
    expect(
      bucketOf({ type: 'purchaseOrder', key: { company: 'ACME-EU', poNumber: '4500012345' } }),
    ).toBe(
      bucketOf({ type: 'purchaseOrder', key: { poNumber: '4500012345', company: 'ACME-EU' } }),
    );
    expect(
      bucketOf({ type: 'purchaseOrder', key: { company: 'ACME-EU', poNumber: '4500012345' } }),
    ).toBe(5156);
  });

  it('routes 5 % (±1.5 points) of 10,000 purchase orders to a 5 % canary, and keeps them at 10 %', () => {
    const rules = (percent: number): RuleSet => ({
      name: 'canary',
      rules: [
        { id: 'canary', match: { companies: ['ACME-EU'], percent }, target: 'cloud' },
        { id: 'default', match: {}, target: 'legacy' },
      ],
    });
    const five = compileRuleSet(rules(5), 1);
    const ten = compileRuleSet(rules(10), 2);
    let inFive = 0;
    let keptAtTen = 0;
    for (let i = 0; i < 10_000; i++) {
      const input = po('ACME-EU', `45000${i}`);
      if (evaluate(five, input)?.rule.id === 'canary') {
        inFive++;
        if (evaluate(ten, input)?.rule.id === 'canary') keptAtTen++;
      }
    }
    expect(Math.abs(inFive / 100 - 5)).toBeLessThanOrEqual(1.5);
    expect(keptAtTen).toBe(inFive);
  });
});

describe('rule-set validation', () => {
  it('accepts the shipped example rule sets', () => {
    expect(load('phase-0-all-legacy.yaml').rules).toHaveLength(1);
    expect(load('phase-1-finance-first.yaml').rules).toHaveLength(4);
  });

  it('names the rule and the field of every error', () => {
    const result = validate({
      name: 'broken',
      rules: [
        { id: 'eu-canary', match: { companies: ['ACME-EU'], percent: 150 }, target: 'azure' },
        { id: 'eu-canary', match: {}, target: { dual: { primary: 'cloud', shadow: 'cloud' } } },
      ],
    });
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.violations.map((v) => `${v.ruleId} ${v.pointer}`);
    expect(messages).toEqual(
      expect.arrayContaining(['eu-canary /rules/0/match/percent', 'eu-canary /rules/0/target']),
    );
  });

  it('requires a default rule at the end, and reports rules a catch-all hides', () => {
    const noDefault = validate({
      name: 'x',
      rules: [{ id: 'a', match: { companies: ['A'] }, target: 'cloud' }],
    });
    expect(noDefault.ok ? [] : noDefault.violations.map((v) => v.message)).toEqual([
      expect.stringMatching(/last rule must be a default/),
    ]);
    const hidden = validate({
      name: 'x',
      rules: [
        { id: 'everything', match: {}, target: 'cloud' },
        { id: 'never', match: { companies: ['A'] }, target: 'legacy' },
        { id: 'default', match: {}, target: 'legacy' },
      ],
    });
    expect(hidden.ok ? [] : hidden.violations.map((v) => v.ruleId)).toContain('everything');
  });

  it('reports where YAML is broken', () => {
    const parsed = parseRuleSetText('name: x\nrules: [\n  - id: a');
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.violations[0]?.message).toMatch(/Not valid YAML \(line \d+/);
  });
});

describe('recorded decisions', () => {
  // Decisions are recorded in ownership events and answered to clients: their words and key
  // order are part of the contract, whatever the evaluator does to reach them.
  const set = load('phase-1-finance-first.yaml');
  set.rules.splice(3, 0, {
    id: 'eu-all-100',
    match: { companies: ['ACME-EU'], percent: 100 },
    target: 'legacy',
  });
  const compiled = compileRuleSet(set, 2);
  const router = ruleSetRouter({ compiledInForceAt: () => compiled }, 'legacy');
  const at = new Date('2027-02-01T00:00:00Z');
  const decide = (input: RoutingInput, parents: ParentRoute[] | null = null) =>
    JSON.stringify(router.decide(input, parents, at));

  it('names the values each condition looked at, the bucket and the target', () => {
    expect(decide(po('ACME-US', 'P-1', 'DAL1'))).toBe(
      '{"owner":"dual","primary":"legacy","shadow":"cloud","ruleId":"dal1-purchasing-dual","ruleSetVersion":2,"basis":"rule","reason":"Rule dal1-purchasing-dual (#2 of 5) matched: document type purchaseOrder, company ACME-US, site DAL1. Target: dual (primary legacy, shadow cloud)."}',
    );
    expect(decide(po('ACME-US', 'P-1', 'HOU2'))).toBe(
      '{"owner":"legacy","primary":"legacy","ruleId":"default-legacy","ruleSetVersion":2,"basis":"rule","reason":"Rule default-legacy (#5 of 5) matched: default rule (matches every document). Target: legacy."}',
    );
    expect(decide(po('ACME-EU', '450004'))).toBe(
      '{"owner":"cloud","primary":"cloud","ruleId":"acme-eu-po-canary","ruleSetVersion":2,"basis":"rule","reason":"Rule acme-eu-po-canary (#3 of 5) matched: document type purchaseOrder, company ACME-EU, bucket 85 < 500 (5 %). Target: cloud."}',
    );
    // A 100 % rule reports the bucket an earlier canary computed on the way.
    expect(evaluate(compiled, po('ACME-EU', '4500012346'), at)).toEqual({
      rule: set.rules[3],
      ruleIndex: 3,
      bucket: 7073,
      explanation:
        'Rule eu-all-100 (#4 of 5) matched: company ACME-EU, bucket 7073 < 10000 (100 %).',
    });
  });

  it('says which purchase orders were unknown when the unknownParent target decides', () => {
    const asn: RoutingInput = {
      document: { type: 'shipmentNotice', key: { supplier: 'S', asnNumber: 'A' } },
      company: 'ACME-US',
      site: 'DAL1',
    };
    const unknown = [
      { poNumber: 'X-1', route: null },
      { poNumber: 'X-2', route: null },
    ];
    expect(decide(asn, unknown)).toBe(
      '{"owner":"legacy","primary":"legacy","ruleId":"default-legacy","ruleSetVersion":2,"basis":"unknownParent","reason":"Purchase order(s) X-1, X-2 unknown to the gateway; Rule default-legacy (#5 of 5) matched: default rule (matches every document). Its unknownParent target is legacy."}',
    );
  });
});
