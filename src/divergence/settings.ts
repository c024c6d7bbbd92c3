/**
 * How each target's answers are normalised before a dual-write comparison (see
 * src/domain/divergence/compare.ts): per target, field names and codes mapped to canonical
 * ones, fields never compared, decimal scale. Defaults ignore what only names an ERP's own
 * records and workflow states; a JSON or YAML file (COEXIST_DUAL_WRITE_CONFIG) replaces them.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/config.js';
import type { NormalisationProfile } from '../domain/divergence/compare.js';

/** Profiles by target; `default` applies to targets not listed. */
export type ComparisonSettings = Record<string, NormalisationProfile>;

/**
 * Defaults for every target: the amounts of the shipped Business Central profile
 * (erp-profiles/) under the names Tryton's connector reports them, and ERP-internal facts no
 * other ERP reports the same way (record numbers, workflow states, counts) ignored.
 */
export const defaultComparisonSettings: ComparisonSettings = {
  default: {
    fields: {
      totalAmountExcludingTax: 'untaxedAmount',
      totalTaxAmount: 'taxAmount',
      totalAmountIncludingTax: 'totalAmount',
      amountExcludingTax: 'untaxedAmount',
    },
    ignore: ['state', 'status', 'shipmentState', 'number', 'moves', 'acknowledgedWarnings'],
  },
};

const nameMap = { type: 'object', additionalProperties: { type: 'string', minLength: 1 } };
const profileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fields: nameMap,
    values: { type: 'object', additionalProperties: nameMap },
    ignore: { type: 'array', items: { type: 'string', minLength: 1 } },
    scale: { type: 'integer', minimum: 0, maximum: 12 },
    lineKey: { type: 'string', minLength: 1 },
    lineMaps: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
};
const validate = new Ajv({ allErrors: true }).compile({
  type: 'object',
  additionalProperties: profileSchema,
});

export const profileOf = (settings: ComparisonSettings, target: string): NormalisationProfile =>
  settings[target] ?? settings.default ?? {};

export const readComparisonSettingsFile = (file: string): ComparisonSettings => {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  if (!validate(parsed)) {
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
    throw new ConfigError(`${file} is not a valid dual-write comparison file: ${problems}`);
  }
  return parsed as ComparisonSettings;
};
