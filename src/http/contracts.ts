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
import { describeErrors } from '../shared/contractErrors.js';
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
    // The failing schema and value travel with each error, so messages can name alternatives.
    verbose: true,
  });
  addFormats(ajv);
  for (const schema of schemas) ajv.addSchema(schema);
  return ajv;
};

/** The contracts and the one Ajv instance that compiled them. */
export interface CompiledContracts {
  schemas: Map<string, JsonSchema>;
  ajv: Ajv;
}

/** Loads and compiles the contracts once, for everything in the process that validates. */
export const compileContracts = (dir = contractsDir): CompiledContracts => {
  const schemas = loadContracts(dir);
  return { schemas, ajv: createAjv(schemas.values()) };
};

/** Ajv errors as problem violations, each pointing at the offending field in plain words. */
export const toViolations = (
  errors: readonly ErrorObject[],
  location: ProblemViolation['in'],
): ProblemViolation[] =>
  describeErrors(errors).map(({ pointer, detail, keyword }) => ({
    pointer,
    detail,
    in: location,
    keyword,
  }));
