/**
 * Delivery gates: a document's delivery held until its state allows it, visibly (`held` with
 * the gate's reason, in the operators' list and the document's GET), asked again when a later
 * event lands on the document's stream, never overtaken by the document's later commands,
 * and a refusal dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeliveryGate, gatesOf } from '../../src/delivery/gates.js';
import { deliveryStreamOf } from '../../src/delivery/records.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const po = (n: string) => `PurchaseOrder-ACME-US/${n}`;
const stateOf = (documentStream: string) =>
  h.history
    .list({ target: 'legacy' })
    .filter((s) => s.documentStream === documentStream)
    .map((s) => s.state)
    .join();

/** A test gate: an order goes once a `TestReleased` event names it, or is refused on `TestRejected`. */
const testGate: DeliveryGate = (state, { events }) => {
  const last = events.filter((e) => e.type.startsWith('Test')).at(-1);
  if (last?.type === 'TestRejected') return { kind: 'refuse', reason: 'rejected by the test' };
  if (last?.type === 'TestReleased') return { kind: 'go' };
  const status = (state as { status: string }).status;
  return { kind: 'wait', reason: `${last?.data.reason ?? 'awaiting release'} (status ${status})` };
};
const gates = gatesOf([{ documentType: 'purchaseOrder', gate: testGate }]);

const mark = (poNumber: string, type: string, reason = '') =>
  h.gw.store.appendToStream(
    po(poNumber),
    [{ id: randomUUID(), type, data: { reason }, metadata: {} }],
    { expectedRevision: 'any' },
  );

describe('delivery gates', () => {
  it('holds a delivery with its reason, visible to operators and on the document, until a later event lets it go', async () => {
    h = await startHarness(undefined, undefined, { gates });
    await h.submitPo('G-1');
    await h.until(() => stateOf(po('G-1')) === 'held', 'held');
    expect(h.connector.calls).toEqual([]);

    const listed = await h.gw.app.inject({
      method: 'GET',
      url: '/v1/admin/deliveries?state=held',
      headers: { authorization: h.operator },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({
      total: 1,
      deliveries: [
        {
          state: 'held',
          documentStream: po('G-1'),
          attempts: 0,
          hold: { reason: 'awaiting release (status open)', since: expect.any(String) },
        },
      ],
    });
    const document = await h.gw.app.inject({
      method: 'GET',
      url: '/v1/purchase-orders/ACME-US/G-1',
      headers: { authorization: h.writer },
    });
    expect(document.json().deliveries).toMatchObject([
      { target: 'legacy', state: 'held', reason: 'awaiting release (status open)' },
    ]);

    await mark('G-1', 'TestReleased');
    await h.until(() => stateOf(po('G-1')) === 'delivered', 'released and delivered');
    expect(h.connector.callsFor('ACME-US/G-1')).toEqual(['purchaseOrder:submit']);
    const events = await h.deliveryEvents('legacy', po('G-1'));
    expect(events.map((e) => e.type)).toEqual([
      'DeliveryRequested',
      'DeliveryHeld',
      'DeliveryAttemptStarted',
      'DeliverySucceeded',
    ]);
    // The ERP receives the command's state, the gate's own events never leak into it.
    expect(events[2]?.data).toMatchObject({ attempt: 1 });
  });

  it("keeps the document's order: a later command waits behind its held one; a new reason is recorded once", async () => {
    h = await startHarness(undefined, undefined, { gates });
    await h.submitPo('G-2');
    await h.until(() => stateOf(po('G-2')) === 'held', 'held');
    await h.changePo('G-2');
    await mark('G-2', 'TestStillHeld', 'awaiting receipt');
    await h.until(
      () => h.history.list({ state: 'held' })[0]?.hold?.reason === 'awaiting receipt (status open)',
      'held for the new reason',
    );
    await mark('G-2', 'TestStillHeld', 'awaiting receipt');
    await new Promise((r) => setTimeout(r, 200));
    const statuses = h.history.list({ target: 'legacy' });
    expect(statuses.map((s) => s.state)).toEqual(['held', 'pending']);
    expect(statuses[1]?.waitingFor).toMatchObject({ deliveryId: statuses[0]?.id });
    expect(h.connector.calls).toEqual([]);
    const held = (await h.deliveryEvents('legacy', po('G-2'))).filter(
      (e) => e.type === 'DeliveryHeld',
    );
    expect(held.map((e) => e.data.reason)).toEqual([
      'awaiting release (status open)',
      'awaiting receipt (status open)',
    ]);

    await mark('G-2', 'TestReleased');
    await h.until(() => stateOf(po('G-2')) === 'delivered,delivered', 'both delivered');
    expect(h.connector.callsFor('ACME-US/G-2')).toEqual([
      'purchaseOrder:submit',
      'purchaseOrder:change',
    ]);
  });

  it('asks held deliveries again when a dispatcher takes over', async () => {
    h = await startHarness(undefined, undefined, { gates });
    await h.submitPo('G-3');
    await h.until(() => stateOf(po('G-3')) === 'held', 'held');
    await h.dispatcher.stop();
    await mark('G-3', 'TestReleased');
    await h.restartDispatcher();
    await h.until(() => stateOf(po('G-3')) === 'delivered', 'delivered after the restart');
    expect(h.connector.callsFor('ACME-US/G-3')).toEqual(['purchaseOrder:submit']);
  });

  it('dead-letters a delivery its gate refuses, with the reason', async () => {
    h = await startHarness(undefined, undefined, { gates });
    await h.submitPo('G-4');
    await h.until(() => stateOf(po('G-4')) === 'held', 'held');
    await mark('G-4', 'TestRejected');
    await h.until(() => stateOf(po('G-4')) === 'dead-lettered', 'refused');
    const [dead] = h.history.list({ state: 'dead-lettered' });
    expect(dead?.deadLetter).toMatchObject({
      reason: 'gate-refused',
      message: 'rejected by the test',
    });
    expect(dead?.hold).toBeNull();
    expect(h.connector.calls).toEqual([]);
    expect(deliveryStreamOf('legacy', po('G-4'))).toBe(`Delivery-legacy:${po('G-4')}`);
  });

  it('refuses two gates for one document type', () => {
    expect(() =>
      gatesOf([
        { documentType: 'supplierInvoice', gate: testGate },
        { documentType: 'supplierInvoice', gate: testGate },
      ]),
    ).toThrow(/Two delivery gates/);
  });
});
