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

export interface CompiledRuleSet {
  ruleSet: RuleSet;
  version: number;
  rules: readonly Rule[];
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
  return { ruleSet, version, rules: ruleSet.rules, index };
};

const inputValue = (input: RoutingInput, dimension: Dimension): string | undefined => {
  switch (dimension) {
    case 'documentTypes':
      return input.document.type;
    case 'companies':
      return input.company;
    case 'sites':
      return input.site;
    case 'suppliers':
      return input.supplier;
  }
};

const describeMatch = (rule: Rule, input: RoutingInput, bucket: number | undefined): string => {
  const parts: string[] = [];
  const { match } = rule;
  if (valuesOf(match.documentTypes)) parts.push(`document type ${input.document.type}`);
  if (valuesOf(match.companies)) parts.push(`company ${input.company}`);
  if (valuesOf(match.sites)) parts.push(`site ${input.site}`);
  if (valuesOf(match.suppliers)) parts.push(`supplier ${input.supplier}`);
  if (match.percent !== undefined && bucket !== undefined) {
    parts.push(`bucket ${bucket} < ${Math.round(match.percent * 100)} (${match.percent} %)`);
  }
  return parts.length ? parts.join(', ') : 'default rule (matches every document)';
};

/** The first rule that matches, or null (impossible for a valid set: it ends with a default). */
export const evaluate = (
  compiled: CompiledRuleSet,
  input: RoutingInput,
  at: Date = new Date(),
): RuleDecision | null => {
  const words = compiled.index.documentTypes.any.words.length;
  const candidates = new Uint32Array(words).fill(0xffffffff);
  for (const dimension of dimensions) {
    const { byValue, any } = compiled.index[dimension];
    const value = inputValue(input, dimension);
    const specific = value === undefined ? undefined : byValue.get(value);
    for (let w = 0; w < words; w++) {
      candidates[w] =
        (candidates[w] as number) & ((any.words[w] as number) | (specific?.words[w] ?? 0));
    }
  }
  let bucket: number | undefined;
  for (let w = 0; w < words; w++) {
    let bits = candidates[w] as number;
    while (bits !== 0) {
      const low = bits & -bits;
      const i = w * 32 + (31 - Math.clz32(low));
      bits ^= low;
      const rule = compiled.rules[i] as Rule;
      if (rule.effectiveFrom && Date.parse(rule.effectiveFrom) > at.getTime()) continue;
      const { percent } = rule.match;
      if (percent !== undefined && percent < 100) {
        bucket ??= bucketOf(input.document);
        if (bucket >= Math.round(percent * 100)) continue;
      }
      return {
        rule,
        ruleIndex: i,
        ...(bucket === undefined ? {} : { bucket }),
        explanation: `Rule ${rule.id} (#${i + 1} of ${compiled.rules.length}) matched: ${describeMatch(rule, input, bucket)}.`,
      };
    }
  }
  return null;
};
