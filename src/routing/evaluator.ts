/**
 * The rule evaluator: pure, first match wins, explainable, and indexed so a decision over
 * 1,000 rules costs microseconds. For each match dimension (document type, company, site,
 * supplier) the compiled set holds a bitset of the rules that accept each value, plus one of
 * the rules that accept any value; a decision ANDs four bitsets and walks the set bits in
 * rule order, checking only percent and effectiveFrom on the way.
 */
import { hash } from 'node:crypto';
import type { DocumentRef } from '../domain/documents.js';
import { documentTypeInfo } from '../domain/documents.js';
import type { RoutingInput } from './route.js';
import type { Rule, RuleSet, Selector } from './ruleSet.js';

/** Buckets per 100 %: percentages may have two decimals (0.25 % canaries). */
export const bucketCount = 10_000;

/**
 * A document's stable bucket in [0, 10000): a hash of its type and business key, so the same
 * purchase order lands in the same bucket in every process, on every restart, under every
 * rule set (growing a canary from 5 % to 10 % keeps the first 5 % where they were).
 */
export const bucketOf = (ref: DocumentRef): number => {
  const [a, b] = documentTypeInfo[ref.type].keyFields;
  const digest = hash(
    'sha256',
    `${ref.type}\u0000${ref.key[a] ?? ''}\u0000${ref.key[b] ?? ''}`,
    'buffer',
  );
  return digest.readUInt32BE(0) % bucketCount;
};

type Dimension = 'documentTypes' | 'companies' | 'sites' | 'suppliers';
const dimensions: Dimension[] = ['documentTypes', 'companies', 'sites', 'suppliers'];

class Bitset {
  readonly words: Uint32Array;
  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }
  set(index: number): void {
    this.words[index >>> 5] = (this.words[index >>> 5] ?? 0) | (1 << (index & 31));
  }
}

interface DimensionIndex {
  byValue: Map<string, Bitset>;
  any: Bitset;
}

/**
 * What a decision needs of a rule besides its match bits, worked out once per rule set so a
 * decision only joins the parts that depend on the document.
 */
export interface CompiledRule {
  rule: Rule;
  /** `rule.effectiveFrom` in epoch ms (NaN, like Date.parse, if unparseable). */
  effectiveFrom: number | undefined;
  /** Buckets below this are in the rule's share; undefined when it takes every document. */
  bucketLimit: number | undefined;
  /** `Rule <id> (#<n> of <count>) matched: ` */
  prefix: string;
  /** Which dimensions the rule names, so its explanation names the document's values. */
  documentTypes: boolean;
  companies: boolean;
  sites: boolean;
  suppliers: boolean;
  /** ` < 500 (5 %)`, after `bucket <b>`, when the rule has a percent. */
  percentText: string | undefined;
  /** The whole explanation when it depends on nothing but the rule. */
  fixedExplanation: string | undefined;
}

export interface CompiledRuleSet {
  ruleSet: RuleSet;
  version: number;
  rules: readonly Rule[];
  compiledRules: readonly CompiledRule[];
  index: Record<Dimension, DimensionIndex>;
}

export interface RuleDecision {
  rule: Rule;
  /** 0-based position of the rule in the set. */
  ruleIndex: number;
  /** The document's bucket, when a percent rule was considered. */
  bucket?: number;
  /** Why this rule, in words. */
  explanation: string;
}

const valuesOf = (selector: Selector | undefined): string[] | null =>
  selector === undefined || selector === '*' ? null : selector;

const defaultRuleText = 'default rule (matches every document)';

const compileRule = (rule: Rule, i: number, count: number): CompiledRule => {
  const { match } = rule;
  const { percent } = match;
  const prefix = `Rule ${rule.id} (#${i + 1} of ${count}) matched: `;
  const documentTypes = valuesOf(match.documentTypes) !== null;
  const companies = valuesOf(match.companies) !== null;
  const sites = valuesOf(match.sites) !== null;
  const suppliers = valuesOf(match.suppliers) !== null;
  const general = !documentTypes && !companies && !sites && !suppliers && percent === undefined;
  return {
    rule,
    effectiveFrom: rule.effectiveFrom ? Date.parse(rule.effectiveFrom) : undefined,
    bucketLimit: percent !== undefined && percent < 100 ? Math.round(percent * 100) : undefined,
    prefix,
    documentTypes,
    companies,
    sites,
    suppliers,
    percentText:
      percent === undefined ? undefined : ` < ${Math.round(percent * 100)} (${percent} %)`,
    fixedExplanation: general ? `${prefix}${defaultRuleText}.` : undefined,
  };
};

