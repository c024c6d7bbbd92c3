/**
 * The documents model's delivery per target (issue 12), from the dispatcher's delivery
 * streams: a document's lists and summary show each ERP's state and reference.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { given, recorded } from '../testing.js';
import { documents } from './documents.js';
import { ownership, po, submitted } from './fixtures.js';

describe('documents read model, delivery per target', () => {
  const deliveryStream = (target: string) => `Delivery-${target}:${po}`;
  const requested = (
    target: string,
    commandEventId: string,
    role = 'primary',
    commandEventType = 'PurchaseOrderSubmitted',
  ) =>
    recorded(deliveryStream(target), 'DeliveryRequested', {
      deliveryId: `${target}.${commandEventId}`,
      target,
      role,
      documentStream: po,
      documentType: 'purchaseOrder',
      documentKey: { company: 'ACME-US', poNumber: 'PO-1' },
      commandEventId,
      commandEventType,
      commandRevision: 1,
      commandPosition: '2',
      action: 'create',
      parents: [],
      correlationId: null,
      commandId: null,
      requestedAt: '2026-11-01T10:00:00Z',
    });
  const attempt = (target: string, id: string, type: string, number = 1, extra: JsonObject = {}) =>
    recorded(deliveryStream(target), type, {
      deliveryId: `${target}.${id}`,
      attempt: number,
      startedAt: '2026-11-01T10:00:01Z',
      finishedAt: '2026-11-01T10:00:02Z',
      durationMs: 1000,
      ...extra,
    });
  const delivered = (target: string, id: string, reference: string) => [
    attempt(target, id, 'DeliveryAttemptStarted'),
    attempt(target, id, 'DeliverySucceeded', 1, { reference, record: `purchase.purchase,${id}` }),
  ];
  const retried = (target: string, id: string) => [
    attempt(target, id, 'DeliveryAttemptStarted'),
    attempt(target, id, 'DeliveryAttemptFailed', 1, {
      error: { kind: 'transient', code: 'timeout', message: 'ERP did not answer in 10 s' },
      nextAttemptAt: '2026-11-01T10:01:00Z',
    }),
  ];
  const deadLettered = (target: string, id: string) =>
    attempt(target, id, 'DeliveryDeadLettered', 2, {
      reason: 'permanent-error',
      error: { kind: 'permanent', code: 'erp-rejected', message: 'unknown supplier SUP-1' },
      at: '2026-11-01T10:02:00Z',
    });

  it('Given a PO delivered to legacy, Then it shows delivered with the ERP reference, at the same revision', () => {
    const events = submitted();
    const submission = events[1];
    const order = given(documents, [
      ...events,
      requested('legacy', 'e1'),
      ...delivered('legacy', 'e1', 'PO/17'),
    ]).get(po);
    expect(order?.delivery).toEqual({
      legacy: {
        role: 'primary',
        state: 'delivered',
        head: null,
        reason: null,
        reference: 'PO/17',
        lastDeliveredAt: '2026-11-01T10:00:02Z',
        requested: 1,
        delivered: 1,
        outstanding: 0,
        deadLettered: 0,
        open: [],
      },
    });
    // Delivery streams are not the document's: read-your-writes still waits on its own revision.
    expect(order?.revision).toBe(Number(submission?.revision));
  });

  it('Given a dead letter an operator skipped or resolved by hand, Then nothing is open: skipped, or delivered with the reference given', () => {
    const dead = [...submitted(), requested('legacy', 'e1'), deadLettered('legacy', 'e1')];
    const closed = (type: string, extra: JsonObject = {}) =>
      recorded(deliveryStream('legacy'), type, {
        deliveryId: 'legacy.e1',
        resolutionId: 'r-1',
        by: 'ap-clerk',
        reason: 'keyed in by hand',
        at: '2026-11-01T11:00:00Z',
        ...extra,
      });
    expect(
      given(documents, [...dead, closed('DeliverySkipped')]).get(po)?.delivery?.legacy,
    ).toMatchObject({ state: 'skipped', head: null, outstanding: 0, deadLettered: 0, open: [] });
    expect(
      given(documents, [...dead, closed('DeliveryResolved', { reference: 'PO/99' })]).get(po)
        ?.delivery?.legacy,
    ).toMatchObject({
      state: 'delivered',
      head: null,
      reference: 'PO/99',
      delivered: 1,
      outstanding: 0,
      deadLettered: 0,
      open: [],
    });
  });

  it('Given a failed attempt then a dead letter, Then it shows retrying, then dead-lettered with why', () => {
    const retrying = [...submitted(), requested('legacy', 'e1'), ...retried('legacy', 'e1')];
    expect(given(documents, retrying).get(po)?.delivery?.legacy).toMatchObject({
      state: 'retrying',
      head: 'legacy.e1',
      reason: 'ERP did not answer in 10 s',
      outstanding: 1,
      deadLettered: 0,
      reference: null,
    });
    const dead = given(documents, [...retrying, deadLettered('legacy', 'e1')]).get(po);
    expect(dead?.delivery?.legacy).toMatchObject({
      state: 'dead-lettered',
      head: 'legacy.e1',
      reason: 'unknown supplier SUP-1',
      outstanding: 0,
      deadLettered: 1,
      delivered: 0,
    });
  });

  it('Given a delivery its gate holds, Then it shows held with why, still outstanding', () => {
    const order = given(documents, [
      ...submitted(),
      requested('legacy', 'e1'),
      recorded(deliveryStream('legacy'), 'DeliveryHeld', {
        deliveryId: 'legacy.e1',
        reason: 'waiting for the three-way match',
        at: '2026-11-01T10:00:05Z',
      }),
    ]).get(po);
    expect(order?.delivery?.legacy).toMatchObject({
      state: 'held',
      head: 'legacy.e1',
      reason: 'waiting for the three-way match',
      outstanding: 1,
      deadLettered: 0,
    });
  });

  it('Given a dead letter replayed, Then it is pending again', () => {
    const order = given(documents, [
      ...submitted(),
      requested('legacy', 'e1'),
      deadLettered('legacy', 'e1'),
      recorded(deliveryStream('legacy'), 'DeliveryReplayed', {
        deliveryId: 'legacy.e1',
        replayId: 'r1',
        by: 'ops@acme',
        reason: 'supplier created in Tryton',
        at: '2026-11-01T11:00:00Z',
      }),
    ]).get(po);
    expect(order?.delivery?.legacy).toMatchObject({
      state: 'pending',
      head: 'legacy.e1',
      reason: null,
      outstanding: 1,
      deadLettered: 0,
      open: [{ deliveryId: 'legacy.e1', state: 'pending', reason: null }],
    });
  });

  it('Given a dual order, Then each target shows its own role and state', () => {
    const order = given(documents, [
      ownership(
        po,
        { type: 'purchaseOrder', key: { company: 'ACME-US', poNumber: 'PO-1' } },
        'dual',
      ),
      ...submitted().slice(1),
      requested('legacy', 'e1'),
      requested('cloud', 'e1', 'shadow'),
      ...delivered('legacy', 'e1', 'PO/17'),
      ...retried('cloud', 'e1'),
    ]).get(po);
    expect(order?.owner).toBe('dual');
    expect(order?.delivery?.legacy).toMatchObject({
      role: 'primary',
      state: 'delivered',
      reference: 'PO/17',
    });
    expect(order?.delivery?.cloud).toMatchObject({
      role: 'shadow',
      state: 'retrying',
      head: 'cloud.e1',
      reference: null,
    });
  });

  it('Given a change requested after the order was delivered, Then the state is the pending head, the reference the first', () => {
    const order = given(documents, [
      ...submitted(),
      requested('legacy', 'e1'),
      ...delivered('legacy', 'e1', 'PO/17'),
      requested('legacy', 'e2', 'primary', 'PurchaseOrderChanged'),
    ]).get(po);
    expect(order?.delivery?.legacy).toMatchObject({
      state: 'pending',
      head: 'legacy.e2',
      reference: 'PO/17',
      lastDeliveredAt: '2026-11-01T10:00:02Z',
      requested: 2,
      delivered: 1,
      outstanding: 1,
    });
  });

  it('Given a dead-lettered order and a later change, Then the dead letter holds it: state is the oldest undelivered', () => {
    const events = [
      ...submitted(),
      requested('legacy', 'e1'),
      deadLettered('legacy', 'e1'),
      requested('legacy', 'e2', 'primary', 'PurchaseOrderChanged'),
    ];
    expect(given(documents, events).get(po)?.delivery?.legacy).toMatchObject({
      state: 'dead-lettered',
      head: 'legacy.e1',
      reason: 'unknown supplier SUP-1',
      outstanding: 1,
      deadLettered: 1,
    });
    // Its later attempt and delivery leave the dead letter at the head.
    const later = given(documents, [...events, ...delivered('legacy', 'e2', 'PO/17-1')]).get(po);
    expect(later?.delivery?.legacy).toMatchObject({
      state: 'dead-lettered',
      head: 'legacy.e1',
      reference: 'PO/17-1',
      delivered: 1,
      outstanding: 0,
      deadLettered: 1,
    });
  });
});
