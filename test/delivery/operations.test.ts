/**
 * What operators rely on: replaying dead letters (one, a filtered set under a cap, a dry
 * run), each replay recorded with who and why; a breaker per target, visible and settable; a
 * document's delivery state per target; a child blocked by its exceptions dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { replayDeliveries, setBreaker } from '../../src/delivery/operations.js';
import { deliveryStatusOf } from '../../src/delivery/status.js';
import { DeliveryView } from '../../src/delivery/view.js';
import { permanent, transient } from '../../src/ports/erpConnector.js';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { example } from '../support/gateway.js';
import { fastSettings, type Harness, startHarness } from './harness.js';

const po = (n: string) => `PurchaseOrder-ACME-US/${n}`;
let h: Harness;
afterEach(async () => {
  await h?.close();
});
const stateOf = (documentStream: string) =>
  h.history
    .list({ target: 'legacy' })
    .filter((s) => s.documentStream === documentStream)
    .map((s) => s.state)
    .join();
const waitFor = (condition: () => boolean, what: string) => h.until(condition, what, 10_000);
const unknownItem = permanent('unknown-code', 'item BRG-6204-2RS is unknown to legacy');

describe('delivery operations', () => {
  it('replays one dead letter, recording who and why, and a held receipt follows its order', async () => {
    h = await startHarness();
    h.connector.script('ACME-US/R-1', unknownItem);
    await h.submitPo('R-1');
    await h.receipt('R-1', 'GR-R-1');
    await waitFor(() => stateOf(po('R-1')) === 'dead-lettered', 'dead letter');
    await waitFor(() => stateOf('GoodsReceipt-DAL1/GR-R-1') === 'waiting-for-parent', 'held');
    const [dead] = h.history.list({ state: 'dead-lettered' });
    const outcome = await replayDeliveries(h.gw.store, new DeliveryView(), {
      selection: { ids: [dead?.id as string, 'legacy.nope'] },
      cap: 10,
      dryRun: false,
      by: 'ops:alice',
      reason: 'crosswalk fixed',
    });
    expect(outcome).toMatchObject({ matched: 1, capped: false });
    expect(outcome.skipped).toEqual([{ id: 'legacy.nope', reason: 'no such delivery' }]);
    await waitFor(() => stateOf(po('R-1')) === 'delivered', 'replayed order delivered');
    await waitFor(() => stateOf('GoodsReceipt-DAL1/GR-R-1') === 'delivered', 'receipt delivered');
    const events = await h.deliveryEvents('legacy', po('R-1'));
    expect(events.find((e) => e.type === 'DeliveryReplayed')?.data).toMatchObject({
      by: 'ops:alice',
      reason: 'crosswalk fixed',
      replayId: outcome.replayId,
    });
    const audit = await h.gw.store.readStream(`DeliveryReplay-${outcome.replayId}`);
    expect(audit[0]?.data).toMatchObject({ by: 'ops:alice', deliveryIds: [dead?.id] });
    expect(h.connector.callsFor('ACME-US/R-1')).toEqual([
      'purchaseOrder:submit',
      'purchaseOrder:submit',
    ]);
  });

  it('a dry run changes nothing; a filtered replay stops at its cap', async () => {
    h = await startHarness();
    for (const n of ['F-1', 'F-2', 'F-3']) {
      h.connector.script(`ACME-US/${n}`, unknownItem);
      await h.submitPo(n);
    }
    await waitFor(
      () => h.history.list({ state: 'dead-lettered' }).length === 3,
      'three dead letters',
    );
    const ask = {
      by: 'ops:bob',
      reason: 'after the fix',
      selection: { filter: { target: 'legacy' } },
    };
    const dry = await replayDeliveries(h.gw.store, new DeliveryView(), {
      ...ask,
      cap: 10,
      dryRun: true,
    });
    expect(dry).toMatchObject({ replayId: null, matched: 3, capped: false });
    expect(dry.deliveries).toHaveLength(3);
    expect(
      (await h.deliveryEvents('legacy', po('F-1'))).some((e) => e.type === 'DeliveryReplayed'),
    ).toBe(false);
    const capped = await replayDeliveries(h.gw.store, new DeliveryView(), {
      ...ask,
      cap: 2,
      dryRun: false,
    });
    expect(capped).toMatchObject({ matched: 3, capped: true });
    expect(capped.deliveries).toHaveLength(2);
    await waitFor(() => h.history.list({ state: 'delivered' }).length === 2, 'two delivered');
    expect(h.history.list({ state: 'dead-lettered' })).toHaveLength(1);
  });

  it('opens the breaker after consecutive failures, and an operator can close it or hold it open', async () => {
    h = await startHarness(
      fastSettings({
        policies: { default: { maxAttempts: 20, initialDelayMs: 10, maxDelayMs: 20 } },
        targets: { default: { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } } },
      }),
    );
    h.connector.script(
      'ACME-US/B-1',
      transient('tryton-unreachable', 'down'),
      transient('tryton-unreachable', 'down'),
    );
    await h.submitPo('B-1');
    await waitFor(() => h.dispatcher.status().targets[0]?.breaker.state === 'open', 'open');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.connector.callsFor('ACME-US/B-1')).toHaveLength(2);
    await setBreaker(h.gw.store, 'legacy', 'closed', 'ops:carol', 'Tryton is back');
    await waitFor(() => stateOf(po('B-1')) === 'delivered', 'delivered after closing');
    expect(h.dispatcher.status().targets[0]?.breaker).toMatchObject({
      state: 'closed',
      setBy: { state: 'closed', by: 'ops:carol', reason: 'Tryton is back' },
    });

    await setBreaker(h.gw.store, 'legacy', 'open', 'ops:carol', 'Tryton maintenance');
    await waitFor(() => h.dispatcher.status().targets[0]?.breaker.state === 'isolated', 'held');
    await h.submitPo('B-2');
    await new Promise((r) => setTimeout(r, 500));
    expect(h.connector.callsFor('ACME-US/B-2')).toEqual([]);
    // The document says why its delivery does not move.
    expect((await deliveryStatusOf(h.gw.store, po('B-2')))[0]).toMatchObject({
      state: 'pending',
      reason: expect.stringContaining('legacy circuit breaker is held open by an operator'),
    });
    await setBreaker(h.gw.store, 'legacy', 'closed', 'ops:carol', 'maintenance over');
    await waitFor(() => stateOf(po('B-2')) === 'delivered', 'delivered after the hold');
  });

  it('lets a trial through once the open breaker has waited, and closes on its success', async () => {
    h = await startHarness(
      fastSettings({
        policies: { default: { maxAttempts: 20, initialDelayMs: 10, maxDelayMs: 20 } },
        targets: { default: { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 300 } } },
      }),
    );
    h.connector.script(
      'ACME-US/B-3',
      transient('tryton-unreachable', 'down'),
      transient('tryton-unreachable', 'down'),
    );
    await h.submitPo('B-3');
    await waitFor(() => h.dispatcher.status().targets[0]?.breaker.state === 'open', 'open');
    await waitFor(() => stateOf(po('B-3')) === 'delivered', 'delivered by the half-open trial');
    expect(h.dispatcher.status().targets[0]?.breaker.state).toBe('closed');
    expect(h.connector.callsFor('ACME-US/B-3')).toHaveLength(3);
  });

  it("answers a document's delivery state per target: retrying, dead-lettered, waiting for parent, delivered", async () => {
    h = await startHarness(
      fastSettings({
        policies: { default: { maxAttempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 } },
      }),
    );
    h.connector.script('ACME-US/S-1', transient('tryton-unreachable', 'Tryton is down'));
    h.connector.script('ACME-US/S-2', unknownItem);
    await h.submitPo('S-1');
    await h.submitPo('S-2');
    await h.receipt('S-2', 'GR-S-2');
    await h.submitPo('S-3');
    await waitFor(() => stateOf(po('S-1')) === 'retrying', 'retrying');
    await waitFor(() => stateOf('GoodsReceipt-DAL1/GR-S-2') === 'waiting-for-parent', 'held');
    await waitFor(() => stateOf(po('S-3')) === 'delivered', 'delivered');
    const [retrying] = await deliveryStatusOf(h.gw.store, po('S-1'));
    expect(retrying).toMatchObject({
      target: 'legacy',
      role: 'primary',
      state: 'retrying',
      reason: 'Tryton is down',
      nextAttemptAt: expect.any(String),
    });
    expect(Date.parse(retrying?.nextAttemptAt as string)).toBeGreaterThan(Date.now() + 20_000);
    expect((await deliveryStatusOf(h.gw.store, po('S-2')))[0]).toMatchObject({
      state: 'dead-lettered',
      reason: 'item BRG-6204-2RS is unknown to legacy',
    });
    expect((await deliveryStatusOf(h.gw.store, 'GoodsReceipt-DAL1/GR-S-2'))[0]).toMatchObject({
      state: 'waiting-for-parent',
      reason: expect.stringContaining('is dead-lettered on legacy'),
    });
    expect((await deliveryStatusOf(h.gw.store, po('S-3')))[0]).toMatchObject({
      state: 'delivered',
      reference: 'ERP-ACME-US/S-3',
    });
  });

  it('dead-letters a child whose exceptions block it, with the reason, without calling the ERP', async () => {
    h = await startHarness();
    const body = example('goods-receipt') as JsonObject;
    const route = { owner: 'legacy', primary: 'legacy', basis: 'rule' };
    await h.gw.store.appendToStream(
      'GoodsReceipt-DAL1/GR-BLOCKED',
      [
        { id: randomUUID(), type: 'DocumentOwnershipAssigned', data: route, metadata: { route } },
        {
          id: randomUUID(),
          type: 'GoodsReceiptRecorded',
          data: {
            ...body,
            receiptNumber: 'GR-BLOCKED',
            schemaVersion: 2, // v1 events carried no severity: upcast, their exceptions are warnings
            exceptions: [
              {
                code: 'SUPPLIER_MISMATCH',
                severity: 'blocking',
                pointer: '/supplier',
                detail: 'the order belongs to another supplier',
              },
            ],
          },
          metadata: { route },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await waitFor(() => stateOf('GoodsReceipt-DAL1/GR-BLOCKED') === 'dead-lettered', 'blocked');
    const [status] = await deliveryStatusOf(h.gw.store, 'GoodsReceipt-DAL1/GR-BLOCKED');
    expect(status?.reason).toContain('SUPPLIER_MISMATCH: the order belongs to another supplier');
    expect(h.connector.callsFor('DAL1/GR-BLOCKED')).toEqual([]);
  });
});
