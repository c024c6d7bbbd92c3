/**
 * Migration rule sets: an ordered list of rules, first match wins. Authored as YAML in
 * `routing-rules/`, validated against contracts/routing-rules/v1/rule-set.json plus the
 * semantic checks below, published as a whole with a version.
 */
import type { DocumentType } from '../domain/documents.js';
import type { Erp } from './route.js';

/** Where a rule sends a document: one ERP, or both (one primary, one shadow). */
export type Target = Erp | { dual: { primary: Erp; shadow: Erp } };

/** `'*'` (or an absent field) matches anything. */
export type Selector<T extends string = string> = '*' | T[];

export interface RuleMatch {
  documentTypes?: Selector<DocumentType>;
  companies?: Selector;
  sites?: Selector;
  suppliers?: Selector;
  /** Share of documents, by a stable bucket of their business key: 5 means 5 %. */
  percent?: number;
}

export interface Rule {
  id: string;
  description?: string;
  match: RuleMatch;
  target: Target;
  /**
   * For shipment notices, receipts and invoices whose purchase order the gateway has never
   * seen (created before go-live): where they go instead of following their parent.
   */
  unknownParent?: Target;
  /** The rule is ignored before this instant. */
  effectiveFrom?: string;
}

export interface RuleSet {
  name: string;
  description?: string;
  /** The set takes effect at this instant (publishing earlier schedules it). */
  effectiveFrom?: string;
  rules: Rule[];
}

export interface RuleSetViolation {
  /** The rule at fault, when there is one. */
  ruleId?: string;
  /** JSON pointer into the rule set. */
  pointer: string;
  message: string;
}

const isWildcard = (selector: Selector | undefined): boolean =>
  selector === undefined || selector === '*';

/** A rule that matches every document: what the last rule of a set must be. */
export const isCatchAll = (rule: Rule): boolean =>
  isWildcard(rule.match.documentTypes) &&
  isWildcard(rule.match.companies) &&
  isWildcard(rule.match.sites) &&
  isWildcard(rule.match.suppliers) &&
  (rule.match.percent === undefined || rule.match.percent >= 100) &&
  rule.effectiveFrom === undefined;

/** Checks the schema cannot express: unique ids, a default rule, dual with two ERPs. */
export const semanticViolations = (ruleSet: RuleSet): RuleSetViolation[] => {
  const violations: RuleSetViolation[] = [];
  const seen = new Map<string, number>();
  const checkTarget = (target: Target, ruleId: string, pointer: string) => {
    if (typeof target === 'object' && target.dual.primary === target.dual.shadow) {
      violations.push({
        ruleId,
        pointer: `${pointer}/dual`,
        message: `Rule ${ruleId}: a dual target needs two different ERPs (primary ${target.dual.primary}, shadow ${target.dual.shadow}).`,
      });
    }
  };
  ruleSet.rules.forEach((rule, index) => {
    const at = `/rules/${index}`;
    const first = seen.get(rule.id);
    if (first !== undefined) {
      violations.push({
        ruleId: rule.id,
        pointer: `${at}/id`,
        message: `Rule id ${rule.id} is used twice (rules ${first + 1} and ${index + 1}).`,
      });
    }
    seen.set(rule.id, index);
    checkTarget(rule.target, rule.id, `${at}/target`);
    if (rule.unknownParent) checkTarget(rule.unknownParent, rule.id, `${at}/unknownParent`);
    if (isCatchAll(rule) && index < ruleSet.rules.length - 1) {
      const shadowed = ruleSet.rules.slice(index + 1).map((r) => r.id);
      violations.push({
        ruleId: rule.id,
        pointer: at,
        message: `Rule ${rule.id} matches every document, so the rules after it never match: ${shadowed.join(', ')}.`,
      });
    }
  });
  const last = ruleSet.rules.at(-1);
  if (!last || !isCatchAll(last)) {
    violations.push({
      ruleId: last?.id,
      pointer: '/rules',
      message:
        'The last rule must be a default that matches every document (no match conditions, no percent, no effectiveFrom), so that every document has an owner.',
    });
  }
  return violations;
};

export const describeTarget = (target: Target): string =>
  typeof target === 'string'
    ? target
    : `dual (primary ${target.dual.primary}, shadow ${target.dual.shadow})`;
