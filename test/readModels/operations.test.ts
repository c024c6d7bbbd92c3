/**
 * Read models for money and deliveries, through the API: the trial balance of a company and
 * period (REST and GraphQL, balanced, scope-checked) and the delivery backlog and dead
 * letters (counts and oldest age per target, from the `deliveries` read model).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { type ReadSideGateway, startReadSideGateway } from '../graphql/readSideGateway.js';
import { example } from '../support/gateway.js';

let gw: ReadSideGateway;
let writer: string;
let auditor: string;
let operator: string;
let usOnly: string;
let supplierKey: string;

const get = (url: string, authorization = auditor) =>
  gw.app.inject({ method: 'GET', url, headers: { authorization } });
const gql = async (query: string) =>
  (
    await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: auditor, 'content-type': 'application/json' },
      payload: { query },
    })
  ).json() as { data?: Record<string, unknown>; errors?: { extensions: { code: string } }[] };

const entry = (
  company: string,
  entryNumber: string,
  postingDate: string,
  lines: Array<[string, string, 'debit' | 'credit', string]>,
) => ({
  company,
  entryNumber,
  postingDate,
  lines: lines.map(([account, currency, side, amount], index) => ({
    lineNumber: index + 1,
    account,
    currency,
    [side]: amount,
  })),
});

const deliveryEvent = (target: string, document: string, type: string, data: JsonObject) =>
  gw.store.appendToStream(
    `Delivery-${target}:${document}`,
    [{ id: randomUUID(), type, data, metadata: {} }],
    { expectedRevision: 'any' },
  );
const request = (target: string, n: number, requestedAt: string) => {
  const document = `PurchaseOrder-ACME-US/D-${n}`;
  return deliveryEvent(target, document, 'DeliveryRequested', {
    deliveryId: `${target}.cmd-${n}`,
    target,
    role: 'primary',
    documentStream: document,
    documentType: 'purchaseOrder',
    documentKey: { company: 'ACME-US', poNumber: `D-${n}` },
    commandEventId: `cmd-${n}`,
    commandEventType: 'PurchaseOrderSubmitted',
    commandRevision: 1,
    commandPosition: String(n),
    action: 'create',
    parents: [],
    correlationId: null,
    commandId: null,
    requestedAt,
  });
};

beforeAll(async () => {
  gw = await startReadSideGateway();
  writer = await gw.key('finance', ['writer']);
  auditor = await gw.key('audit', ['auditor']);
  operator = await gw.key('ops', ['operator']);
  usOnly = await gw.key('us-finance', ['writer'], { companies: ['ACME-US'] });
  supplierKey = await gw.key('sup-portal', ['writer'], { suppliers: ['SUP-1'] });
  const entries = [
    entry('ACME-US', 'JE-1', '2026-11-03', [
      ['6410', 'USD', 'debit', '100.10'],
      ['2150', 'USD', 'credit', '100.10'],
    ]),
    entry('ACME-US', 'JE-2', '2026-11-30', [
      ['6410', 'USD', 'debit', '9.90'],
      ['6410', 'EUR', 'debit', '5'],
      ['1000', 'USD', 'credit', '9.90'],
      ['1000', 'EUR', 'credit', '5'],
    ]),
    entry('ACME-US', 'JE-3', '2026-12-01', [
      ['6410', 'USD', 'debit', '1'],
      ['1000', 'USD', 'credit', '1'],
    ]),
    entry('ACME-DE', 'JE-1', '2026-11-03', [
      ['6410', 'EUR', 'debit', '7'],
      ['1000', 'EUR', 'credit', '7'],
    ]),
  ];
  for (const body of entries) {
    expect((await gw.post('/v1/journal-entries', body, writer)).statusCode).toBe(202);
  }

  // Deliveries: legacy has one delivered, one retrying (oldest), one dead-lettered; cloud one pending.
  await request('legacy', 1, '2026-12-01T09:00:00.000Z');
  await deliveryEvent('legacy', 'PurchaseOrder-ACME-US/D-1', 'DeliverySucceeded', {
    deliveryId: 'legacy.cmd-1',
    attempt: 1,
    startedAt: '2026-12-01T09:00:01Z',
    finishedAt: '2026-12-01T09:00:02Z',
    durationMs: 1000,
    reference: 'PO/1',
    record: 'purchase.purchase,1',
  });
  await request('legacy', 2, '2026-12-01T09:30:00.000Z');
  await deliveryEvent('legacy', 'PurchaseOrder-ACME-US/D-2', 'DeliveryAttemptFailed', {
    deliveryId: 'legacy.cmd-2',
    attempt: 1,
    startedAt: '2026-12-01T09:30:01Z',
    finishedAt: '2026-12-01T09:30:02Z',
    durationMs: 1000,
    error: { kind: 'transient', code: 'timeout', message: 'ERP too slow' },
    nextAttemptAt: '2026-12-01T09:31:00Z',
  });
  await request('legacy', 3, '2026-12-01T09:45:00.000Z');
  await deliveryEvent('legacy', 'PurchaseOrder-ACME-US/D-3', 'DeliveryDeadLettered', {
    deliveryId: 'legacy.cmd-3',
    attempt: null,
    reason: 'permanent-error',
    error: { kind: 'permanent', code: 'erp-rejected', message: 'unknown supplier' },
    at: '2026-12-01T09:45:01.000Z',
  });
  await request('cloud', 4, '2026-12-01T09:50:00.000Z');
  // And one held by its gate, one skipped by an operator: neither is still to deliver.
  await request('cloud', 5, '2026-12-01T09:55:00.000Z');
  await deliveryEvent('cloud', 'PurchaseOrder-ACME-US/D-5', 'DeliveryHeld', {
    deliveryId: 'cloud.cmd-5',
    reason: 'awaiting receipt',
    at: '2026-12-01T09:55:01.000Z',
  });
  await request('cloud', 6, '2026-12-01T09:56:00.000Z');
  await deliveryEvent('cloud', 'PurchaseOrder-ACME-US/D-6', 'DeliverySkipped', {
    deliveryId: 'cloud.cmd-6',
    resolutionId: 'r-1',
    by: 'ops',
    reason: 'entered in the ERP by hand',
    at: '2026-12-01T09:57:00.000Z',
  });
  await gw.settle();
});
afterAll(() => gw?.close());

describe('trial balance', () => {
  it('sums postings per account and currency for a company and period, and balances', async () => {
    const response = await get('/v1/gl/trial-balance?company=ACME-US&period=2026-11');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ company: 'ACME-US', period: '2026-11', balanced: true });
    expect(body.currencies).toEqual([
      { currency: 'EUR', debit: '5', credit: '5', balanced: true },
      { currency: 'USD', debit: '110', credit: '110', balanced: true },
    ]);
    expect(body.accounts).toEqual([
      { account: '1000', currency: 'EUR', debit: '0', credit: '5', balance: '-5', lines: 1 },
      { account: '1000', currency: 'USD', debit: '0', credit: '9.9', balance: '-9.9', lines: 1 },
      {
        account: '2150',
        currency: 'USD',
        debit: '0',
        credit: '100.1',
        balance: '-100.1',
        lines: 1,
      },
      { account: '6410', currency: 'EUR', debit: '5', credit: '0', balance: '5', lines: 1 },
      { account: '6410', currency: 'USD', debit: '110', credit: '0', balance: '110', lines: 2 },
    ]);
    const december = (await get('/v1/gl/trial-balance?company=ACME-US&period=2026-12')).json();
    expect(december.currencies).toEqual([
      { currency: 'USD', debit: '1', credit: '1', balanced: true },
    ]);
    const empty = (await get('/v1/gl/trial-balance?company=NOPE&period=2026-11')).json();
    expect(empty).toMatchObject({ balanced: true, currencies: [], accounts: [] });
  });

  it('holds a writer to its companies, and refuses a supplier-scoped key', async () => {
    expect(
      (await get('/v1/gl/trial-balance?company=ACME-US&period=2026-11', usOnly)).statusCode,
    ).toBe(200);
    const other = await get('/v1/gl/trial-balance?company=ACME-DE&period=2026-11', usOnly);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'out-of-scope' });
    const supplier = await get('/v1/gl/trial-balance?company=ACME-US&period=2026-11', supplierKey);
    expect(supplier.statusCode).toBe(403);
  });

  it('answers bad parameters with a problem listing each', async () => {
    const response = await get('/v1/gl/trial-balance?period=2026-13&extra=1');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/problem\+json/);
    const pointers = (response.json().errors as { pointer: string }[]).map((e) => e.pointer);
    expect(pointers.length).toBeGreaterThanOrEqual(2);
  });

  it('answers the same in GraphQL', async () => {
    const result = await gql(
      '{ trialBalance(company: "ACME-DE", period: "2026-11") { balanced currencies { currency debit credit } accounts { account balance } } }',
    );
    expect(result.data?.trialBalance).toEqual({
      balanced: true,
      currencies: [{ currency: 'EUR', debit: '7', credit: '7' }],
      accounts: [
        { account: '1000', balance: '-7' },
        { account: '6410', balance: '7' },
      ],
    });
    const bad = await gql('{ trialBalance(company: "ACME-DE", period: "11-2026") { balanced } }');
    expect(bad.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('delivery backlog', () => {
  it('counts deliveries per target and state and names the oldest still to deliver', async () => {
    const response = await get('/v1/admin/delivery-backlog', operator);
    expect(response.statusCode).toBe(200);
    const { targets } = response.json();
    const legacy = targets.find((t: { target: string }) => t.target === 'legacy');
    expect(legacy).toMatchObject({
      states: { delivered: 1, pending: 0, 'in-flight': 0, retrying: 1, 'dead-lettered': 1 },
      outstanding: 1,
      deadLettered: 1,
      oldestOutstanding: {
        deliveryId: 'legacy.cmd-2',
        requestedAt: '2026-12-01T09:30:00.000Z',
      },
    });
    expect(legacy.oldestOutstanding.ageSeconds).toBeGreaterThan(0);
    const cloud = targets.find((t: { target: string }) => t.target === 'cloud');
    expect(cloud).toMatchObject({
      outstanding: 1,
      oldestOutstanding: { deliveryId: 'cloud.cmd-4' },
    });
    // Every recorded state is counted, zero included.
    expect(cloud.states).toEqual({
      delivered: 0,
      skipped: 1,
      pending: 1,
      'in-flight': 0,
      retrying: 0,
      held: 1,
      'dead-lettered': 0,
    });
    expect((await get('/v1/admin/delivery-backlog', writer)).statusCode).toBe(403);
  });

  it('lists dead letters with their reason', async () => {
    const response = await get('/v1/admin/dead-letters?target=legacy', operator);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      items: [
        {
          id: 'legacy.cmd-3',
          documentStream: 'PurchaseOrder-ACME-US/D-3',
          deadLetter: { code: 'erp-rejected', reason: 'permanent-error' },
        },
      ],
      next: null,
    });
    expect((await get('/v1/admin/dead-letters?target=cloud', operator)).json().items).toEqual([]);
  });

  it('answers in GraphQL, and shows a document its deliveries', async () => {
    const result = await gql(
      '{ deliveryBacklog { target retrying deadLettered outstanding oldestOutstandingAt } deadLetters { edges { node { deliveryId deadLetter } } } }',
    );
    expect(result.data?.deliveryBacklog).toContainEqual({
      target: 'legacy',
      retrying: 1,
      deadLettered: 1,
      outstanding: 1,
      oldestOutstandingAt: '2026-12-01T09:30:00.000Z',
    });
    expect(result.data?.deadLetters).toMatchObject({
      edges: [{ node: { deliveryId: 'legacy.cmd-3', deadLetter: { code: 'erp-rejected' } } }],
    });
  });

  it("shows a document's deliveries with their attempts in GraphQL", async () => {
    const order = { ...example('purchase-order-submit'), poNumber: 'D-2' };
    expect((await gw.post('/v1/purchase-orders', order, writer)).statusCode).toBe(202);
    await gw.settle();
    const result = await gql(
      '{ document(ref: { type: purchaseOrder, key: ["ACME-US", "D-2"] }) { deliveries { deliveryId state target attempts lastError } } }',
    );
    expect(result.data?.document).toMatchObject({
      deliveries: [
        {
          deliveryId: 'legacy.cmd-2',
          state: 'retrying',
          target: 'legacy',
          attempts: [{ attempt: 1, outcome: 'failed' }],
          lastError: { code: 'timeout' },
        },
      ],
    });
  });
});
