/**
 * The dispatcher against a scripted connector, behind the real write path: every accepted
 * command delivered once, in order per document, children after their parent order, retries,
 * dead letters, concurrency per target, and the records it keeps of each attempt.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryStreamOf } from '../../src/delivery/records.js';
import type { DeliveryFilter, DeliveryStatus } from '../../src/delivery/view.js';
import { permanent, transient } from '../../src/ports/erpConnector.js';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { example } from '../support/gateway.js';
import { fastSettings, type Harness, ScriptedConnector, startHarness } from './harness.js';

const po = (n: string) => `PurchaseOrder-ACME-US/${n}`;
let h: Harness;
afterEach(async () => {
  await h?.close();
});

const statuses = (filter: DeliveryFilter = {}): DeliveryStatus[] => h.history.list(filter);
const stateOf = (documentStream: string, target = 'legacy') =>
  statuses({ target })
    .filter((s) => s.documentStream === documentStream)
    .map((s) => s.state);
const waitFor = (condition: () => boolean, what: string) => h.until(condition, what, 10_000);

describe('dispatcher', () => {
  it('delivers an accepted order once, recording the request, the attempt and the answer in a stream of its own', async () => {
    h = await startHarness();
    await h.submitPo('D-1');
    await waitFor(() => stateOf(po('D-1')).join() === 'delivered', 'D-1 delivered');
    expect(h.connector.callsFor('ACME-US/D-1')).toEqual(['purchaseOrder:submit']);
    const events = await h.deliveryEvents('legacy', po('D-1'));
    expect(events.map((e) => e.type)).toEqual([
      'DeliveryRequested',
      'DeliveryAttemptStarted',
      'DeliverySucceeded',
    ]);
    expect(events[2]?.data).toMatchObject({
      attempt: 1,
      reference: 'ERP-ACME-US/D-1',
      durationMs: expect.any(Number),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    // The document's own stream is untouched: deliveries never bump its revision.
    const document = await h.gw.store.readStream(po('D-1'));
    expect(document.map((e) => e.type)).toEqual([
      'DocumentOwnershipAssigned',
      'PurchaseOrderSubmitted',
    ]);
  });

  it('keeps per-document order: a change waits while its order is retried', async () => {
    h = await startHarness();
    h.connector.script(
      'ACME-US/D-2',
      transient('tryton-unreachable', 'down'),
      transient('tryton-unreachable', 'down', 60),
    );
    await h.submitPo('D-2');
    await h.changePo('D-2');
    await waitFor(() => stateOf(po('D-2')).join() === 'delivered,delivered', 'both delivered');
    expect(h.connector.callsFor('ACME-US/D-2')).toEqual([
      'purchaseOrder:submit',
      'purchaseOrder:submit',
      'purchaseOrder:submit',
      'purchaseOrder:change',
    ]);
    const events = await h.deliveryEvents('legacy', po('D-2'));
    const failed = events.filter((e) => e.type === 'DeliveryAttemptFailed');
    expect(failed.map((e) => e.data.attempt)).toEqual([1, 2]);
    // Retry-After (60 ms) is honoured: the next attempt is not planned sooner.
    const second = failed[1]?.data as { finishedAt: string; nextAttemptAt: string };
    expect(Date.parse(second.nextAttemptAt) - Date.parse(second.finishedAt)).toBeGreaterThanOrEqual(
      60,
    );
  });

  it('holds a receipt until its order is delivered to the same ERP ("waiting for parent")', async () => {
    h = await startHarness(
      fastSettings({ policies: { default: { maxAttempts: 50, initialDelayMs: 100 } } }),
    );
    h.connector.script(
      'ACME-US/D-3',
      ...Array.from({ length: 4 }, () => transient('tryton-unreachable', 'down')),
    );
    await h.submitPo('D-3');
    await waitFor(() => stateOf(po('D-3')).join() === 'retrying', 'order retrying');
    await h.receipt('D-3', 'GR-D-3');
    const receipt = 'GoodsReceipt-DAL1/GR-D-3';
    await waitFor(() => stateOf(receipt).join() === 'waiting-for-parent', 'receipt waits');
    const [waiting] = statuses({ state: 'waiting-for-parent' });
    expect(waiting?.waitingFor).toMatchObject({ parentStream: po('D-3') });
    await waitFor(() => stateOf(receipt).join() === 'delivered', 'receipt delivered');
    const order = h.connector.calls.map((c) => `${c.document}:${c.key}`);
    expect(order.lastIndexOf('purchaseOrder:ACME-US/D-3')).toBeLessThan(
      order.indexOf('goodsReceipt:DAL1/GR-D-3'),
    );
  });

  it('holds a receipt until the shipment notice it names is delivered to the same ERP', async () => {
    h = await startHarness(
      fastSettings({ policies: { default: { maxAttempts: 50, initialDelayMs: 100 } } }),
    );
    // The notice's first attempts fail: its receipt, recorded meanwhile, must not overtake it
    // (an ERP would book the goods, then refuse the notice of goods already received).
    h.connector.script(
      'SUP-10023/ASN-D-5',
      ...Array.from({ length: 3 }, () => transient('tryton-unreachable', 'down')),
    );
    await h.submitPo('D-5');
    await waitFor(() => stateOf(po('D-5')).join() === 'delivered', 'order delivered');
    await h.shipmentNotice('D-5', 'ASN-D-5');
    const notice = 'ShipmentNotice-SUP-10023/ASN-D-5';
    await waitFor(() => stateOf(notice).join() === 'retrying', 'notice retrying');
    await h.receipt('D-5', 'GR-D-5', 'ASN-D-5');
    const receipt = 'GoodsReceipt-DAL1/GR-D-5';
    await waitFor(() => stateOf(receipt).join() === 'waiting-for-parent', 'receipt waits');
    const [waiting] = statuses({ state: 'waiting-for-parent' });
    expect(waiting?.waitingFor).toMatchObject({ parentStream: notice });
    expect(waiting?.waitingFor?.reason).toContain('its shipment notice');
    await waitFor(() => stateOf(receipt).join() === 'delivered', 'receipt delivered');
    const order = h.connector.calls.map((c) => `${c.document}:${c.key}`);
    expect(order.lastIndexOf('shipmentNotice:SUP-10023/ASN-D-5')).toBeLessThan(
      order.indexOf('goodsReceipt:DAL1/GR-D-5'),
    );
  });

  it('dead-letters a permanent error with its reason, and the order holds its receipt visibly', async () => {
    h = await startHarness();
    h.connector.script(
      'ACME-US/D-4',
      permanent('unknown-code', 'item BRG-6204-2RS is not in the crosswalk of legacy'),
    );
    await h.submitPo('D-4');
    await h.receipt('D-4', 'GR-D-4');
    await waitFor(() => stateOf(po('D-4')).join() === 'dead-lettered', 'order dead-lettered');
    await waitFor(
      () => stateOf('GoodsReceipt-DAL1/GR-D-4').join() === 'waiting-for-parent',
      'receipt held',
    );
    const [dead] = statuses({ state: 'dead-lettered' });
    expect(dead?.deadLetter).toMatchObject({
      reason: 'permanent-error',
      code: 'unknown-code',
      message: 'item BRG-6204-2RS is not in the crosswalk of legacy',
    });
    expect(h.connector.callsFor('DAL1/GR-D-4')).toEqual([]);
  });

  it("dead-letters after the policy's attempts are used up", async () => {
    h = await startHarness();
    h.connector.script(
      'ACME-US/D-5',
      ...Array.from({ length: 10 }, () => transient('tryton-unreachable', 'down')),
    );
    await h.submitPo('D-5');
    await waitFor(() => stateOf(po('D-5')).join() === 'dead-lettered', 'exhausted');
    expect(h.connector.callsFor('ACME-US/D-5')).toHaveLength(4);
    expect(statuses({ state: 'dead-lettered' })[0]?.deadLetter?.reason).toBe('retries-exhausted');
  });

  it("delivers documents in parallel up to the target's concurrency, never more", async () => {
    h = await startHarness(fastSettings({ targets: { legacy: { concurrency: 3 } } }));
    let open = () => {};
    h.connector.gate = new Promise((r) => {
      open = r;
    });
    for (let i = 0; i < 8; i++) await h.submitPo(`P-${i}`);
    await waitFor(() => h.connector.calls.length === 3, 'three in flight');
    await new Promise((r) => setTimeout(r, 100));
    expect(h.connector.calls).toHaveLength(3);
    h.connector.gate = null;
    open();
    await waitFor(() => statuses({ state: 'delivered' }).length === 8, 'all delivered');
    expect(Math.max(...h.connector.calls.map((c) => c.inFlight))).toBe(3);
  });

  it('requests nothing twice when its batch is handled again after a restart', async () => {
    h = await startHarness();
    await h.submitPo('D-6');
    await waitFor(() => stateOf(po('D-6')).join() === 'delivered', 'delivered');
    // Forget the checkpoint, as after a crash between the requests and the checkpoint.
    const db = (await import('better-sqlite3')).default;
    const state = new db(`${h.gw.dir}/consumers.sqlite`);
    state.prepare('DELETE FROM consumer_checkpoints').run();
    state.close();
    await h.restartDispatcher();
    await h.submitPo('D-7');
    await waitFor(() => stateOf(po('D-7')).join() === 'delivered', 'next delivered');
    expect((await h.deliveryEvents('legacy', po('D-6'))).map((e) => e.type)).toEqual([
      'DeliveryRequested',
      'DeliveryAttemptStarted',
      'DeliverySucceeded',
    ]);
    expect(h.connector.callsFor('ACME-US/D-6')).toHaveLength(1);
  });

  it('records a shadow delivery for a dual document, kept pending without a connector; never delivers an unresolved owner', async () => {
    h = await startHarness(fastSettings(), new ScriptedConnector('legacy'));
    const route = (owner: string): JsonObject =>
      owner === 'dual'
        ? { owner: 'dual', primary: 'legacy', shadow: 'cloud', basis: 'rule' }
        : { owner: 'unresolved', basis: 'parent', parents: [] };
    for (const [poNumber, owner] of [
      ['DUAL-1', 'dual'],
      ['UNRES-1', 'unresolved'],
    ] as const) {
      const data = example('purchase-order-submit') as JsonObject;
      await h.gw.store.appendToStream(
        po(poNumber),
        [
          {
            id: crypto.randomUUID(),
            type: 'DocumentOwnershipAssigned',
            data: { ...route(owner) },
            metadata: { route: route(owner) },
          },
          {
            id: crypto.randomUUID(),
            type: 'PurchaseOrderSubmitted',
            data: { ...data, poNumber },
            metadata: { route: route(owner), correlationId: 'c' },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
    }
    await waitFor(() => stateOf(po('DUAL-1')).join() === 'delivered', 'primary delivered');
    expect(stateOf(po('DUAL-1'), 'cloud')).toEqual(['pending']);
    expect(statuses({ target: 'cloud' })[0]?.role).toBe('shadow');
    expect(await h.deliveryEvents('legacy', po('UNRES-1'))).toEqual([]);
    expect(h.connector.callsFor('ACME-US/UNRES-1')).toEqual([]);
    expect(deliveryStreamOf('cloud', po('DUAL-1'))).toBe(
      'Delivery-cloud:PurchaseOrder-ACME-US/DUAL-1',
    );
  });
});
