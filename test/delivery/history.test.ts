/**
 * Delivery history does not accumulate: the dispatcher keeps only the delivery streams with a
 * delivery not yet delivered, reads a finished document's stream again when a new command of
 * it arrives, and a new lease holder starts from the last snapshot, however stale, never
 * losing or repeating a delivery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { replayDeliveries } from '../../src/delivery/operations.js';
import { deliveryStreamOf } from '../../src/delivery/records.js';
import { latestSnapshot, writeSnapshot } from '../../src/delivery/snapshot.js';
import { DeliveryView } from '../../src/delivery/view.js';
import { permanent } from '../../src/ports/erpConnector.js';
import { type Harness, startHarness } from './harness.js';

const po = (n: string) => `PurchaseOrder-ACME-US/${n}`;
const receipt = (n: string) => `GoodsReceipt-DAL1/${n}`;
const legacy = (documentStream: string) => deliveryStreamOf('legacy', documentStream);
let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Deliveries not delivered, as an operator sees them, in a stable order. */
const open = (view: DeliveryView) =>
  view
    .list()
    .filter((d) => d.state !== 'delivered')
    .map((d) => `${d.documentStream}:${d.state}`)
    .sort();

describe('delivery history', () => {
  it('drops a delivered document from the dispatcher, and delivers its next command in order after it', async () => {
    h = await startHarness();
    await h.submitPo('H-1');
    await h.submitPo('H-2');
    await h.until(() => h.history.list({ state: 'delivered' }).length === 2, 'delivered');
    await h.dispatcher.idle();
    expect(h.dispatcher.view.streams.size).toBe(0);
    const [first] = h.history.list({ target: 'legacy' });
    expect(h.dispatcher.view.has(first?.id as string)).toBe(false);

    await h.changePo('H-1');
    await h.until(
      () => h.history.list({ state: 'delivered' }).length === 3,
      'the change is delivered',
    );
    expect(h.connector.callsFor('ACME-US/H-1')).toEqual([
      'purchaseOrder:submit',
      'purchaseOrder:change',
    ]);
    // Appended after what the stream held (no lost race, nothing requested twice).
    const events = await h.deliveryEvents('legacy', po('H-1'));
    expect(events.map((e) => `${e.revision}:${e.type}`)).toEqual([
      '0:DeliveryRequested',
      '1:DeliveryAttemptStarted',
      '2:DeliverySucceeded',
      '3:DeliveryRequested',
      '4:DeliveryAttemptStarted',
      '5:DeliverySucceeded',
    ]);
    await h.dispatcher.idle();
    expect(h.dispatcher.view.streams.size).toBe(0);
  });

  it('keeps what is not delivered: a dead letter, and the receipt waiting for it', async () => {
    h = await startHarness();
    h.connector.script('ACME-US/H-3', permanent('unknown-code', 'unknown item'));
    await h.submitPo('H-3');
    await h.receipt('H-3', 'GR-H-3');
    await h.submitPo('H-4');
    await h.until(() => h.history.list({ state: 'delivered' }).length === 1, 'H-4 delivered');
    await h.until(() => h.history.list({ state: 'waiting-for-parent' }).length === 1, 'waits');
    await h.dispatcher.idle();
    expect([...h.dispatcher.view.streams.keys()].sort()).toEqual([
      legacy(receipt('GR-H-3')),
      legacy(po('H-3')),
    ]);
    expect(open(h.dispatcher.view)).toEqual(open(h.history));
  });

  it('takes over from a stale snapshot (its holder killed) without losing or repeating a delivery', async () => {
    h = await startHarness(undefined, undefined, { snapshotIntervalMs: 20 });
    h.connector.script('ACME-US/K-1', permanent('unknown-code', 'unknown item'));
    await h.submitPo('K-1');
    await h.receipt('K-1', 'GR-K-1');
    await h.submitPo('K-2');
    await h.until(() => h.history.list({ state: 'waiting-for-parent' }).length === 1, 'waits');
    // A snapshot naming the dead letter: everything else was written after its position.
    let stale = await latestSnapshot(h.gw.store);
    for (let i = 0; i < 500 && !stale?.streams.includes(legacy(po('K-1'))); i++) {
      await new Promise((r) => setTimeout(r, 10));
      stale = await latestSnapshot(h.gw.store);
    }
    expect(stale?.streams).toContain(legacy(po('K-1')));
    expect(stale?.streams).not.toContain(legacy(po('K-2')));

    // After it: another dead letter, a delivered change, a new order delivered.
    h.connector.script('ACME-US/K-3', permanent('unknown-code', 'unknown item'));
    await h.submitPo('K-3');
    await h.changePo('K-2');
    await h.submitPo('K-4');
    await h.until(() => h.history.list({ state: 'delivered' }).length === 3, 'delivered');
    await h.until(() => h.history.list({ state: 'dead-lettered' }).length === 2, 'K-3 dead');
    await h.dispatcher.idle();
    await h.dispatcher.stop();
    // As if the holder had been killed right after writing the stale snapshot.
    await writeSnapshot(h.gw.store, stale as NonNullable<typeof stale>);
    const calls = h.connector.calls.length;

    await h.restartDispatcher();
    await h.until(() => h.dispatcher.status().leader, 'the new holder leads');
    await h.dispatcher.idle();
    expect(open(h.dispatcher.view)).toEqual([
      `${receipt('GR-K-1')}:waiting-for-parent`,
      `${po('K-1')}:dead-lettered`,
      `${po('K-3')}:dead-lettered`,
    ]);
    expect(h.connector.calls.length).toBe(calls); // nothing delivered again

    // The new holder carries on: the replayed order goes, then its receipt.
    h.connector.script('ACME-US/K-1');
    const [dead] = h.history
      .list({ state: 'dead-lettered' })
      .filter((d) => d.documentStream === po('K-1'));
    await replayDeliveries(h.gw.store, new DeliveryView(), {
      selection: { ids: [dead?.id as string] },
      cap: 10,
      dryRun: false,
      by: 'test',
      reason: 'item added to the crosswalk',
    });
    await h.until(
      () => h.history.list({ state: 'delivered' }).length === 5,
      'order and receipt delivered',
    );
    expect(h.connector.callsFor('DAL1/GR-K-1')).toEqual(['goodsReceipt:submit']);
    expect(h.connector.callsFor('ACME-US/K-2')).toEqual([
      'purchaseOrder:submit',
      'purchaseOrder:change',
    ]);
  });

  it('starts an operator view from the snapshot: the same backlog as a fold of every event', async () => {
    h = await startHarness(undefined, undefined, { snapshotIntervalMs: 20 });
    h.connector.script('ACME-US/V-1', permanent('unknown-code', 'unknown item'));
    await h.submitPo('V-1');
    await h.receipt('V-1', 'GR-V-1');
    await h.submitPo('V-2');
    await h.until(() => h.history.list({ state: 'waiting-for-parent' }).length === 1, 'waits');
    await h.dispatcher.stop(); // a clean stop writes its last snapshot
    await h.restartDispatcher();
    await h.submitPo('V-3');
    await h.until(() => h.history.list({ state: 'delivered' }).length === 2, 'delivered');
    const snapshot = await latestSnapshot(h.gw.store);
    expect(snapshot?.streams).toEqual([legacy(receipt('GR-V-1')), legacy(po('V-1'))].sort());
    const view = new DeliveryView({ retain: 'unfinished' });
    await view.refresh(h.gw.store);
    expect(open(view)).toEqual(open(h.history));
    expect(view.streams.size).toBe(2);
    // A delivery delivered before the snapshot: not held, still found through its claim.
    const [old] = h.history
      .list({ state: 'delivered' })
      .filter((d) => d.documentStream === po('V-2'));
    expect(view.find(old?.id as string)).toBeNull();
    const found = await view.lookUp(h.gw.store, old?.id as string);
    expect(found?.delivery).toMatchObject({ state: 'delivered', reference: 'ERP-ACME-US/V-2' });
    expect(view.streams.size).toBe(2);
    const response = await h.gw.app.inject({
      url: `/v1/admin/deliveries/${old?.id}`,
      headers: { authorization: h.operator },
    });
    expect(response.json()).toMatchObject({
      state: 'delivered',
      attempts: [{ outcome: 'delivered' }],
    });
  });
});
