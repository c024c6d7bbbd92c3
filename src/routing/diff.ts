/** What a proposed rule set changes against the published one, rule by rule. */
import { canonicalJson } from '../shared/canonicalJson.js';
import type { Rule, RuleSet } from './ruleSet.js';

export interface RuleSetDiff {
  identical: boolean;
  added: string[];
  removed: string[];
  /** Rules whose match, target, unknownParent or effectiveFrom changed. */
  changed: Array<{ id: string; fields: string[] }>;
  /** Rules kept by both whose relative order changed (first match wins, so order matters). */
  reordered: string[];
  header: string[];
}

const fields: Array<keyof Rule> = [
  'match',
  'target',
  'unknownParent',
  'effectiveFrom',
  'description',
];

export const diffRuleSets = (current: RuleSet | null, proposed: RuleSet): RuleSetDiff => {
  const before = new Map((current?.rules ?? []).map((rule) => [rule.id, rule]));
  const after = new Map(proposed.rules.map((rule) => [rule.id, rule]));
  const added = proposed.rules.filter((r) => !before.has(r.id)).map((r) => r.id);
  const removed = (current?.rules ?? []).filter((r) => !after.has(r.id)).map((r) => r.id);
  const changed = proposed.rules.flatMap((rule) => {
    const old = before.get(rule.id);
    if (!old) return [];
    const differing = fields.filter((f) => canonicalJson(old[f]) !== canonicalJson(rule[f]));
    return differing.length ? [{ id: rule.id, fields: differing }] : [];
  });
  const keptBefore = (current?.rules ?? []).filter((r) => after.has(r.id)).map((r) => r.id);
  const keptAfter = proposed.rules.filter((r) => before.has(r.id)).map((r) => r.id);
  const reordered = keptAfter.filter((id, i) => keptBefore[i] !== id);
  const header = (['name', 'description', 'effectiveFrom'] as const).filter(
    (f) => (current?.[f] ?? null) !== (proposed[f] ?? null),
  );
  return {
    identical: current !== null && canonicalJson(current) === canonicalJson(proposed),
    added,
    removed,
    changed,
    reordered,
    header,
  };
};
