/** Retries never duplicate anything; concurrent writers never both win one revision. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;

beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('wms', ['writer']);
});
afterAll(() => gw.close());

const submit = (poNumber: string, key: string, auth = writer, extra: object = {}) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/purchase-orders',
    headers: { authorization: auth, 'idempotency-key': key },
    payload: { ...example('purchase-order-submit'), poNumber, ...extra },
  });

/** The command events of one order (its ownership record aside). */
const eventsOf = async (poNumber: string) =>
  (await gw.allEvents()).filter(
    (e) => e.streamName.endsWith(`/${poNumber}`) && e.type !== 'DocumentOwnershipAssigned',
  );

describe('Idempotency-Key', () => {
  it('returns the original response for a retry with the same body, recording one event', async () => {
    const key = newKey();
    const first = await submit('I-1', key);
    const retry = await submit('I-1', key);
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(json(retry)).toEqual(json(first));
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    expect(await eventsOf('I-1')).toHaveLength(1);
  });

  it('answers a retried receipt exactly as the first time, its exceptions and route included', async () => {
    const receipt: Record<string, unknown> = {
      ...example('goods-receipt'),
      receiptNumber: 'GR-RETRY',
    };
    receipt.lines = (receipt.lines as Array<Record<string, unknown>>).map((line) => ({
      ...line,
      poNumber: 'PO-UNKNOWN-HERE',
    }));
    const send = (key: string) =>
      gw.app.inject({
        method: 'POST',
        url: '/v1/goods-receipts',
        headers: { authorization: writer, 'idempotency-key': key },
        payload: receipt,
      });
    const key = newKey();
    const first = await send(key);
    const retry = await send(key);
    expect(first.statusCode).toBe(202);
    const body = json<{ exceptions: unknown[]; route: { owner: string } }>(first);
    expect(body.exceptions).not.toHaveLength(0);
    expect(body.route.owner).toBe('legacy');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(json(retry)).toEqual(body);
  });

  it('treats a body with its keys in another order as the same request', async () => {
    const key = newKey();
    const po = { ...example('purchase-order-submit'), poNumber: 'I-ORDER' };
    const reversed = Object.fromEntries(Object.entries(po).reverse());
    const headers = { authorization: writer, 'idempotency-key': key };
    const first = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers,
      payload: po,
    });
    const retry = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers,
      payload: reversed,
    });
    expect(retry.statusCode).toBe(202);
    expect(json(retry)).toEqual(json(first));
  });

  it('rejects the same key with a different body (422) and records nothing for it', async () => {
    const key = newKey();
    await submit('I-2', key);
    const other = await submit('I-2', key, writer, { notes: 'changed my mind' });
    expect(other.statusCode).toBe(422);
    expect(json(other)).toMatchObject({ code: 'idempotency-key-reused' });
    expect(await eventsOf('I-2')).toHaveLength(1);
  });

  it('scopes keys per client: two clients may use the same key for their own requests', async () => {
    const key = newKey();
    const otherClient = await gw.key('edi', ['writer']);
    expect((await submit('I-3A', key)).statusCode).toBe(202);
    expect((await submit('I-3B', key, otherClient)).statusCode).toBe(202);
  });

  it('produces exactly one event from 25 concurrent duplicates, all answered identically', async () => {
    const key = newKey();
    const responses = await Promise.all(Array.from({ length: 25 }, () => submit('I-4', key)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(25).fill(202));
    const bodies = new Set(responses.map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(await eventsOf('I-4')).toHaveLength(1);
  });

  it('does not spend a key on a rejected request', async () => {
    const key = newKey();
    const rejected = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders/ACME-US/NOT-THERE/cancellation',
      headers: { authorization: writer, 'idempotency-key': key },
      payload: { reason: 'typo' },
    });
    expect(rejected.statusCode).toBe(404);
    expect((await submit('I-5', key)).statusCode).toBe(202);
  });
});

