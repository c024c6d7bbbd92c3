/** Write-path behaviour a client relies on: retries, races, references, unsafe keys. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WrongExpectedRevisionError } from '../../src/ports/eventStore.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;

beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('erp', ['writer']);
});
afterAll(() => gw.close());

const post = (url: string, payload: object | string, key = newKey()) =>
  gw.app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: writer,
      'idempotency-key': key,
      ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
    },
    payload,
  });
const order = (poNumber: string) => ({ ...example('purchase-order-submit'), poNumber });
const eventCount = async () => (await gw.allEvents()).length;

describe('Idempotency-Key', () => {
  it('replays a retry sent to the same path with a query string', async () => {
    const key = newKey();
    const first = await post('/v1/purchase-orders', order('Q-1'), key);
    const retry = await post('/v1/purchase-orders?retry=1', order('Q-1'), key);
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(json(retry)).toEqual(json(first));
  });
});

describe('concurrent changes to one order', () => {
  it('applies 20 concurrent changes adding different lines', async () => {
    expect((await post('/v1/purchase-orders', order('Q-BUSY'))).statusCode).toBe(202);
    const line = { item: 'SEAL-CR-12345', quantity: { value: '1', uom: 'EA' }, unitPrice: '0.92' };
    const changes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post('/v1/purchase-orders/ACME-US/Q-BUSY/changes', {
          lines: [{ lineNumber: 100 + i, action: 'add', ...line }],
        }),
      ),
    );
    expect(changes.map((response) => response.statusCode)).toEqual(Array(20).fill(202));
    const view = await gw.app.inject({
      url: '/v1/purchase-orders/ACME-US/Q-BUSY',
      headers: { authorization: writer },
    });
    const lines = json<{ state: { lines: { lineNumber: number }[] } }>(view).state.lines;
    expect(lines.filter((l) => l.lineNumber >= 100)).toHaveLength(20);
  });

  it('decides again (up to 8 times) while another instance keeps winning the race', async () => {
    // Another instance appends to this order before each of the first 6 attempts.
    let racesLost = 0;
    const contested = await startTestGateway({}, (store) => ({
      ...store,
      appendToStream: (stream, events, options) =>
        stream.endsWith('/RACED') && events[0]?.type === 'PurchaseOrderChanged' && racesLost++ < 6
          ? Promise.reject(new WrongExpectedRevisionError(stream, options.expectedRevision, 99n))
          : store.appendToStream(stream, events, options),
    }));
    try {
      const auth = await contested.key('erp', ['writer']);
      const send = (url: string, payload: object) =>
        contested.app.inject({
          method: 'POST',
          url,
          headers: { authorization: auth, 'idempotency-key': newKey() },
          payload,
        });
      expect((await send('/v1/purchase-orders', order('RACED'))).statusCode).toBe(202);
      const change = await send('/v1/purchase-orders/ACME-US/RACED/changes', {
        lines: [{ lineNumber: 10, action: 'update', unitPrice: '2.00' }],
      });
      expect(change.statusCode).toBe(202);
      expect(racesLost).toBe(7);
    } finally {
      await contested.close();
    }
  });

  it('answers a race lost on every attempt with a retryable 409: its own code and Retry-After', async () => {
    // A document that changes under every attempt, as under a writer in another process.
    const busy = await startTestGateway({}, (store) => ({
      ...store,
      appendToStream: (stream, events, options) =>
        stream.endsWith('/HOT') && events[0]?.type === 'PurchaseOrderChanged'
          ? Promise.reject(new WrongExpectedRevisionError(stream, options.expectedRevision, 99n))
          : store.appendToStream(stream, events, options),
    }));
    try {
      const auth = await busy.key('erp', ['writer']);
      const send = (url: string, payload: object) =>
        busy.app.inject({
          method: 'POST',
          url,
          headers: { authorization: auth, 'idempotency-key': newKey() },
          payload,
        });
      expect((await send('/v1/purchase-orders', order('HOT'))).statusCode).toBe(202);
      const lost = await send('/v1/purchase-orders/ACME-US/HOT/changes', {
        lines: [{ lineNumber: 10, action: 'update', unitPrice: '2.00' }],
      });
      expect(lost.statusCode).toBe(409);
      expect(json(lost)).toMatchObject({ code: 'concurrent-modification', retryable: true });
      expect(Number(lost.headers['retry-after'])).toBeGreaterThan(0);
      // A final conflict is told apart: another code, no Retry-After.
      const exists = await send('/v1/purchase-orders', order('HOT'));
      expect(json(exists)).toMatchObject({ status: 409, code: 'document-exists' });
      expect(exists.headers['retry-after']).toBeUndefined();
      expect(json(exists).retryable).toBeUndefined();
    } finally {
      await busy.close();
    }
  });
});

describe('references to other documents', () => {
  it('refuses a journal entry reversing an entry the gateway does not know (422 /reversalOf)', async () => {
    const before = await eventCount();
    const reversal = { ...example('journal-entry'), entryNumber: 'JE-R-1', reversalOf: 'JE-NONE' };
    const response = await post('/v1/journal-entries', reversal);
    expect(response.statusCode).toBe(422);
    expect(json(response)).toMatchObject({
      code: 'unknown-reference',
      errors: [{ pointer: '/reversalOf', in: 'body' }],
    });
    expect(await eventCount()).toBe(before);
  });

  it('accepts a reversal of a recorded entry', async () => {
    const original = { ...example('journal-entry'), entryNumber: 'JE-R-ORIGINAL' };
    expect((await post('/v1/journal-entries', original)).statusCode).toBe(202);
    const reversal = { ...original, entryNumber: 'JE-R-2', reversalOf: 'JE-R-ORIGINAL' };
    expect((await post('/v1/journal-entries', reversal)).statusCode).toBe(202);
  });
});

describe('prototype-poisoning keys', () => {
  it('refuses a body with a __proto__ or constructor.prototype key with a 400 naming where it is', async () => {
    const po = JSON.stringify(order('Q-PROTO'));
    const cases: Array<[string, string]> = [
      [`{"__proto__":{"isAdmin":true},${po.slice(1)}`, '/__proto__'],
      [
        po.replace('"lineNumber":10,', '"lineNumber":10,"__proto__":{"x":1},'),
        '/lines/0/__proto__',
      ],
      [`{"constructor":{"prototype":{"x":1}},${po.slice(1)}`, '/constructor'],
    ];
    for (const [payload, pointer] of cases) {
      const response = await post('/v1/purchase-orders', payload);
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({
        code: 'forbidden-key',
        errors: [{ pointer, in: 'body' }],
      });
      expect(String(json(response).detail)).not.toMatch(/not valid JSON|Malformed/i);
    }
  });
});

describe('documents a decision reads', () => {
  it('flags a goods receipt naming a shipment notice the gateway has not recorded, and not one it has', async () => {
    const receipt = example('goods-receipt') as { receiptNumber: string; asnNumber?: string };
    const unknown = await post('/v1/goods-receipts', {
      ...receipt,
      receiptNumber: 'GR-ASN-UNKNOWN',
      asnNumber: 'ASN-NEVER-SENT',
    });
    expect(unknown.statusCode).toBe(202);
    const codes = (r: typeof unknown) =>
      json<{ exceptions: { code: string }[] }>(r).exceptions.map((e) => e.code);
    expect(codes(unknown)).toContain('UNKNOWN_SHIPMENT_NOTICE');

    const notice = example('shipment-notice') as { asnNumber: string };
    expect((await post('/v1/purchase-orders', example('purchase-order-submit'))).statusCode).toBe(
      202,
    );
    expect((await post('/v1/shipment-notices', notice)).statusCode).toBe(202);
    const known = await post('/v1/goods-receipts', {
      ...receipt,
      receiptNumber: 'GR-ASN-KNOWN',
      asnNumber: notice.asnNumber,
    });
    expect(known.statusCode).toBe(202);
    expect(codes(known)).not.toContain('UNKNOWN_SHIPMENT_NOTICE');
  });
});

describe("another supplier's order", () => {
  it('is flagged on the invoice, and the answer does not reveal that the order exists or who owns it', async () => {
    const order = { ...example('purchase-order-submit'), poNumber: 'OTHER-SUP-1' };
    expect((await post('/v1/purchase-orders', order)).statusCode).toBe(202);
    const invoice = example('supplier-invoice') as {
      supplier: string;
      lines: { poNumber: string }[];
    };
    const foreign = {
      ...invoice,
      supplier: 'SUP-99999',
      invoiceNumber: 'INV-FOREIGN-1',
      lines: invoice.lines.map((line) => ({ ...line, poNumber: 'OTHER-SUP-1' })),
    };
    const response = await post('/v1/supplier-invoices', foreign);
    expect(response.statusCode, response.body).toBe(202);
    const answer = json<{ exceptions: { code: string }[]; route: { basis: string } }>(response);
    expect(answer.exceptions.map((e) => e.code)).toContain('SUPPLIER_MISMATCH');
    expect(answer.route.basis).not.toBe('parent');
    expect(JSON.stringify(answer.route)).not.toContain('OTHER-SUP-1');
    expect(JSON.stringify(answer.exceptions)).not.toContain(
      String(example('purchase-order-submit').supplier),
    );
  });
});
