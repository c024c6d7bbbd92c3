/**
 * A document's stream will hold events the deciders do not handle (delivery, hold and migration
 * events are next). An old purchase order with such an event answers GET and commands exactly as
 * before, on a real SQLite store.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamNameOf } from '../../src/domain/documents.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;

beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('erp-team', ['writer']);
});
afterAll(() => gw.close());

const post = (url: string, payload: unknown) =>
  gw.app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: { authorization: writer, 'idempotency-key': newKey() },
  });
const get = (url: string) =>
  gw.app.inject({ method: 'GET', url, headers: { authorization: writer } });

describe('a purchase order whose stream holds an event type no decider handles', () => {
  it('answers GET with the same state (200) and still accepts a change (202)', async () => {
    const po: Record<string, unknown> = { ...example('purchase-order-submit'), poNumber: 'UNK-1' };
    expect((await post('/v1/purchase-orders', po)).statusCode).toBe(202);
    const url = `/v1/purchase-orders/${String(po.company)}/UNK-1`;
    const before = json<{ state: unknown }>(await get(url)).state;

    const stream = streamNameOf({
      type: 'purchaseOrder',
      key: { company: String(po.company), poNumber: 'UNK-1' },
    });
    const recorded = await gw.store.readStream(stream);
    await gw.store.appendToStream(
      stream,
      [
        {
          id: randomUUID(),
          type: 'DeliveryAttemptRecorded',
          data: { target: 'legacy', outcome: 'timeout' },
          metadata: { clientId: 'dispatcher' },
        },
      ],
      { expectedRevision: recorded.at(-1)?.revision ?? 'no_stream' },
    );

    const after = await get(url);
    expect(after.statusCode).toBe(200);
    expect(json<{ state: unknown }>(after).state).toEqual(before);

    const changed = await post(`${url}/changes`, { notes: 'Deliver to dock 4.' });
    expect(changed.statusCode, changed.body).toBe(202);
    const state = json<{ state: { notes: string; changeCount: number } }>(await get(url)).state;
    expect([state.notes, state.changeCount]).toEqual(['Deliver to dock 4.', 1]);
  });
});
