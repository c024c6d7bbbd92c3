/**
 * Each document route takes bodies up to its own limit, sized to the largest document its
 * contract allows: every field present at its longest, every list at its maximum length (lots
 * and serials: 10 lots and 100 serials a line). Larger bodies get a 413 problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonSchema, loadContracts } from '../../src/http/contracts.js';
import { documentBodyLimits } from '../../src/http/plugins/bodyLimits.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

const contracts = loadContracts();
const base = 'https://coexist.dev/contracts/http/v1/';

const resolve = (ref: string): JsonSchema => {
  const [id, pointer = ''] = ref.split('#');
  let node: unknown = contracts.get(id as string);
  for (const token of pointer.split('/').filter(Boolean)) {
    node = (node as Record<string, unknown>)[token];
  }
  return node as JsonSchema;
};

/** Longest values of the common definitions, by name. */
const longest: Record<string, unknown> = {
  code: `A${'9'.repeat(34)}`,
  decimal: '-100000000000000.000001',
  nonNegativeDecimal: '100000000000000.000001',
  positiveDecimal: '100000000000000.000001',
  currency: 'USD',
  uom: 'ABCDEF',
  date: '2026-11-30',
  dateTime: '2026-11-02T14:30:00.000-06:00',
};

/** Caps for lists whose maximum is not a size anyone sends (999 lots of 10,000 serials). */
const listCaps: Record<string, number> = { lots: 10, serials: 100 };

/** The largest instance of a schema (an upper bound on size, not necessarily valid). */
const largest = (schema: JsonSchema, name = ''): unknown => {
  if (typeof schema.$ref === 'string') {
    const def = schema.$ref.split('/').at(-1) as string;
    if (def in longest) return longest[def];
    return largest(resolve(schema.$ref), name);
  }
  if (Array.isArray(schema.enum)) {
    return [...schema.enum].sort((a, b) => String(b).length - String(a).length)[0];
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.type === 'object' || schema.properties) {
    return Object.fromEntries(
      Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).map(([key, sub]) => [
        key,
        largest(sub, key),
      ]),
    );
  }
  if (schema.type === 'array') {
    const count = Math.min(
      Number(schema.maxItems ?? 1),
      listCaps[name] ?? Number.POSITIVE_INFINITY,
    );
    return Array.from({ length: count }, () => largest(schema.items as JsonSchema, name));
  }
  if (schema.type === 'integer' || schema.type === 'number') return Number(schema.maximum ?? 9999);
  if (schema.type === 'boolean') return true;
  const fromPattern = /\{\d+,(\d+)\}\$$/.exec(String(schema.pattern ?? ''));
  return 'x'.repeat(Number(schema.maxLength ?? (fromPattern ? fromPattern[1] : 40)));
};

const routes: Record<string, string> = {
  'purchase-order-submit': '/v1/purchase-orders',
  'purchase-order-change': '/v1/purchase-orders/ACME-US/BIG-1/changes',
  'purchase-order-cancellation': '/v1/purchase-orders/ACME-US/BIG-1/cancellation',
  'purchase-order-acknowledgement': '/v1/purchase-orders/ACME-US/BIG-1/acknowledgements',
  'shipment-notice': '/v1/shipment-notices',
  'goods-receipt': '/v1/goods-receipts',
  'supplier-invoice': '/v1/supplier-invoices',
  'journal-entry': '/v1/journal-entries',
};

let gw: TestGateway;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('bulk', ['writer']);
});
afterAll(() => gw.close());

const post = (url: string, payload: string) =>
  gw.app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: writer,
      'idempotency-key': newKey(),
      'content-type': 'application/json',
    },
    payload,
  });

describe('per-route body limits', () => {
  for (const [name, url] of Object.entries(routes)) {
    it(`${url} takes the largest ${name} its contract allows`, async () => {
      const body = JSON.stringify(largest(contracts.get(`${base}${name}.json`) as JsonSchema));
      const limit = documentBodyLimits[`${base}${name}.json`] as number;
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(limit);
      // Not necessarily valid (every optional field at once), but never too large.
      const response = await post(url, body);
      expect(response.statusCode, response.body.slice(0, 300)).not.toBe(413);
    }, 60_000);

    it(`${url} refuses a body over its limit with a 413 problem`, async () => {
      const limit = documentBodyLimits[`${base}${name}.json`] as number;
      const response = await post(url, JSON.stringify({ padding: 'x'.repeat(limit) }));
      expect(response.statusCode).toBe(413);
      expect(json(response)).toMatchObject({ status: 413, code: 'body-too-large' });
    });
  }

  it('accepts a purchase order of 999 lines, every field at its longest', async () => {
    const po = example('purchase-order-submit');
    const line = (po.lines as Record<string, unknown>[])[0] as Record<string, unknown>;
    const code = longest.code as string;
    const lines = Array.from({ length: 999 }, (_, i) => ({
      ...line,
      lineNumber: i + 1,
      item: code,
      supplierItem: code,
      description: 'd'.repeat(200),
      taxCode: code,
      costCenter: code,
    }));
    const body = JSON.stringify({
      ...po,
      poNumber: newKey().slice(-30),
      notes: 'n'.repeat(2000),
      lines,
    });
    const response = await post('/v1/purchase-orders', body);
    expect(response.statusCode, response.body.slice(0, 500)).toBe(202);
  }, 60_000);

  it('accepts a journal entry of 9,999 lines, every field at its longest', async () => {
    const entry = example('journal-entry');
    const code = longest.code as string;
    const line = (lineNumber: number, side: 'debit' | 'credit', amount: string) => ({
      lineNumber,
      account: 'A'.repeat(30),
      currency: 'USD',
      [side]: amount,
      costCenter: code,
      project: code,
      description: 'd'.repeat(200),
      taxCode: code,
      intercompany: code,
    });
    const lines = Array.from({ length: 9998 }, (_, i) =>
      line(i + 1, 'debit', '10000000000.000001'),
    );
    lines.push(line(9999, 'credit', '99980000000000.009998'));
    const body = JSON.stringify({ ...entry, entryNumber: newKey().slice(-30), lines });
    const response = await post('/v1/journal-entries', body);
    expect(response.statusCode, response.body.slice(0, 500)).toBe(202);
  }, 60_000);
});
