/**
 * Scoped keys: a restriction holds for every document, whether or not the document carries the
 * restricted field itself, and a key cannot learn whether a document outside its scope exists.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let admin: string;
let dallas: string;
let supplier: string;
let europe: string;

const post = (auth: string, url: string, payload: object) =>
  gw.app.inject({
    method: 'POST',
    url,
    headers: { authorization: auth, 'idempotency-key': newKey() },
    payload,
  });
const get = (auth: string, url: string) => gw.app.inject({ url, headers: { authorization: auth } });

const order = (poNumber: string, site: string) => ({
  ...example('purchase-order-submit'),
  poNumber,
  site,
});
/** The contract's invoice, numbered `invoiceNumber`, billing lines of `poNumber`. */
const invoice = (invoiceNumber: string, poNumber: string) => {
  const body: Record<string, unknown> = { ...example('supplier-invoice'), invoiceNumber };
  body.lines = (body.lines as Array<Record<string, unknown>>).map((line) => ({
    ...line,
    poNumber,
  }));
  return body;
};
const journalEntry = (entryNumber: string) => ({ ...example('journal-entry'), entryNumber });

/** A problem with the request-specific parts (path, document key) blanked out. */
const shape = (response: LightMyRequestResponse, ...keys: string[]) => {
  let text = response.body;
  for (const key of keys) text = text.replaceAll(key, 'KEY');
  const { instance: _instance, ...rest } = JSON.parse(text);
  return { status: response.statusCode, ...rest };
};

beforeAll(async () => {
  gw = await startTestGateway();
  admin = await gw.key('erp-admin', ['writer']);
  dallas = await gw.key('dallas-wms', ['writer'], { sites: ['DAL1'] });
  supplier = await gw.key('portal-sup-10023', ['writer'], { suppliers: ['SUP-10023'] });
  europe = await gw.key('finance-eu', ['writer'], { companies: ['ACME-EU'] });
  for (const [poNumber, site] of [
    ['S-DAL', 'DAL1'],
    ['S-HOU', 'HOU1'],
  ] as const) {
    expect((await post(admin, '/v1/purchase-orders', order(poNumber, site))).statusCode).toBe(202);
  }
  expect((await post(admin, '/v1/supplier-invoices', invoice('INV-HOU', 'S-HOU'))).statusCode).toBe(
    202,
  );
  expect((await post(admin, '/v1/supplier-invoices', invoice('INV-DAL', 'S-DAL'))).statusCode).toBe(
    202,
  );
  expect((await post(admin, '/v1/journal-entries', journalEntry('JE-S-1'))).statusCode).toBe(202);
});
afterAll(() => gw.close());

describe('a restriction holds where the document lacks the restricted field', () => {
  it('refuses journal entries (no site, no supplier) to keys restricted by site or supplier', async () => {
    const before = (await gw.allEvents()).length;
    for (const key of [dallas, supplier]) {
      const response = await post(key, '/v1/journal-entries', journalEntry(newKey()));
      expect(response.statusCode).toBe(403);
      expect(json(response)).toMatchObject({ code: 'out-of-scope' });
    }
    expect((await gw.allEvents()).length).toBe(before);
  });

  it("takes an invoice's site from the orders it bills", async () => {
    const own = await post(dallas, '/v1/supplier-invoices', invoice(newKey(), 'S-DAL'));
    expect(own.statusCode).toBe(202);
    const foreign = await post(dallas, '/v1/supplier-invoices', invoice('INV-X1', 'S-HOU'));
    expect(foreign.statusCode).toBe(403);
    // An order the gateway never saw has no site to check: refused, and with the same answer,
    // so the refusal does not tell whether the Houston order exists.
    const unknown = await post(dallas, '/v1/supplier-invoices', invoice('INV-X1', 'S-NONE'));
    expect(shape(unknown, 'S-NONE')).toEqual(shape(foreign, 'S-HOU'));
  });

  it('applies the same rule to reads', async () => {
    expect((await get(dallas, '/v1/supplier-invoices/SUP-10023/INV-DAL')).statusCode).toBe(200);
    const foreign = await get(dallas, '/v1/supplier-invoices/SUP-10023/INV-HOU');
    const missing = await get(dallas, '/v1/supplier-invoices/SUP-10023/INV-NONE');
    expect(foreign.statusCode).toBe(404);
    expect(shape(foreign, 'INV-HOU')).toEqual(shape(missing, 'INV-NONE'));
    for (const key of [dallas, supplier]) {
      const entry = await get(key, '/v1/journal-entries/ACME-US/JE-S-1');
      const none = await get(key, '/v1/journal-entries/ACME-US/JE-NONE');
      expect(entry.statusCode).toBe(404);
      expect(shape(entry, 'JE-S-1')).toEqual(shape(none, 'JE-NONE'));
    }
    expect((await get(admin, '/v1/journal-entries/ACME-US/JE-S-1')).statusCode).toBe(200);
  });
});

describe('outside its scope, a key cannot tell whether a document exists', () => {
  it('answers a GET of an existing and of a missing order alike', async () => {
    for (const [key, existing] of [
      [europe, 'S-DAL'], // another company: a key field
      [dallas, 'S-HOU'], // another site: not a key field
    ] as const) {
      const found = await get(key, `/v1/purchase-orders/ACME-US/${existing}`);
      const missing = await get(key, '/v1/purchase-orders/ACME-US/S-NONE');
      expect(found.statusCode).toBe(404);
      expect(shape(found, existing)).toEqual(shape(missing, 'S-NONE'));
    }
  });

  it('answers a command on an existing and on a missing order alike, recording nothing', async () => {
    const before = (await gw.allEvents()).length;
    for (const [key, existing] of [
      [europe, 'S-DAL'],
      [dallas, 'S-HOU'],
    ] as const) {
      for (const command of ['cancellation', 'changes', 'acknowledgements'] as const) {
        const payload = {
          cancellation: example('purchase-order-cancellation'),
          changes: example('purchase-order-change'),
          acknowledgements: example('purchase-order-acknowledgement'),
        }[command];
        const found = await post(
          key,
          `/v1/purchase-orders/ACME-US/${existing}/${command}`,
          payload,
        );
        const missing = await post(key, `/v1/purchase-orders/ACME-US/S-NONE/${command}`, payload);
        expect(found.statusCode).toBe(404);
        expect(shape(found, existing)).toEqual(shape(missing, 'S-NONE'));
      }
    }
    expect((await gw.allEvents()).length).toBe(before);
  });

  it('still tells a key restricted to other document types that it may not use them (403)', async () => {
    const receiptsOnly = await gw.key('wms-receipts', ['writer'], {
      documentTypes: ['goodsReceipt'],
    });
    for (const poNumber of ['S-DAL', 'S-NONE']) {
      const response = await get(receiptsOnly, `/v1/purchase-orders/ACME-US/${poNumber}`);
      expect(response.statusCode).toBe(403);
    }
  });
});
