/**
 * Operators' override and reject POSTs take an Idempotency-Key like every POST: without one
 * the request is refused before anything is read; a retry with the same key answers the
 * original decision (not a conflict), and the same key for another request is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invoice, type MatchGateway, order, startMatchGateway } from '../matching/harness.js';
import { json } from '../support/gateway.js';

let gateway: MatchGateway;
beforeEach(async () => {
  gateway = await startMatchGateway();
  await gateway.post('purchase-orders', order());
  await gateway.post('supplier-invoices', invoice('INV-1', '495'));
});
afterEach(async () => {
  await gateway.close();
});

const decide = (action: 'override' | 'reject', reason: string, key?: string) =>
  gateway.app.inject({
    method: 'POST',
    url: `/v1/supplier-invoices/SUP-10023/INV-1/${action}`,
    headers: { authorization: gateway.operator, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { reason },
  });

const decisions = async () =>
  (await gateway.allEvents())
    .filter((e) => e.streamName === 'SupplierInvoice-SUP-10023/INV-1')
    .filter((e) => e.type === 'InvoiceReleased' || e.type === 'InvoiceRejected');

describe('invoice decisions and Idempotency-Key', () => {
  it('refuses a decision without Idempotency-Key, listing every violation, and records nothing', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/supplier-invoices/SUP-10023/INV-1/override',
      headers: { authorization: gateway.operator },
      payload: { reason: 'x' },
    });
    expect(response.statusCode).toBe(400);
    const errors = json(response).errors as { pointer: string; in: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/idempotency-key', in: 'header' }),
        expect.objectContaining({ pointer: '/reason', in: 'body' }),
      ]),
    );
    expect(await decisions()).toEqual([]);
  });

  it('answers a retry with the original decision, and refuses the key for another request', async () => {
    const first = await decide('override', 'Agreed with purchasing', 'k-1');
    expect(first.statusCode).toBe(200);
    const retry = await decide('override', 'Agreed with purchasing', 'k-1');
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(json(retry)).toEqual(json(first));
    // Once released, a reject with the override's key is another request: refused as such.
    const reused = await decide('reject', 'Agreed with purchasing', 'k-1');
    expect(reused.statusCode).toBe(422);
    expect(json(reused)).toMatchObject({ code: 'idempotency-key-reused' });
    expect((await decisions()).map((e) => e.type)).toEqual(['InvoiceReleased']);
  });
});
