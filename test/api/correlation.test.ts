/** Every response carries the correlation id; invalid ones are refused or ignored, never kept. */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('correlation-writer', ['writer']);
});
afterAll(() => gw.close());

/** The stream of the document an accepted command names in its answer. */
const streamOf = (answer: Record<string, unknown>): string => {
  const { key } = answer.document as { key: { company: string; poNumber: string } };
  return `PurchaseOrder-${encodeURIComponent(key.company)}/${encodeURIComponent(key.poNumber)}`;
};

const submitPo = (headers: Record<string, string>, poNumber = newKey().slice(-30)) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/purchase-orders',
    headers: { authorization: writer, 'idempotency-key': newKey(), ...headers },
    payload: { ...example('purchase-order-submit'), poNumber },
  });

describe('X-Correlation-Id on every response', () => {
  const id = 'order-sync:run-42';
  const cases: Array<[string, () => Promise<LightMyRequestResponse>]> = [
    ['an accepted POST', () => submitPo({ 'x-correlation-id': id })],
    [
      'a 400',
      () =>
        gw.app.inject({
          method: 'POST',
          url: '/v1/purchase-orders',
          headers: { authorization: writer, 'idempotency-key': newKey(), 'x-correlation-id': id },
          payload: {},
        }),
    ],
    [
      'a 401',
      () => gw.app.inject({ url: '/v1/purchase-orders/A/B', headers: { 'x-correlation-id': id } }),
    ],
    [
      'a 404 document',
      () =>
        gw.app.inject({
          url: '/v1/purchase-orders/ACME-US/NOPE',
          headers: { authorization: writer, 'x-correlation-id': id },
        }),
    ],
    [
      'an unknown route',
      () => gw.app.inject({ url: '/v1/widgets', headers: { 'x-correlation-id': id } }),
    ],
    [
      'a health check',
      () => gw.app.inject({ url: '/health/live', headers: { 'x-correlation-id': id } }),
    ],
  ];
  for (const [name, send] of cases) {
    it(`echoes it on ${name}`, async () => {
      const response = await send();
      expect(response.headers['x-correlation-id'], response.body).toBe(id);
    });
  }

  it('echoes it on a GET of a document', async () => {
    const poNumber = newKey().slice(-30);
    expect((await submitPo({}, poNumber)).statusCode).toBe(202);
    const response = await gw.app.inject({
      url: `/v1/purchase-orders/ACME-US/${poNumber}`,
      headers: { authorization: writer, 'x-correlation-id': id },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-correlation-id']).toBe(id);
  });

  it('gives a request without one a fresh id, and says which', async () => {
    const response = await gw.app.inject({ url: '/health/live' });
    expect(response.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('uses the trace id of a valid traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await submitPo({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(response.statusCode).toBe(202);
    expect(json(response).correlationId).toBe(traceId);
    expect(response.headers['x-correlation-id']).toBe(traceId);
  });
});

describe('invalid correlation headers', () => {
  const invalidTraceparents = [
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01', // all-zero trace id
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', // all-zero parent id
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // forbidden version
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', // upper case
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', // v00 takes no more
    'garbage',
  ];
  for (const traceparent of invalidTraceparents) {
    it(`ignores traceparent ${traceparent} (W3C: start a new trace)`, async () => {
      const response = await submitPo({ traceparent, 'x-correlation-id': 'fallback-1' });
      expect(response.statusCode, response.body).toBe(202);
      expect(json(response).correlationId).toBe('fallback-1');
      const bare = await submitPo({ traceparent });
      expect(json(bare).correlationId).not.toBe(traceparent.split('-')[1]);
      expect(json(bare).correlationId).toMatch(/^[0-9a-f-]{36}$/);
      // Nor is it recorded as the command's trace context.
      const [event] = await gw.store.readStream(streamOf(json(bare)), { maxCount: 1 });
      expect(event?.metadata.traceparent).toBeUndefined();
    });
  }

  const invalidIds = ['', 'has space', 'x'.repeat(129), 'naïve', 'a,b', '<script>'];
  for (const given of invalidIds) {
    it(`refuses X-Correlation-Id ${JSON.stringify(given.slice(0, 20))} with a 400 problem and records nothing`, async () => {
      const before = (await gw.allEvents()).length;
      const response = await submitPo({ 'x-correlation-id': given });
      expect(response.statusCode, response.body).toBe(400);
      expect(json(response)).toMatchObject({
        code: 'invalid-correlation-id',
        errors: [{ pointer: '/x-correlation-id', in: 'header' }],
      });
      // The answer still carries an id the client can quote.
      expect(response.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect((await gw.allEvents()).length).toBe(before);
    });
  }
});
