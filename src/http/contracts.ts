/**
 * The JSON Schema contracts in `contracts/`, loaded into one Ajv instance that validates
 * requests (every error, no type coercion: a float where a decimal string is due is an
 * error, not a silent conversion) and feeds the OpenAPI document.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ProblemViolation } from './problem.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export const contractsDir = fileURLToPath(new URL('../../contracts/', import.meta.url));

export interface JsonSchema {
  $id?: string;
  title?: string;
  description?: string;
  examples?: unknown[];
  [keyword: string]: unknown;
}

const listJsonFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listJsonFiles(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });

/** Every schema under `contracts/` by `$id` (routing-rule and event schemas included). */
export const loadContracts = (dir = contractsDir): Map<string, JsonSchema> => {
  const schemas = new Map<string, JsonSchema>();
  for (const file of listJsonFiles(dir).sort()) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
    if (!schema.$id) throw new Error(`Contract ${file} has no $id`);
    if (schemas.has(schema.$id)) throw new Error(`Duplicate contract $id ${schema.$id}`);
    schemas.set(schema.$id, schema);
  }
  return schemas;
};

export const createAjv = (schemas: Iterable<JsonSchema>): Ajv => {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    coerceTypes: false,
    useDefaults: false,
    removeAdditional: false,
  });
  addFormats(ajv);
  for (const schema of schemas) ajv.addSchema(schema);
  return ajv;
};

const escapePointerToken = (token: string): string =>
  token.replace(/~/g, '~0').replace(/\//g, '~1');

/** One Ajv error as a problem violation that points at the offending field. */
export const toViolation = (
  error: ErrorObject,
  location: ProblemViolation['in'],
): ProblemViolation => {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = String(params.missingProperty);
    return {
      pointer: `${error.instancePath}/${escapePointerToken(field)}`,
      detail: `${field} is required.`,
      in: location,
      keyword: error.keyword,
    };
  }
  if (error.keyword === 'additionalProperties') {
    const field = String(params.additionalProperty);
    return {
      pointer: `${error.instancePath}/${escapePointerToken(field)}`,
      detail: `${field} is not a known property.`,
      in: location,
      keyword: error.keyword,
    };
  }
  if (error.propertyName !== undefined) {
    // propertyNames: the fault is the field itself, e.g. a quantity on a line being cancelled.
    return {
      pointer: `${error.instancePath}/${escapePointerToken(error.propertyName)}`,
      detail: `${error.propertyName} is not allowed here.`,
      in: location,
      keyword: error.keyword,
    };
  }
  const where = error.instancePath === '' ? 'The value' : error.instancePath.split('/').at(-1);
  return {
    pointer: error.instancePath,
    detail: `${where} ${error.message ?? 'is invalid'}.`,
    in: location,
    keyword: error.keyword,
  };
};

/** Ajv reports an `if`/`then` failure twice (the inner error and the `if`); keep the inner. */
export const toViolations = (
  errors: readonly ErrorObject[],
  location: ProblemViolation['in'],
): ProblemViolation[] =>
  errors
    // The inner error names the field; the `if` and `propertyNames` wrappers repeat it.
    .filter(
      (error) =>
        error.keyword !== 'if' &&
        !(error.keyword === 'propertyNames' && error.propertyName === undefined),
    )
    .map((error) => toViolation(error, location));