export const compileRuleSet = (ruleSet: RuleSet, version: number): CompiledRuleSet => {
  const size = ruleSet.rules.length;
  const index = {} as Record<Dimension, DimensionIndex>;
  for (const dimension of dimensions) {
    const entry: DimensionIndex = { byValue: new Map(), any: new Bitset(size) };
    ruleSet.rules.forEach((rule, i) => {
      const values = valuesOf(rule.match[dimension]);
      if (values === null) {
        entry.any.set(i);
        return;
      }
      for (const value of values) {
        let bits = entry.byValue.get(value);
        if (!bits) {
          bits = new Bitset(size);
          entry.byValue.set(value, bits);
        }
        bits.set(i);
      }
    });
    index[dimension] = entry;
  }
  return {
    ruleSet,
    version,
    rules: ruleSet.rules,
    compiledRules: ruleSet.rules.map((rule, i) => compileRule(rule, i, size)),
    index,
  };
};

/** Why the rule matched the document: its prefix, then the values its conditions looked at. */
export const explain = (
  compiled: CompiledRule,
  input: RoutingInput,
  bucket: number | undefined,
): string => {
  if (compiled.fixedExplanation !== undefined) return compiled.fixedExplanation;
  let parts = '';
  if (compiled.documentTypes) parts = `document type ${input.document.type}`;
  if (compiled.companies) parts += `${parts ? ', ' : ''}company ${input.company}`;
  if (compiled.sites) parts += `${parts ? ', ' : ''}site ${input.site}`;
  if (compiled.suppliers) parts += `${parts ? ', ' : ''}supplier ${input.supplier}`;
  if (compiled.percentText !== undefined && bucket !== undefined) {
    parts += `${parts ? ', ' : ''}bucket ${bucket}${compiled.percentText}`;
  }
  return `${compiled.prefix}${parts || defaultRuleText}.`;
};

/** The first matching rule's position and the bucket computed on the way, if any. */
export interface RuleMatch {
  ruleIndex: number;
  bucket: number | undefined;
}

const none = new Uint32Array(0);
const wordsOf = (index: DimensionIndex, value: string | undefined): Uint32Array =>
  (value === undefined ? undefined : index.byValue.get(value)?.words) ?? none;

/**
 * The first rule that matches, or null (impossible for a valid set: it ends with a default).
 * Word by word in rule order, so a match in the first 32 rules never looks at the rest.
 */
export const firstMatch = (
  compiled: CompiledRuleSet,
  input: RoutingInput,
  at: Date,
): RuleMatch | null => {
  const { index, compiledRules } = compiled;
  const documentTypes = wordsOf(index.documentTypes, input.document.type);
  const companies = wordsOf(index.companies, input.company);
  const sites = wordsOf(index.sites, input.site);
  const suppliers = wordsOf(index.suppliers, input.supplier);
  const now = at.getTime();
  const words = index.documentTypes.any.words.length;
  let bucket: number | undefined;
  for (let w = 0; w < words; w++) {
    let bits =
      ((index.documentTypes.any.words[w] as number) | (documentTypes[w] ?? 0)) &
      ((index.companies.any.words[w] as number) | (companies[w] ?? 0)) &
      ((index.sites.any.words[w] as number) | (sites[w] ?? 0)) &
      ((index.suppliers.any.words[w] as number) | (suppliers[w] ?? 0));
    while (bits !== 0) {
      const low = bits & -bits;
      const i = w * 32 + (31 - Math.clz32(low));
      bits ^= low;
      const rule = compiledRules[i] as CompiledRule;
      if (rule.effectiveFrom !== undefined && rule.effectiveFrom > now) continue;
      if (rule.bucketLimit !== undefined) {
        bucket ??= bucketOf(input.document);
        if (bucket >= rule.bucketLimit) continue;
      }
      return { ruleIndex: i, bucket };
    }
  }
  return null;
};

/** The first rule that matches, or null (impossible for a valid set: it ends with a default). */
export const evaluate = (
  compiled: CompiledRuleSet,
  input: RoutingInput,
  at: Date = new Date(),
): RuleDecision | null => {
  const found = firstMatch(compiled, input, at);
  if (!found) return null;
  const { ruleIndex, bucket } = found;
  const rule = compiled.compiledRules[ruleIndex] as CompiledRule;
  const explanation = explain(rule, input, bucket);
  return bucket === undefined
    ? { rule: rule.rule, ruleIndex, explanation }
    : { rule: rule.rule, ruleIndex, bucket, explanation };
};
