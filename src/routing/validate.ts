/**
 * Validation of a proposed rule set: the JSON Schema (every error, pointing at the rule and
 * the field), then the semantic checks. Shared by the CLI (before anything is sent) and the
 * admin API (before anything is published).
 */
import type { Ajv } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type DescribedError, describeErrors } from '../shared/contractErrors.js';
import { type RuleSet, type RuleSetViolation, semanticViolations } from './ruleSet.js';

export const ruleSetSchemaId = 'https://coexist.dev/contracts/routing-rules/v1/rule-set.json';

export type RuleSetCheck =
  | { ok: true; ruleSet: RuleSet }
  | { ok: false; violations: RuleSetViolation[] };

const ruleIdAt = (input: unknown, pointer: string): string | undefined => {
  const match = /^\/rules\/(\d+)/.exec(pointer);
  if (!match) return undefined;
  const rules = (input as { rules?: Array<{ id?: unknown }> }).rules;
  const id = rules?.[Number(match[1])]?.id;
  return typeof id === 'string' ? id : `#${Number(match[1]) + 1}`;
};

const toViolation = (input: unknown, { pointer, detail }: DescribedError): RuleSetViolation => {
  const ruleId = ruleIdAt(input, pointer);
  const message = detail.replace(/\.$/, '');
  return { ruleId, pointer, message: ruleId ? `Rule ${ruleId}: ${message}.` : `${message}.` };
};

export const createRuleSetValidator = (ajv: Ajv) => {
  const validate = ajv.getSchema(ruleSetSchemaId);
  if (!validate) throw new Error(`Rule-set schema ${ruleSetSchemaId} is not loaded`);
  return (input: unknown): RuleSetCheck => {
    if (!validate(input)) {
      const described = describeErrors(validate.errors ?? []);
      const unique = new Map(described.map((e) => [`${e.pointer}|${e.detail}`, e]));
      return { ok: false, violations: [...unique.values()].map((e) => toViolation(input, e)) };
    }
    const ruleSet = input as RuleSet;
    const violations = semanticViolations(ruleSet);
    return violations.length ? { ok: false, violations } : { ok: true, ruleSet };
  };
};

/** Parses YAML (or JSON, which is YAML) into data, or a violation saying where it broke. */
export const parseRuleSetText = (
  text: string,
): { ok: true; data: unknown } | { ok: false; violations: RuleSetViolation[] } => {
  try {
    return { ok: true, data: parseYaml(text) };
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0];
      return {
        ok: false,
        violations: [
          {
            pointer: '',
            message: `Not valid YAML${line ? ` (line ${line.line}, column ${line.col})` : ''}: ${error.message.split('\n')[0]}`,
          },
        ],
      };
    }
    throw error;
  }
};
