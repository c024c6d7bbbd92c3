/**
 * The contracts compile in Ajv's strict mode, follow the house conventions, their examples are
 * valid (and coherent with each other and with the event schemas), and they reject what they must.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Schema = { [keyword: string]: unknown; $id: string; examples?: unknown[] };
type Doc = Record<string, unknown> & { lines: Array<Record<string, unknown>> };

const root = fileURLToPath(new URL('../../contracts/', import.meta.url));
const base = 'https://coexist.dev/contracts/';
const listJson = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listJson(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });

const files = listJson(root).sort();
const schemas = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Schema);
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
for (const schema of schemas) ajv.addSchema(schema);

const requestIds = schemas
  .map((s) => s.$id)
  .filter((id) => /\/http\/v1\/(?!common|params)[a-z-]+\.json$/.test(id));
const schemaOf = (id: string) => schemas.find((s) => s.$id === id);
const http = (name: string) => `${base}http/v1/${name}.json`;
const event = (name: string) => `${base}events/v1/${name}.json`;

/** The errors of validating `value` as `instancePath keyword` strings, [] when valid. */
const errors = (id: string, value: unknown): string[] => {
  const check = ajv.getSchema(id);
  if (!check) throw new Error(`no contract ${id}`);
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
};
const example = (name: string, index = 0) =>
  structuredClone(schemaOf(http(name))?.examples?.[index]) as Doc;

/** Every subschema of a schema, with its JSON pointer. */
const walk = function* (node: unknown, at = ''): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* walk(child, `${at}/${i}`);
  } else if (node !== null && typeof node === 'object') {
    yield [at, node as Record<string, unknown>];
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'examples' && key !== 'enum' && key !== 'const')
        yield* walk(child, `${at}/${key}`);
    }
  }
};

