/**
 * A vendor profile: everything the REST connector knows about one cloud ERP, as configuration
 * (erp-profiles/<vendor>/profile.yaml), never as TypeScript. Per canonical document and action,
 * an operation: steps that read, write and decide with JSONata expressions, and the
 * acknowledgement built from what the ERP answered. A document a vendor cannot take says why
 * (`unsupported`), and that reason is the permanent error an operator sees.
 *
 * Steps (each one of):
 * - `set: name` + `value: expr`: computes a value (resolving every crosswalk code up front is
 *   what keeps a document with an unknown code from being half-written);
 * - `fail: expr` + `when: expr` (+ `code`): a permanent error with that message;
 * - `get|post|put|patch|delete: pathExpr` (+ `body`, `ifMatch`, `when`, `as`, `result`): an HTTP
 *   request relative to the base URL; `result` picks from the answer (e.g. `value[0]`), `as`
 *   names it for later steps;
 * - `each: expr` + `as: name` + `steps`: the sub-steps once per item (lines).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import jsonata from 'jsonata';
import { parse as parseYaml } from 'yaml';
import type { ErpDelivery, ErpDocumentType } from '../../../ports/erpConnector.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export const methods: readonly Method[] = ['get', 'post', 'put', 'patch', 'delete'];

export type Expression = jsonata.Expression & { source: string };

export type Step =
  | { kind: 'set'; name: string; value: Expression; when?: Expression }
  | { kind: 'fail'; message: Expression; when: Expression; code: string }
  | {
      kind: 'request';
      method: Method;
      path: Expression;
      body?: Expression;
      ifMatch?: Expression;
      when?: Expression;
      as?: string;
      result?: Expression;
    }
  | { kind: 'each'; items: Expression; as: string; steps: Step[]; when?: Expression };

export interface Operation {
  steps: Step[];
  /** → `{ reference, record, details }` */
  acknowledge: Expression;
}

export type DocumentProfile =
  | { unsupported: string }
  | { operations: Partial<Record<ErpDelivery['action'], Operation>> };

export interface Quota {
  requests: number;
  windowMs: number;
  concurrency: number;
}

export interface VendorProfile {
  name: string;
  /** The vendor's published limits, for the dispatcher's pacing of this target. */
  quota?: Quota;
  /** The OAuth2 scope the token is asked for, unless the connector's file names one. */
  scope?: string;
  /** A header the vendor de-duplicates writes by (e.g. NetSuite's); none when absent. */
  idempotencyHeader?: string;
  /** The error message and code in a 4xx answer. */
  errors: { message: Expression; code?: Expression };
  documents: Partial<Record<ErpDocumentType, DocumentProfile>>;
}

const expr = { type: 'string', minLength: 1 };
const stepSchema = {
  type: 'object',
  properties: {
    set: { type: 'string' },
    value: expr,
    fail: expr,
    code: { type: 'string' },
    when: expr,
    get: expr,
    post: expr,
    put: expr,
    patch: expr,
    delete: expr,
    body: expr,
    ifMatch: expr,
    as: { type: 'string' },
    result: expr,
    each: expr,
    steps: { type: 'array', items: { $ref: '#/definitions/step' } },
  },
  additionalProperties: false,
};
const operationSchema = {
  type: 'object',
  required: ['steps', 'acknowledge'],
  additionalProperties: false,
  properties: {
    steps: { type: 'array', items: { $ref: '#/definitions/step' } },
    acknowledge: expr,
  },
};
const profileSchema = {
  type: 'object',
  required: ['name', 'documents'],
  additionalProperties: false,
  definitions: { step: stepSchema },
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    quota: {
      type: 'object',
      required: ['requests', 'windowMs', 'concurrency'],
      additionalProperties: false,
      properties: {
        requests: { type: 'integer', minimum: 1 },
        windowMs: { type: 'integer', minimum: 1 },
        concurrency: { type: 'integer', minimum: 1 },
      },
    },
    scope: { type: 'string' },
    idempotencyHeader: { type: 'string', minLength: 1 },
    errors: {
      type: 'object',
      additionalProperties: false,
      properties: { message: expr, code: expr },
    },
    documents: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        ['purchaseOrder', 'shipmentNotice', 'goodsReceipt', 'supplierInvoice', 'journalEntry'].map(
          (document) => [
            document,
            {
              type: 'object',
              additionalProperties: false,
              properties: {
                unsupported: { type: 'string', minLength: 1 },
                submit: operationSchema,
                change: operationSchema,
                cancel: operationSchema,
                acknowledge: operationSchema,
              },
            },
          ],
        ),
      ),
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(profileSchema);

export class ProfileError extends Error {
  override name = 'ProfileError';
}

