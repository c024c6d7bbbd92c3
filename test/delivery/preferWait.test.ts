/**
 * `Prefer: wait=N` (RFC 7240) on command POSTs: the ERP's reference in a 200 when the primary
 * delivery finishes within N seconds, the usual 202 otherwise.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { preferredWait } from '../../src/delivery/preferWait.js';
import { example, newKey } from '../support/gateway.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const submit = (poNumber: string, prefer?: string) =>
  h.gw.app.inject({
    method: 'POST',
    url: '/v1/purchase-orders',
    headers: {
      authorization: h.writer,
      'idempotency-key': newKey(),
      ...(prefer ? { prefer } : {}),
    },
    payload: { ...example('purchase-order-submit'), poNumber },
  });

describe('Prefer: wait', () => {
  it('reads the wait preference as RFC 7240 writes it, capped', () => {
    expect(preferredWait('wait=10')).toBe(10);
    expect(preferredWait('respond-async, wait=5')).toBe(5);
    expect(preferredWait('handling=strict; wait="3"')).toBe(3);
    expect(preferredWait('wait=100000')).toBe(60);
    expect(preferredWait('handling=lenient')).toBeNull();
    expect(preferredWait(undefined)).toBeNull();
  });

  it("answers 200 with the ERP's reference when the delivery finishes in time", async () => {
    h = await startHarness();
    const response = await submit('W-1', 'wait=10');
    expect(response.statusCode).toBe(200);
    expect(response.headers['preference-applied']).toBe('wait=10');
    expect(response.json()).toMatchObject({
      status: 'accepted',
      delivery: { target: 'legacy', state: 'delivered', reference: 'ERP-ACME-US/W-1' },
    });
  });

  it('answers the usual 202 when the ERP takes longer, and at once without the preference', async () => {
    h = await startHarness();
    let open = () => {};
    h.connector.gate = new Promise((r) => {
      open = r;
    });
    const started = Date.now();
    const slow = await submit('W-2', 'wait=1');
    expect(slow.statusCode).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slow.json().delivery).toBeUndefined();
    const plain = await submit('W-3');
    expect(plain.statusCode).toBe(202);
    expect(plain.headers['preference-applied']).toBeUndefined();
    h.connector.gate = null;
    open();
  });
});
