import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { given, recorded } from '../testing.js';
import { deliveries } from './deliveries.js';

const document = 'PurchaseOrder-ACME-US/PO-1';
const stream = (target: string) => `Delivery-${target}:${document}`;
const requested = (target: string, commandEventId: string, requestedAt: string) =>
  recorded(stream(target), 'DeliveryRequested', {
    deliveryId: `${target}.${commandEventId}`,
    target,
    role: 'primary',
    documentStream: document,
    documentType: 'purchaseOrder',
    documentKey: { company: 'ACME-US', poNumber: 'PO-1' },
    commandEventId,
    commandEventType: 'PurchaseOrderSubmitted',
    commandRevision: 1,
    commandPosition: '2',
    action: 'create',
    parents: [],
    correlationId: null,
    commandId: null,
    requestedAt,
  });
const attempt = (target: string, deliveryId: string, type: string, extra: JsonObject = {}) =>
  recorded(stream(target), type, {
    deliveryId,
    attempt: 1,
    startedAt: '2026-11-01T10:00:01Z',
    finishedAt: '2026-11-01T10:00:02Z',
    durationMs: 1000,
    ...extra,
  });
const failure = { kind: 'permanent', code: 'erp-rejected', message: 'unknown supplier' };

describe('deliveries read model', () => {
  it('Given a request, Then the delivery is outstanding and pending', () => {
    const state = given(deliveries, [requested('legacy', 'e1', '2026-11-01T10:00:00Z')]);
    expect(state.get('legacy.e1')).toMatchObject({
      target: 'legacy',
      state: 'pending',
      outstanding: true,
      documentStream: document,
      requestedAt: '2026-11-01T10:00:00Z',
      deadLetteredAt: null,
    });
  });

  it('Given an attempt that failed and one that succeeded, Then it is delivered with its reference', () => {
    const state = given(deliveries, [
      requested('cloud', 'e2', '2026-11-01T10:00:00Z'),
      attempt('cloud', 'cloud.e2', 'DeliveryAttemptStarted'),
      attempt('cloud', 'cloud.e2', 'DeliveryAttemptFailed', {
        error: { kind: 'transient', code: 'timeout', message: 'slow' },
        nextAttemptAt: '2026-11-01T10:01:00Z',
      }),
    ]);
    expect(state.get('cloud.e2')).toMatchObject({ state: 'retrying', outstanding: true });
    const done = given(deliveries, [
      requested('cloud', 'e3', '2026-11-01T10:00:00Z'),
      attempt('cloud', 'cloud.e3', 'DeliverySucceeded', { reference: 'PO/17', record: 'r' }),
    ]).get('cloud.e3');
    expect(done).toMatchObject({ state: 'delivered', outstanding: false });
    expect(done?.delivery).toMatchObject({ reference: 'PO/17' });
  });

  it('Given a dead letter then a replay, Then it is listed as dead-lettered, then outstanding again', () => {
    const dead = [
      requested('legacy', 'e4', '2026-11-01T10:00:00Z'),
      attempt('legacy', 'legacy.e4', 'DeliveryDeadLettered', {
        reason: 'permanent-error',
        error: failure,
        at: '2026-11-01T10:00:02Z',
      }),
    ];
    expect(given(deliveries, dead).get('legacy.e4')).toMatchObject({
      state: 'dead-lettered',
      outstanding: false,
      deadLetteredAt: '2026-11-01T10:00:02Z',
      delivery: { deadLetter: { code: 'erp-rejected', message: 'unknown supplier' } },
    });
    const replayed = given(deliveries, [
      ...dead,
      recorded(stream('legacy'), 'DeliveryReplayed', {
        deliveryId: 'legacy.e4',
        replayId: 'r1',
        by: 'ops',
        reason: 'supplier created',
        at: '2026-11-01T11:00:00Z',
      }),
    ]).get('legacy.e4');
    expect(replayed).toMatchObject({ state: 'pending', outstanding: true, deadLetteredAt: null });
  });

  it('ignores events about deliveries it never saw requested, and does not change its input', () => {
    const first = given(deliveries, [requested('legacy', 'e5', '2026-11-01T10:00:00Z')]).get(
      'legacy.e5',
    );
    const copy = structuredClone(first);
    const event = attempt('legacy', 'legacy.e5', 'DeliveryAttemptStarted');
    deliveries.evolve(first ?? null, event, 'legacy.e5');
    expect(first).toEqual(copy);
    const orphan = attempt('legacy', 'legacy.e6', 'DeliveryAttemptStarted');
    expect(deliveries.evolve(null, orphan, 'legacy.e6')).toBeNull();
  });
});