const compile = (source: string, where: string): Expression => {
  try {
    return Object.assign(jsonata(source), { source });
  } catch (error) {
    const e = error as { message?: string; position?: number };
    throw new ProfileError(
      `${where}: not a JSONata expression (${e.message ?? String(error)}${e.position === undefined ? '' : ` at ${e.position}`}): ${source}`,
    );
  }
};

type RawStep = Record<string, unknown> & { steps?: RawStep[] };

const compileStep = (raw: RawStep, where: string): Step => {
  const s = (name: string) => raw[name] as string;
  const opt = (name: string) =>
    typeof raw[name] === 'string' ? compile(s(name), `${where}.${name}`) : undefined;
  const when = opt('when');
  const withWhen = <T extends object>(step: T) => (when ? { ...step, when } : step);
  const verbs = methods.filter((m) => m in raw);
  const kinds = ['set', 'fail', 'each'].filter((k) => k in raw).length + verbs.length;
  if (kinds !== 1) {
    throw new ProfileError(
      `${where}: a step is exactly one of set, fail, each, ${methods.join(', ')}`,
    );
  }
  if ('set' in raw) {
    if (typeof raw.value !== 'string') throw new ProfileError(`${where}: set needs a value`);
    return withWhen({
      kind: 'set' as const,
      name: s('set'),
      value: compile(s('value'), `${where}.value`),
    });
  }
  if ('fail' in raw) {
    if (!when) throw new ProfileError(`${where}: fail needs a when`);
    return {
      kind: 'fail',
      message: compile(s('fail'), `${where}.fail`),
      when,
      code: typeof raw.code === 'string' ? raw.code : 'refused-by-profile',
    };
  }
  if ('each' in raw) {
    if (typeof raw.as !== 'string') throw new ProfileError(`${where}: each needs an as`);
    return withWhen({
      kind: 'each' as const,
      items: compile(s('each'), `${where}.each`),
      as: s('as'),
      steps: (raw.steps ?? []).map((step, i) => compileStep(step, `${where}.steps[${i}]`)),
    });
  }
  const method = verbs[0] as Method;
  const step: Step = {
    kind: 'request',
    method,
    path: compile(s(method), `${where}.${method}`),
  };
  const body = opt('body');
  const ifMatch = opt('ifMatch');
  const result = opt('result');
  return withWhen({
    ...step,
    ...(body ? { body } : {}),
    ...(ifMatch ? { ifMatch } : {}),
    ...(result ? { result } : {}),
    ...(typeof raw.as === 'string' ? { as: raw.as } : {}),
  });
};

/** Parses and checks a profile (YAML or JSON text); every expression is compiled here. */
export const parseProfile = (text: string, source: string): VendorProfile => {
  let raw: Record<string, unknown>;
  try {
    raw = parseYaml(text, { maxAliasCount: 1000 }) as Record<string, unknown>;
  } catch (error) {
    throw new ProfileError(`Profile ${source}: not YAML: ${(error as Error).message}`);
  }
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
    throw new ProfileError(`Profile ${source}:\n  ${problems.join('\n  ')}`);
  }
  const documents: VendorProfile['documents'] = {};
  for (const [document, value] of Object.entries(
    raw.documents as Record<string, Record<string, unknown>>,
  )) {
    if (typeof value.unsupported === 'string') {
      documents[document as ErpDocumentType] = { unsupported: value.unsupported };
      continue;
    }
    const operations: Partial<Record<ErpDelivery['action'], Operation>> = {};
    for (const [action, op] of Object.entries(value)) {
      const where = `${source}: documents.${document}.${action}`;
      const { steps, acknowledge } = op as { steps: RawStep[]; acknowledge: string };
      operations[action as ErpDelivery['action']] = {
        steps: steps.map((step, i) => compileStep(step, `${where}.steps[${i}]`)),
        acknowledge: compile(acknowledge, `${where}.acknowledge`),
      };
    }
    documents[document as ErpDocumentType] = { operations };
  }
  const errors = (raw.errors ?? {}) as { message?: string; code?: string };
  return {
    name: raw.name as string,
    ...(raw.quota ? { quota: raw.quota as Quota } : {}),
    ...(typeof raw.scope === 'string' ? { scope: raw.scope } : {}),
    ...(typeof raw.idempotencyHeader === 'string'
      ? { idempotencyHeader: raw.idempotencyHeader }
      : {}),
    errors: {
      message: compile(errors.message ?? '$string($)', `${source}: errors.message`),
      ...(errors.code ? { code: compile(errors.code, `${source}: errors.code`) } : {}),
    },
    documents,
  };
};

/** A profile folder holds `profile.yaml`. */
export const loadProfile = (folder: string): VendorProfile => {
  const file = join(folder, 'profile.yaml');
  return parseProfile(readFileSync(file, 'utf8'), file);
};
