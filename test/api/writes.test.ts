/** The v1 write path end to end, in-process: contracts, business rules, events and their metadata. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchemaId } from '../../src/domain/events/registry.js';
import { createAjv, loadContracts } from '../../src/http/contracts.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;

beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('supplier-portal', ['writer']);
});
afterAll(() => gw.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  gw.app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: { authorization: writer, 'idempotency-key': newKey(), ...headers },
  });

const withPoNumber = (poNumber: string): Record<string, unknown> => ({
  ...example('purchase-order-submit'),
  poNumber,
});

describe('v1 write API', () => {
  it('accepts a purchase order: 202, Location, event id, revision, route', async () => {
    const po = withPoNumber('W-1');
    const response = await post('/v1/purchase-orders', po, {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(response.statusCode).toBe(202);
    const body = json(response);
    const url = `/v1/purchase-orders/${po.company}/W-1`;
    expect(response.headers.location).toBe(url);
    expect(body).toMatchObject({
      status: 'accepted',
      document: { type: 'purchaseOrder', key: { company: po.company, poNumber: 'W-1' }, url },
      eventTypes: ['DocumentOwnershipAssigned', 'PurchaseOrderSubmitted'],
      streamRevision: 1,
      route: { owner: 'legacy', primary: 'legacy', basis: 'default' },
      correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(response.headers['x-correlation-id']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('records who, when, which contract, correlation, causation and idempotency key with the event', async () => {
    const key = newKey();
    const response = await post('/v1/purchase-orders', withPoNumber('W-2'), {
      'idempotency-key': key,
      'x-correlation-id': 'edi-batch-77',
    });
    const [ownershipId, eventId] = json<{ eventIds: string[] }>(response).eventIds;
    const events = await gw.allEvents();
    const event = events.find((e) => e.id === eventId);
    expect(events.find((e) => e.id === ownershipId)?.data).toMatchObject({
      document: { type: 'purchaseOrder', key: { poNumber: 'W-2' } },
      owner: 'legacy',
    });
    expect(event?.metadata).toMatchObject({
      clientId: 'supplier-portal',
      contractVersion: 'v1',
      contract: 'https://coexist.dev/contracts/http/v1/purchase-order-submit.json',
      correlationId: 'edi-batch-77',
      idempotencyKey: key,
      route: { owner: 'legacy' },
    });
    expect(event?.metadata.causationId).toEqual(expect.any(String));
    expect(Date.parse(String(event?.metadata.receivedAt))).not.toBeNaN();
    expect(event?.data).toEqual(withPoNumber('W-2'));
  });

  it("records the caller's API key id (never its secret) on every event of the command", async () => {
    // The header is "Bearer cx_<keyId>_<secret>".
    const [, keyId, secret] = /^Bearer cx_([^_]+)_(\S+)$/.exec(writer) ?? [];
    const response = await post('/v1/purchase-orders', withPoNumber('W-KEY'));
    expect(response.statusCode).toBe(202);
    const { eventIds } = json<{ eventIds: string[] }>(response);
    const events = (await gw.allEvents()).filter((e) => eventIds.includes(e.id));
    expect(events.map((e) => e.type)).toEqual([
      'DocumentOwnershipAssigned',
      'PurchaseOrderSubmitted',
    ]);
    for (const event of events) {
      expect(event.metadata.keyId).toBe(keyId);
      expect(JSON.stringify(event.metadata)).not.toContain(secret);
    }
  });

  it('serves the document: current state and event timeline', async () => {
    const po = withPoNumber('W-3');
    await post('/v1/purchase-orders', po);
    const firstLine = (po.lines as Array<{ lineNumber: number }>)[0]?.lineNumber;
    await post(`/v1/purchase-orders/${po.company}/W-3/changes`, {
      changeReason: 'Customer pulled in the date',
      lines: [{ lineNumber: firstLine, action: 'update', requestedDeliveryDate: '2027-01-15' }],
    });
    const response = await gw.app.inject({
      url: `/v1/purchase-orders/${po.company}/W-3`,
      headers: { authorization: writer },
    });
    expect(response.statusCode).toBe(200);
    const view = json<{
      status: string;
      streamRevision: number;
      state: { lines: Array<{ requestedDeliveryDate?: string }> };
      events: Array<{ type: string; clientId: string }>;
    }>(response);
    expect(view.status).toBe('open');
    expect(view.streamRevision).toBe(2);
    expect(view.state.lines[0]?.requestedDeliveryDate).toBe('2027-01-15');
    expect(view.events.map((e) => [e.type, e.clientId])).toEqual([
      ['DocumentOwnershipAssigned', 'supplier-portal'],
      ['PurchaseOrderSubmitted', 'supplier-portal'],
      ['PurchaseOrderChanged', 'supplier-portal'],
    ]);
  });

  it('accepts every v1 command with its contract example, children following their order', async () => {
    const po = example('purchase-order-submit');
    const base = `/v1/purchase-orders/${po.company}/${po.poNumber}`;
    const steps: Array<[string, unknown]> = [
      ['/v1/purchase-orders', po],
      [`${base}/acknowledgements`, example('purchase-order-acknowledgement')],
      [`${base}/changes`, example('purchase-order-change')],
      ['/v1/shipment-notices', example('shipment-notice')],
      ['/v1/goods-receipts', example('goods-receipt')],
      ['/v1/supplier-invoices', example('supplier-invoice')],
      ['/v1/journal-entries', example('journal-entry')],
    ];
    for (const [url, payload] of steps) {
      const response = await post(url, payload);
      expect({ url, status: response.statusCode, body: json(response) }).toMatchObject({
        url,
        status: 202,
      });
      // The examples are coherent: the ASN, receipt and invoice reference the example order.
      expect(json<{ exceptions?: unknown[] }>(response).exceptions ?? []).toEqual([]);
    }
    const cancelled = await post(`${base}/cancellation`, example('purchase-order-cancellation'));
    expect(cancelled.statusCode).toBe(202);
    const again = await post(`${base}/changes`, example('purchase-order-change'));
    expect(again.statusCode).toBe(409);
    expect(json(again)).toMatchObject({ status: 409, code: 'purchase-order-cancelled' });
  });

  it('records a receipt for an unknown order with a flagged exception, never dropping it', async () => {
    const receipt = { ...example('goods-receipt'), receiptNumber: 'GR-ORPHAN' } as Record<
      string,
      unknown
    >;
    const lines = receipt.lines as Array<Record<string, unknown>>;
    receipt.lines = lines.map((line) => ({ ...line, poNumber: 'PO-BEFORE-GO-LIVE' }));
    const response = await post('/v1/goods-receipts', receipt);
    expect(response.statusCode).toBe(202);
    const { exceptions } = json<{ exceptions: Array<{ code: string; pointer: string }> }>(response);
    expect(exceptions[0]).toMatchObject({
      code: 'UNKNOWN_PURCHASE_ORDER',
      pointer: '/lines/0/poNumber',
    });
    const view = await gw.app.inject({
      url: `/v1/goods-receipts/${receipt.site}/GR-ORPHAN`,
      headers: { authorization: writer },
    });
    expect(json<{ state: { exceptions: unknown[] } }>(view).state.exceptions).toHaveLength(
      lines.length,
    );
  });
});

describe('v1 rejections change nothing', () => {
  const expectNothingRecorded = async (before: number) =>
    expect((await gw.allEvents()).length).toBe(before);

  it('lists every contract violation with a pointer, as application/problem+json', async () => {
    const before = (await gw.allEvents()).length;
    const po = withPoNumber('BAD-1') as Record<string, unknown>;
    const lines = po.lines as Array<Record<string, unknown>>;
    const response = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { authorization: writer }, // and no Idempotency-Key
      payload: {
        ...po,
        currency: 'dollars',
        surprise: true,
        lines: [{ ...lines[0], unitPrice: 1.84 }],
        supplier: undefined,
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = json<{
      type: string;
      title: string;
      status: number;
      errors: Array<{ pointer: string; in: string }>;
    }>(response);
    expect(problem).toMatchObject({ status: 400, code: 'invalid-request' });
    expect(problem.errors.map((e) => `${e.in}:${e.pointer}`).sort()).toEqual(
      [
        'body:/currency',
        'body:/lines/0/unitPrice',
        'body:/supplier',
        'body:/surprise',
        'header:/idempotency-key',
      ].sort(),
    );
    await expectNothingRecorded(before);
  });

  it('answers 422 with pointers for business rules: unbalanced journal, unknown line', async () => {
    const before = (await gw.allEvents()).length;
    const entry = { ...example('journal-entry'), entryNumber: 'JE-UNBAL' } as Record<
      string,
      unknown
    >;
    const lines = entry.lines as Array<Record<string, unknown>>;
    entry.lines = lines.map((line, i) =>
      i === 0 ? { ...line, ...(line.debit ? { debit: '0.01' } : { credit: '0.01' }) } : line,
    );
    const unbalanced = await post('/v1/journal-entries', entry);
    expect(unbalanced.statusCode).toBe(422);
    expect(json(unbalanced)).toMatchObject({
      code: 'unbalanced-journal-entry',
      errors: [{ pointer: '/lines' }],
    });

    const po = withPoNumber('W-422');
    expect((await post('/v1/purchase-orders', po)).statusCode).toBe(202);
    const change = await post(`/v1/purchase-orders/${po.company}/W-422/changes`, {
      lines: [{ lineNumber: 9999, action: 'cancel' }],
    });
    expect(change.statusCode).toBe(422);
    expect(json(change)).toMatchObject({
      errors: [{ pointer: '/lines/0/lineNumber', in: 'body' }],
    });
    expect((await gw.allEvents()).length).toBe(before + 2); // the order and its ownership record
  });

  it('answers 404 for a command on an unknown order and for an unknown document', async () => {
    const change = await post('/v1/purchase-orders/ACME-US/NOPE/cancellation', { reason: 'x' });
    expect(change.statusCode).toBe(404);
    const get = await gw.app.inject({
      url: '/v1/journal-entries/ACME-US/NOPE',
      headers: { authorization: writer },
    });
    expect(get.statusCode).toBe(404);
    expect(get.headers['content-type']).toMatch(/problem\+json/);
  });

  it('answers malformed JSON, a wrong media type and an oversized body with problems', async () => {
    const headers = { authorization: writer, 'idempotency-key': newKey() };
    const malformed = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"company": ',
    });
    expect([malformed.statusCode, json(malformed).code]).toEqual([400, 'malformed-body']);
    const xml = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { ...headers, 'content-type': 'application/xml' },
      payload: '<po/>',
    });
    expect([xml.statusCode, json(xml).code]).toEqual([415, 'unsupported-media-type']);
    const huge = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ notes: 'x'.repeat(1_100_000) }),
    });
    expect([huge.statusCode, json(huge).code]).toEqual([413, 'body-too-large']);
  });
});

describe('recorded events follow their contracts', () => {
  it('validates the data of every recorded event and the metadata of every command event', async () => {
    const contracts = loadContracts();
    const ajv = createAjv(contracts.values());
    const events = await gw.allEvents();
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) {
      const validateData = ajv.getSchema(eventSchemaId(event));
      expect(validateData, `no contract for ${event.type}`).toBeDefined();
      expect(
        validateData?.(event.data),
        `${event.type}: ${JSON.stringify(validateData?.errors)}`,
      ).toBe(true);
      const validateMetadata = ajv.getSchema(
        'https://coexist.dev/contracts/events/v1/metadata.json',
      );
      expect(
        validateMetadata?.(event.metadata),
        `${event.type} metadata: ${JSON.stringify(validateMetadata?.errors)}`,
      ).toBe(true);
    }
  });
});