describe('optimistic concurrency', () => {
  it('applies concurrent changes to one order one after another, never two on one revision', async () => {
    const po = example('purchase-order-submit');
    await submit('C-1', newKey());
    const line = (po.lines as Array<{ lineNumber: number }>)[0]?.lineNumber;
    const changes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        gw.app.inject({
          method: 'POST',
          url: `/v1/purchase-orders/${po.company}/C-1/changes`,
          headers: { authorization: writer, 'idempotency-key': newKey() },
          payload: { lines: [{ lineNumber: line, action: 'update', unitPrice: `${i + 1}.00` }] },
        }),
      ),
    );
    const accepted = changes.filter((r) => r.statusCode === 202);
    const conflicts = changes.filter((r) => r.statusCode === 409);
    expect(accepted.length + conflicts.length).toBe(12);
    const revisions = accepted.map((r) => json<{ streamRevision: number }>(r).streamRevision);
    expect(new Set(revisions).size).toBe(accepted.length);
    const events = await eventsOf('C-1');
    expect(events.map((e) => Number(e.revision))).toEqual(events.map((_, i) => i + 1));
    expect(events).toHaveLength(1 + accepted.length);
  });

  it('lets only one of two concurrent submits of the same order win; the other gets 409', async () => {
    const [a, b] = await Promise.all([submit('C-2', newKey()), submit('C-2', newKey())]);
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([202, 409]);
    expect(await eventsOf('C-2')).toHaveLength(1);
  });
});

describe('Idempotency-Key after the store forgot the claim (past its retention window)', () => {
  // The store keeps claims for a window (SQLite: 24 hours); later, only the document's events
  // remember the key. This gateway's store holds no claims at all, as after the window.
  let late: TestGateway;
  let auth: string;
  beforeAll(async () => {
    late = await startTestGateway({}, (store) => ({
      ...store,
      appendToStream: (stream, events, options) =>
        store.appendToStream(stream, events, { expectedRevision: options.expectedRevision }),
      findIdempotencyRecord: async () => null,
    }));
    auth = await late.key('edi', ['writer']);
  });
  afterAll(() => late.close());

  const post = (url: string, key: string, payload: object) =>
    late.app.inject({
      method: 'POST',
      url,
      headers: { authorization: auth, 'idempotency-key': key },
      payload,
    });
  const order = (poNumber: string) => ({ ...example('purchase-order-submit'), poNumber });

  it('still answers a retried submit with the original response, recording nothing', async () => {
    const key = newKey();
    const first = await post('/v1/purchase-orders', key, order('L-1'));
    const retry = await post('/v1/purchase-orders', key, order('L-1'));
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(json(retry)).toEqual(json(first));
    const events = (await late.allEvents()).filter((e) => e.streamName.endsWith('/L-1'));
    expect(events.map((e) => e.type)).toEqual([
      'DocumentOwnershipAssigned',
      'PurchaseOrderSubmitted',
    ]);
  });

  it('does not apply a retried change twice, and refuses the key for another change', async () => {
    const po = example('purchase-order-submit');
    await post('/v1/purchase-orders', newKey(), order('L-2'));
    const url = `/v1/purchase-orders/${po.company}/L-2/changes`;
    const line = (po.lines as Array<{ lineNumber: number }>)[0]?.lineNumber;
    const key = newKey();
    const change = { lines: [{ lineNumber: line, action: 'update', unitPrice: '9.99' }] };
    const first = await post(url, key, change);
    const retry = await post(url, key, change);
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(json(retry)).toEqual(json(first));
    const other = await post(url, key, {
      lines: [{ lineNumber: line, action: 'update', unitPrice: '1.00' }],
    });
    expect(other.statusCode).toBe(422);
    expect(json(other).type).toMatch(/idempotency-key-reused$/);
    const changed = (await late.allEvents()).filter(
      (e) => e.streamName.endsWith('/L-2') && e.type === 'PurchaseOrderChanged',
    );
    expect(changed).toHaveLength(1);
  });
});
