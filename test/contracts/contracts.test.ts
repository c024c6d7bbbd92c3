/** The contracts compile strictly, their examples are valid, and they reject what they must. */
import { describe, expect, it } from 'vitest';
import { createAjv, loadContracts } from '../../src/http/contracts.js';

const contracts = loadContracts();
const ajv = createAjv(contracts.values());
const requestIds = [...contracts.keys()].filter(
  (id) => id.includes('/http/v1/') && !id.endsWith('/common.json') && !id.endsWith('/params.json'),
);
const validate = (name: string, value: unknown) => {
  const check = ajv.getSchema(`https://coexist.dev/contracts/http/v1/${name}.json`);
  if (!check) throw new Error(`no contract ${name}`);
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
};
const example = (name: string) =>
  structuredClone(
    contracts.get(`https://coexist.dev/contracts/http/v1/${name}.json`)?.examples?.[0],
  ) as Record<string, unknown> & {
    lines: Array<Record<string, unknown>>;
  };

describe('contracts', () => {
  it('covers every v1 command, each with a valid example', () => {
    expect(requestIds.length).toBe(8);
    for (const id of requestIds) {
      const schema = contracts.get(id);
      expect(schema?.examples?.length, id).toBeGreaterThan(0);
      for (const sample of schema?.examples ?? []) {
        const check = ajv.getSchema(id);
        expect(check?.(sample), `${id}: ${JSON.stringify(check?.errors)}`).toBe(true);
      }
    }
  });

  it('compiles every schema (events, problem, metadata) in strict mode', () => {
    for (const id of contracts.keys()) expect(ajv.getSchema(id), id).toBeDefined();
  });

  it('rejects money as a JSON number and unknown properties', () => {
    const po = example('purchase-order-submit');
    po.lines[0] = { ...po.lines[0], unitPrice: 1.84 };
    expect(validate('purchase-order-submit', { ...po, discount: '5' })).toEqual(
      expect.arrayContaining(['/lines/0/unitPrice type', ' additionalProperties']),
    );
  });

  it('rejects a journal line with both a debit and a credit, or neither', () => {
    const entry = example('journal-entry');
    entry.lines[0] = { ...entry.lines[0], debit: '1.00', credit: '1.00' };
    expect(validate('journal-entry', entry)).toContain('/lines/0 oneOf');
    const { debit: _d, credit: _c, ...neither } = entry.lines[0] as Record<string, unknown>;
    entry.lines[0] = neither;
    expect(validate('journal-entry', entry)).toContain('/lines/0 oneOf');
  });

  it('requires item, quantity and price to add a line, and something to change', () => {
    expect(
      validate('purchase-order-change', { lines: [{ lineNumber: 50, action: 'add' }] }),
    ).toEqual(expect.arrayContaining(['/lines/0 required']));
    expect(validate('purchase-order-change', { changeReason: 'nothing really' })).toContain(
      ' anyOf',
    );
  });

  it('rejects zero quantities, bad dates and bad currency codes', () => {
    const asn = example('shipment-notice');
    asn.lines[0] = { ...asn.lines[0], quantity: { value: '0.000', uom: 'EA' } };
    expect(validate('shipment-notice', { ...asn, shippedAt: '2026-13-45' })).toEqual(
      expect.arrayContaining(['/lines/0/quantity/value pattern', '/shippedAt format']),
    );
    expect(
      validate('supplier-invoice', { ...example('supplier-invoice'), currency: 'usd' }),
    ).toEqual(['/currency pattern']);
  });
});
