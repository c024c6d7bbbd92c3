/**
 * The document GETs, served from the `documentStates` read model: the same answer as the
 * stream's fold, eventually consistent, read-your-writes with `minRevision`, a bounded
 * embedded timeline, and the whole timeline page by page at `/events`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldDocument } from '../../src/domain/fold.js';
import type { ReadModelStore } from '../../src/ports/readModelStore.js';
import { type ReadSideGateway, startReadSideGateway } from '../graphql/readSideGateway.js';
import { example } from '../support/gateway.js';

let gw: ReadSideGateway;
let writer: string;
let auditor: string;
let otherSupplier: string;
/** Test knob: the read model shows document states only up to this revision. */
let visibleUpTo = Number.POSITIVE_INFINITY;
const modelReads: string[] = [];
const lastVisible = new Map<string, Awaited<ReturnType<ReadModelStore['get']>>>();

/** A read-model store whose documentStates lag behind as the test says. */
const lagging = (store: ReadModelStore): ReadModelStore => ({
  ...store,
  async get(model, id) {
    modelReads.push(model);
    const found = await store.get(model, id);
    if (model !== 'documentStates' || !found) return found;
    // A lagging model still shows what it had reached: the last version within the limit.
    if (Number(found.streamRevision) <= visibleUpTo) lastVisible.set(id, found);
    return lastVisible.get(id) ?? null;
  },
});

const get = (url: string, authorization = auditor) =>
  gw.app.inject({ method: 'GET', url, headers: { authorization } });
const order = '/v1/purchase-orders/ACME-US/G-1';
const change = (value: string) => ({
  changeReason: 'quantity',
  lines: [{ action: 'update', lineNumber: 10, quantity: { value, uom: 'EA' } }],
});
const line10 = (state: { lines: { lineNumber: number; quantity: { value: string } }[] }) =>
  state.lines.find((line) => line.lineNumber === 10)?.quantity.value;

beforeAll(async () => {
  gw = await startReadSideGateway({ wrapReadModels: lagging });
  writer = await gw.key('srm', ['writer']);
  auditor = await gw.key('audit', ['auditor']);
  otherSupplier = await gw.key('other-portal', ['writer'], { suppliers: ['SUP-OTHER'] });
  const po = { ...example('purchase-order-submit'), poNumber: 'G-1' };
  expect((await gw.post('/v1/purchase-orders', po, writer)).statusCode).toBe(202);
  await gw.settle();
});
afterAll(() => gw?.close());

describe('document GET from the read model', () => {
  it('answers the state the stream folds to, from the read model', async () => {
    modelReads.length = 0;
    const response = await get(order);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const events = await gw.store.readStream('PurchaseOrder-ACME-US/G-1');
    expect(body.state).toEqual(JSON.parse(JSON.stringify(foldDocument('purchaseOrder', events))));
    expect(body).toMatchObject({
      status: 'open',
      streamRevision: Number(events.at(-1)?.revision),
      route: { owner: 'legacy' },
      timeline: { total: events.length, included: events.length, next: null },
    });
    expect(body.events.map((event: { type: string }) => event.type)).toEqual(
      events.map((event) => event.type),
    );
    expect(modelReads).toContain('documentStates');
  });

  it('is eventually consistent, and reads its own write with minRevision', async () => {
    const before = (await get(order)).json();
    visibleUpTo = before.streamRevision; // the read model stops showing newer revisions
    const accepted = await gw.post(`${order}/changes`, change('777'), writer);
    expect(accepted.statusCode).toBe(202);
    const { streamRevision } = accepted.json() as { streamRevision: number };
    await gw.settle();

    const stale = (await get(order)).json();
    expect(stale.streamRevision).toBe(before.streamRevision);
    expect(line10(stale.state)).toBe(line10(before.state));

    setTimeout(() => {
      visibleUpTo = Number.POSITIVE_INFINITY; // the read model catches up 100 ms later
    }, 100);
    const started = Date.now();
    const fresh = await get(`${order}?minRevision=${streamRevision}`);
    expect(fresh.statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(fresh.json().streamRevision).toBe(streamRevision);
    expect(line10(fresh.json().state)).toBe('777');
  });

  it('answers from the stream when the read model does not reach minRevision in time', async () => {
    visibleUpTo = -1;
    try {
      const accepted = await gw.post(`${order}/changes`, change('778'), writer);
      const { streamRevision } = accepted.json() as { streamRevision: number };
      const response = await get(`${order}?minRevision=${streamRevision}`);
      expect(response.statusCode).toBe(200);
      expect(response.json().streamRevision).toBe(streamRevision);
      expect(line10(response.json().state)).toBe('778');
    } finally {
      visibleUpTo = Number.POSITIVE_INFINITY;
    }
  });

  it('embeds the first 20 events and pages through the whole timeline at /events', async () => {
    for (let i = 0; i < 22; i++) {
      expect((await gw.post(`${order}/changes`, change(String(800 + i)), writer)).statusCode).toBe(
        202,
      );
    }
    await gw.settle();
    const events = await gw.store.readStream('PurchaseOrder-ACME-US/G-1');
    const body = (await get(order)).json();
    expect(body.events).toHaveLength(20);
    expect(body.events[0].revision).toBe(0);
    expect(body.timeline).toMatchObject({ total: events.length, included: 20 });
    expect(line10(body.state)).toBe('821');

    const seen: number[] = body.events.map((event: { revision: number }) => event.revision);
    let url: string | null = body.timeline.next;
    while (url) {
      const page = await get(url);
      expect(page.statusCode).toBe(200);
      const json = page.json();
      seen.push(...json.items.map((event: { revision: number }) => event.revision));
      url = json.next ? `${order}/events?cursor=${json.next}` : null;
    }
    expect(seen).toEqual(events.map((event) => Number(event.revision)));

    const small = (await get(`${order}/events?limit=10`)).json();
    expect(small.items).toHaveLength(10);
    expect(small.items[9].revision).toBe(9);
  });

  it('refuses a bad cursor, answers 404 for unknown documents and for documents out of scope', async () => {
    const bad = await get(`${order}/events?cursor=nope`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].pointer).toBe('/cursor');
    expect((await get('/v1/purchase-orders/ACME-US/NOPE')).statusCode).toBe(404);
    expect((await get('/v1/purchase-orders/ACME-US/NOPE/events')).statusCode).toBe(404);
    expect((await get(order, otherSupplier)).statusCode).toBe(404);
    expect((await get(`${order}/events`, otherSupplier)).statusCode).toBe(404);
    expect((await get(`${order}?minRevision=abc`)).statusCode).toBe(400);
  });
});