describe('contracts', () => {
  it('compiles every schema with Ajv in strict mode (draft-07, all errors, formats)', () => {
    expect(files.length).toBeGreaterThan(20);
    for (const schema of schemas) expect(() => ajv.getSchema(schema.$id), schema.$id).not.toThrow();
    expect(requestIds).toHaveLength(8);
  });

  it('follows the conventions: $id from the path, titles, descriptions, closed objects', () => {
    for (const [i, schema] of schemas.entries()) {
      const path = relative(root, files[i] as string).replaceAll('\\', '/');
      expect(schema.$id).toBe(`${base}${path}`);
      expect([typeof schema.title, typeof schema.description], path).toEqual(['string', 'string']);
      for (const [at, node] of walk(schema)) {
        // Object definitions; oneOf/anyOf/if branches only name the properties they constrain.
        if (node.type !== 'object') continue;
        if (path !== 'problem.json' || at !== '') {
          expect(node.additionalProperties, `${path}#${at}`).toBe(false);
        }
        const properties = (node.properties ?? {}) as Record<string, { description?: unknown }>;
        for (const [name, property] of Object.entries(properties)) {
          expect(property.description, `${path}#${at}/${name}`).toEqual(expect.any(String));
        }
      }
    }
  });

  it('gives every request schema valid examples', () => {
    for (const id of requestIds) {
      const examples = schemaOf(id)?.examples ?? [];
      expect(examples.length, id).toBeGreaterThan(0);
      for (const sample of examples) expect(errors(id, sample), id).toEqual([]);
    }
  });

  it('keeps the examples coherent: the ASN, receipt and invoice reference the example order', () => {
    const po = example('purchase-order-submit');
    const poLines = new Set(po.lines.map((line) => line.lineNumber));
    for (const name of ['shipment-notice', 'goods-receipt', 'supplier-invoice']) {
      const doc = example(name);
      expect([doc.company, doc.supplier], name).toEqual([po.company, po.supplier]);
      for (const line of doc.lines) {
        expect(line.poNumber, name).toBe(po.poNumber);
        expect(poLines.has(line.poLineNumber), `${name} poLineNumber ${line.poLineNumber}`).toBe(
          true,
        );
      }
    }
    expect(example('goods-receipt').asnNumber).toBe(example('shipment-notice').asnNumber);
  });

  it('accepts the request examples, with their keys and exceptions, as event data', () => {
    const key = { company: 'ACME-US', poNumber: '4500012345' };
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['purchase-order-submit', 'purchase-order-submitted', {}],
      ['purchase-order-change', 'purchase-order-changed', key],
      ['purchase-order-cancellation', 'purchase-order-cancelled', key],
      ['purchase-order-acknowledgement', 'purchase-order-acknowledged', key],
      ['shipment-notice', 'shipment-notice-submitted', { exceptions: [] }],
      ['goods-receipt', 'goods-receipt-recorded', { exceptions: [] }],
      ['supplier-invoice', 'supplier-invoice-received', { exceptions: [] }],
      ['journal-entry', 'journal-entry-submitted', {}],
    ];
    for (const [request, type, extra] of cases) {
      expect(errors(event(type), { ...example(request), ...extra }), type).toEqual([]);
    }
    const receipt = { ...example('goods-receipt') };
    expect(errors(event('goods-receipt-recorded'), receipt)).toEqual([' required']);
    const overReceipt = { code: 'OVER_RECEIPT', pointer: '/lines/0/quantity', detail: '5 EA over' };
    expect(
      errors(event('goods-receipt-recorded'), { ...receipt, exceptions: [overReceipt] }),
    ).toEqual([]);
    // Version 2 of the child events: exceptions carry a severity, and the data says its version.
    const v2 = `${base}events/v2/goods-receipt-recorded.json`;
    const blocking = { ...overReceipt, code: 'SUPPLIER_MISMATCH', severity: 'blocking' };
    expect(errors(v2, { ...receipt, schemaVersion: 2, exceptions: [blocking] })).toEqual([]);
    expect(errors(v2, { ...receipt, schemaVersion: 2, exceptions: [overReceipt] })).toEqual([
      '/exceptions/0 required',
    ]);
    expect(errors(v2, { ...receipt, exceptions: [] })).toEqual([' required']);
  });

  it('rejects money as a JSON number and unknown properties', () => {
    const po = example('purchase-order-submit');
    po.lines[0] = { ...po.lines[0], unitPrice: 1.84 };
    expect(errors(http('purchase-order-submit'), { ...po, discount: '5' }).sort()).toEqual([
      ' additionalProperties',
      '/lines/0/unitPrice type',
    ]);
  });

  it('rejects a journal line with both a debit and a credit, or neither', () => {
    const entry = example('journal-entry');
    const {
      debit: _debit,
      credit: _credit,
      ...neither
    } = entry.lines[0] as Record<string, unknown>;
    entry.lines[0] = { ...neither, debit: '1.00', credit: '1.00' };
    expect(errors(http('journal-entry'), entry).sort()).toEqual(['/lines/0 not', '/lines/0 oneOf']);
    entry.lines[0] = neither;
    expect(errors(http('journal-entry'), entry)).toContain('/lines/0 oneOf');
  });

  it('requires item, quantity and price to add a line, limits what update and cancel carry', () => {
    const change = http('purchase-order-change');
    expect(errors(change, { lines: [{ lineNumber: 50, action: 'add' }] })).toEqual(
      expect.arrayContaining(['/lines/0 required', '/lines/0 if']),
    );
    expect(errors(change, { lines: [{ lineNumber: 10, action: 'update' }] })).toContain(
      '/lines/0 anyOf',
    );
    const cancelWithQuantity = {
      lineNumber: 10,
      action: 'cancel',
      quantity: { value: '1', uom: 'EA' },
    };
    expect(errors(change, { lines: [cancelWithQuantity] })).toContain('/lines/0 propertyNames');
    expect(errors(change, { changeReason: 'nothing really' })).toContain(' anyOf');
  });

  it('rejects bad dates, zero quantities and bad currency codes', () => {
    const asn = example('shipment-notice');
    asn.lines[0] = { ...asn.lines[0], quantity: { value: '0.000', uom: 'EA' } };
    expect(
      errors(http('shipment-notice'), {
        ...asn,
        shippedAt: '2026-11-14',
        expectedDeliveryDate: '2026-02-30',
      }),
    ).toEqual([
      '/shippedAt format',
      '/expectedDeliveryDate format',
      '/lines/0/quantity/value pattern',
    ]);
    const invoice = { ...example('supplier-invoice'), currency: 'usd' };
    expect(errors(http('supplier-invoice'), invoice)).toEqual(['/currency enum']);
  });

  it('takes only ISO 4217 currency codes', () => {
    const order = example('purchase-order-submit');
    for (const currency of ['USD', 'EUR', 'JPY', 'CHF', 'XCG']) {
      expect(errors(http('purchase-order-submit'), { ...order, currency }), currency).toEqual([]);
    }
    for (const currency of ['ABC', 'XXX', 'XTS', 'EURO', 'US$']) {
      expect(errors(http('purchase-order-submit'), { ...order, currency }), currency).toEqual([
        '/currency enum',
      ]);
    }
  });

  it('refuses dates outside the years 1900 to 2099', () => {
    const order = example('purchase-order-submit');
    const at = (orderDate: string) =>
      errors(http('purchase-order-submit'), { ...order, orderDate });
    expect(at('1900-01-01')).toEqual([]);
    expect(at('2099-12-31')).toEqual([]);
    expect(at('0000-01-01')).toEqual(['/orderDate pattern']);
    expect(at('1899-12-31')).toEqual(['/orderDate pattern']);
    expect(at('2100-01-01')).toEqual(['/orderDate pattern']);
    const receipt = example('goods-receipt');
    expect(
      errors(http('goods-receipt'), { ...receipt, receivedAt: '0001-01-01T00:00:00Z' }),
    ).toEqual(['/receivedAt pattern']);
  });
});
