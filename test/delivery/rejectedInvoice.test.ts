/**
 * A supplier invoice an operator rejected is never delivered: its delivery is finished as
 * `skipped` with the rejection's reason (not `held` for ever), so it leaves the backlog.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gatesOf, registeredGates } from '../../src/delivery/gates.js';
import { deliveryStatusOf } from '../../src/delivery/status.js';
import { invoice, order } from '../matching/harness.js';
import { newKey } from '../support/gateway.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});
const invoiceStream = 'SupplierInvoice-SUP-10023/INV-R1';
const post = (url: string, payload: object, authorization: string) =>
  h.gw.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization, 'idempotency-key': newKey() },
  });
const stateOf = (documentStream: string) =>
  h.history
    .list({ target: 'legacy' })
    .filter((s) => s.documentStream === documentStream)
    .map((s) => s.state)
    .join();

describe('a rejected supplier invoice', () => {
  it('is skipped with the reason, not held for ever, and leaves the backlog', async () => {
    h = await startHarness(undefined, undefined, { gates: gatesOf(registeredGates) });
    expect((await post('/v1/purchase-orders', order(), h.writer)).statusCode).toBe(202);
    const posted = await post('/v1/supplier-invoices', invoice('INV-R1', '495'), h.writer);
    expect(posted.statusCode, posted.body).toBe(202);
    await h.until(() => stateOf(invoiceStream) === 'held', 'held awaiting its match');

    const rejected = await post(
      '/v1/supplier-invoices/SUP-10023/INV-R1/reject',
      { reason: 'Duplicate of INV-0999' },
      h.operator,
    );
    expect(rejected.statusCode, rejected.body).toBe(200);
    await h.until(() => stateOf(invoiceStream) === 'skipped', 'skipped');
    expect(h.connector.callsFor('SUP-10023/INV-R1')).toEqual([]);

    const [legacy] = await deliveryStatusOf(h.gw.store, invoiceStream);
    expect(legacy?.deliveries[0]).toMatchObject({
      state: 'skipped',
      resolution: {
        outcome: 'skipped',
        by: 'gate',
        reason: expect.stringMatching(/rejected by ops \(Duplicate of INV-0999\).*never delivered/),
      },
    });
    const held = await h.gw.app.inject({
      method: 'GET',
      url: '/v1/admin/deliveries?state=held',
      headers: { authorization: h.operator },
    });
    expect(held.json()).toMatchObject({ total: 0 });
    const metrics = (
      await h.gw.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: h.operator },
      })
    ).body;
    expect(metrics).not.toMatch(/coexist_delivery_backlog\{target="legacy",state="held"\} 1/);
  });
});
