/**
 * The operational list and summary routes, served from the documents read model: filters,
 * cursor pagination, scope (a supplier-scoped key lists only its supplier's documents; an
 * auditor lists all), line balances, read-your-writes, and bad input as problems.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadSideGateway, startReadSideGateway } from '../graphql/readSideGateway.js';
import { example } from '../support/gateway.js';

let gw: ReadSideGateway;
let writer: string;
let auditor: string;
let supplierKey: string;

const get = (url: string, authorization = auditor) =>
  gw.app.inject({ method: 'GET', url, headers: { authorization } });
const ids = (body: { items: { key: Record<string, string> }[] }) =>
  body.items.map((item) => Object.values(item.key).join('/'));

const po = (poNumber: string, supplier: string, site = 'DAL1') => ({
  ...example('purchase-order-submit'),
  poNumber,
  supplier,
  site,
});

beforeAll(async () => {
  gw = await startReadSideGateway();
  writer = await gw.key('srm', ['writer']);
  auditor = await gw.key('audit', ['auditor']);
  supplierKey = await gw.key('sup-portal', ['writer'], { suppliers: ['SUP-10023'] });
  for (const [number, supplier, site] of [
    ['L-1', 'SUP-10023', 'DAL1'],
    ['L-2', 'SUP-2', 'DAL1'],
    ['L-3', 'SUP-10023', 'HOU1'],
    ['L-4', 'SUP-2', 'HOU1'],
    ['L-5', 'SUP-10023', 'DAL1'],
  ] as const) {
    gw.advance(1_000);
    expect(
      (await gw.post('/v1/purchase-orders', po(number, supplier, site), writer)).statusCode,
    ).toBe(202);
  }
  gw.advance(1_000);
  const cancelled = await gw.post(
    '/v1/purchase-orders/ACME-US/L-4/cancellation',
    { reason: 'duplicate' },
    writer,
  );
  expect(cancelled.statusCode).toBe(202);
  // A shipment notice against L-1 (its balances change: newest) and one against an unknown order.
  gw.advance(1_000);
  const asn = example('shipment-notice') as { lines: { poNumber: string }[] };
  const known = {
    ...asn,
    asnNumber: 'ASN-1',
    lines: asn.lines.map((line) => ({ ...line, poNumber: 'L-1' })),
  };
  const unknown = {
    ...asn,
    asnNumber: 'ASN-2',
    lines: asn.lines.map((line) => ({ ...line, poNumber: 'NOPE' })),
  };
  expect((await gw.post('/v1/shipment-notices', known, writer)).statusCode).toBe(202);
  expect((await gw.post('/v1/shipment-notices', unknown, writer)).statusCode).toBe(202);
  await gw.settle();
});
afterAll(() => gw?.close());

describe('document lists', () => {
  it("lists every purchase order to an auditor, newest first, and only its own supplier's to a scoped key", async () => {
    const all = await get('/v1/purchase-orders');
    expect(all.statusCode).toBe(200);
    expect(ids(all.json())).toEqual([
      'ACME-US/L-1',
      'ACME-US/L-4',
      'ACME-US/L-5',
      'ACME-US/L-3',
      'ACME-US/L-2',
    ]);
    const scoped = await get('/v1/purchase-orders', supplierKey);
    expect(scoped.statusCode).toBe(200);
    const items = scoped.json().items as { supplier: string }[];
    expect(items.map((item) => item.supplier)).toEqual(['SUP-10023', 'SUP-10023', 'SUP-10023']);
    const outside = await get('/v1/purchase-orders?supplier=SUP-2', supplierKey);
    expect(outside.statusCode).toBe(403);
    expect(outside.json()).toMatchObject({ code: 'out-of-scope' });
  });

  it('filters by company, site, supplier, owner, status, exception and date', async () => {
    const list = async (query: string) => ids((await get(`/v1/purchase-orders?${query}`)).json());
    expect(await list('site=HOU1&sort=date')).toEqual(['ACME-US/L-3', 'ACME-US/L-4']);
    expect(await list('status=cancelled')).toEqual(['ACME-US/L-4']);
    expect(await list('supplier=SUP-2&status=open')).toEqual(['ACME-US/L-2']);
    expect(await list('owner=cloud')).toEqual([]);
    expect(await list('company=ACME-US&owner=legacy&site=DAL1')).toEqual([
      'ACME-US/L-1',
      'ACME-US/L-5',
      'ACME-US/L-2',
    ]);
    const notices = async (query: string) =>
      ids((await get(`/v1/shipment-notices?${query}`)).json());
    expect(await notices('exception=any')).toEqual(['SUP-10023/ASN-2']);
    expect(await notices('exception=UNKNOWN_PURCHASE_ORDER')).toEqual(['SUP-10023/ASN-2']);
    expect(await notices('exception=OVER_SHIPMENT')).toEqual([]);
    expect(await notices('from=2026-11-01&to=2026-12-31')).toHaveLength(2);
    expect(await notices('from=2027-01-01')).toEqual([]);
  });

  it('pages with an opaque cursor until the last page', async () => {
    const seen: string[] = [];
    let url = '/v1/purchase-orders?limit=2';
    for (;;) {
      const page = (await get(url)).json() as {
        items: { key: Record<string, string> }[];
        next: string | null;
      };
      seen.push(...ids(page));
      if (!page.next) break;
      url = `/v1/purchase-orders?limit=2&cursor=${encodeURIComponent(page.next)}`;
    }
    expect(seen).toEqual([
      'ACME-US/L-1',
      'ACME-US/L-4',
      'ACME-US/L-5',
      'ACME-US/L-3',
      'ACME-US/L-2',
    ]);
  });

  it('answers bad queries with a problem naming each offending parameter', async () => {
    const bad = await get('/v1/purchase-orders?limit=0&owner=mars&colour=red');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const pointers = (bad.json().errors as { pointer: string }[])
      .map((error) => error.pointer)
      .sort();
    expect(pointers).toEqual(expect.arrayContaining(['/limit', '/owner']));
    const cursor = await get('/v1/purchase-orders?cursor=garbage');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().errors).toEqual([
      expect.objectContaining({ pointer: '/cursor', in: 'query' }),
    ]);
  });
});

describe('document summary', () => {
  it('shows a purchase order with its owner and per-line balances', async () => {
    const response = await get('/v1/purchase-orders/ACME-US/L-1/summary');
    expect(response.statusCode).toBe(200);
    const summary = response.json();
    expect(summary).toMatchObject({ owner: 'legacy', status: 'open', supplier: 'SUP-10023' });
    const line10 = summary.lines.find((line: { lineNumber: number }) => line.lineNumber === 10);
    expect(line10).toMatchObject({
      ordered: '500',
      shipped: '500',
      shippedByAsn: { 'ASN-1': '500' },
      received: '0',
      open: '500',
    });
  });

  it("waits for the client's own write when given its revision", async () => {
    const change = await gw.post(
      '/v1/purchase-orders/ACME-US/L-1/changes',
      { lines: [{ action: 'update', lineNumber: 10, quantity: { value: '650', uom: 'EA' } }] },
      writer,
    );
    const { streamRevision } = change.json() as { streamRevision: number };
    const response = await get(
      `/v1/purchase-orders/ACME-US/L-1/summary?minRevision=${streamRevision}`,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json().revision).toBe(streamRevision);
    const line10 = response
      .json()
      .lines.find((line: { lineNumber: number }) => line.lineNumber === 10);
    expect(line10.ordered).toBe('650');
  });

  it("answers a scoped key another supplier's order exactly as a missing one (404)", async () => {
    const outside = await get('/v1/purchase-orders/ACME-US/L-2/summary', supplierKey);
    const missing = await get('/v1/purchase-orders/ACME-US/NONE/summary', supplierKey);
    expect(outside.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(outside.json().code).toBe(missing.json().code);
    expect(outside.json().detail).toBe(missing.json().detail.replace('NONE', 'L-2'));
    // Even when asked for a revision: no wait, no 503 that tells it exists.
    const waited = await get('/v1/purchase-orders/ACME-US/L-2/summary?minRevision=0', supplierKey);
    expect(waited.statusCode).toBe(404);
    expect((await get('/v1/purchase-orders/ACME-US/L-1/summary', supplierKey)).statusCode).toBe(
      200,
    );
    expect((await get('/v1/purchase-orders/ACME-US/NONE/summary')).statusCode).toBe(404);
  });

  it('answers 404 for a missing document asked for at a revision, not a 503', async () => {
    const response = await get('/v1/purchase-orders/ACME-US/NONE/summary?minRevision=3');
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('document-not-found');
  });

  it('refuses a revision the document has not reached (4xx, not retryable), summary and GET alike', async () => {
    const current = (await get('/v1/purchase-orders/ACME-US/L-3/summary')).json().revision;
    for (const url of [
      '/v1/purchase-orders/ACME-US/L-3/summary?minRevision=99',
      '/v1/purchase-orders/ACME-US/L-3?minRevision=99',
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['retry-after'], url).toBeUndefined();
      expect(response.json(), url).toMatchObject({
        code: 'revision-not-recorded',
        streamRevision: current,
        minRevision: 99,
        errors: [expect.objectContaining({ pointer: '/minRevision', in: 'query' })],
      });
    }
    // Outside a scoped key's view, still the 404 of a missing document.
    const scoped = await get('/v1/purchase-orders/ACME-US/L-2?minRevision=99', supplierKey);
    expect(scoped.statusCode).toBe(404);
  });
});

const pointersOf = async (url: string) => {
  const response = await get(url);
  expect(response.statusCode, url).toBe(400);
  expect(response.headers['content-type'], url).toMatch(/problem\+json/);
  return (response.json().errors as { pointer: string; in: string }[])
    .map((error) => `${error.in}:${error.pointer}`)
    .sort();
};

describe('bad list queries', () => {
  it('refuses values the contracts would refuse, and dates that are not in the calendar', async () => {
    for (const [query, pointer] of [
      ['from=2026-13-45', '/from'],
      ['from=2026-02-30', '/from'],
      ['to=2026-02-29T10:00:00Z', '/to'],
      ['company=a%20b', '/company'],
      ['supplier=%24', '/supplier'],
      ['site=x%00', '/site'],
      ['status=weird', '/status'],
    ]) {
      expect(await pointersOf(`/v1/purchase-orders?${query}`), query).toEqual([`query:${pointer}`]);
    }
    expect((await get('/v1/purchase-orders?from=2024-02-29&status=open')).statusCode).toBe(200);
  });

  it('lists every violation of path, query and cursor in one problem', async () => {
    expect(await pointersOf('/v1/purchase-orders?limit=0&cursor=zzz&from=2026-02-30')).toEqual([
      'query:/cursor',
      'query:/from',
      'query:/limit',
    ]);
    expect(await pointersOf('/v1/purchase-orders/ACME-US/L-1/events?limit=0&cursor=zzz')).toEqual([
      'query:/cursor',
      'query:/limit',
    ]);
    const both = await pointersOf('/v1/purchase-orders/ACME%20US/45%00?minRevision=x&foo=1');
    expect(both).toEqual(expect.arrayContaining(['query:/minRevision', 'query:/foo']));
    expect(both.filter((pointer) => pointer.startsWith('path:')).length).toBeGreaterThan(0);
    const summary = await pointersOf('/v1/purchase-orders/ACME%20US/L-1/summary?minRevision=x');
    expect(summary).toEqual(['path:/company', 'query:/minRevision']);
  });

  it('refuses a cursor used with another query than the one it was handed out for', async () => {
    const first = (await get('/v1/purchase-orders?sort=date&limit=2')).json();
    expect(first.next).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.next);
    expect((await get(`/v1/purchase-orders?sort=date&limit=3&cursor=${cursor}`)).statusCode).toBe(
      200,
    );
    for (const query of ['', 'sort=updatedAt&', 'sort=date&site=DAL1&']) {
      expect(await pointersOf(`/v1/purchase-orders?${query}cursor=${cursor}`), query).toEqual([
        'query:/cursor',
      ]);
    }
    expect(await pointersOf(`/v1/goods-receipts?sort=date&cursor=${cursor}`)).toEqual([
      'query:/cursor',
    ]);
  });
});
