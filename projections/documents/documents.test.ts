import { describe, expect, it } from 'vitest';
import { foldDocument } from '../../src/domain/fold.js';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { given, recorded } from '../testing.js';
import { documents } from './documents.js';

const po = 'PurchaseOrder-ACME-US/PO-1';
const ownership = (stream: string, document: JsonObject, owner = 'legacy') =>
  recorded(stream, 'DocumentOwnershipAssigned', {
    document,
    owner,
    primary: 'legacy',
    basis: 'rule',
    ruleId: 'us-legacy',
    ruleSetVersion: 1,
    reason: 'US plants stay on legacy',
  });
const line = (lineNumber: number, value: string) => ({
  lineNumber,
  item: `ITEM-${lineNumber}`,
  quantity: { value, uom: 'EA' },
  unitPrice: '2.00',
});
const submitted = () => [
  ownership(po, { type: 'purchaseOrder', key: { company: 'ACME-US', poNumber: 'PO-1' } }),
  recorded(po, 'PurchaseOrderSubmitted', {
    company: 'ACME-US',
    poNumber: 'PO-1',
    supplier: 'SUP-1',
    site: 'DAL1',
    orderDate: '2026-11-01',
    currency: 'USD',
    lines: [line(1, '100'), line(2, '50')],
  }),
];
const asn = (asnNumber: string, quantity: string, poNumber = 'PO-1') => {
  const stream = `ShipmentNotice-SUP-1/${asnNumber}`;
  return [
    ownership(stream, { type: 'shipmentNotice', key: { supplier: 'SUP-1', asnNumber } }),
    recorded(stream, 'ShipmentNoticeSubmitted', {
      supplier: 'SUP-1',
      asnNumber,
      company: 'ACME-US',
      site: 'DAL1',
      shippedAt: '2026-11-05T08:00:00Z',
      lines: [
        {
          lineNumber: 1,
          poNumber,
          poLineNumber: 1,
          item: 'ITEM-1',
          quantity: { value: quantity, uom: 'EA' },
        },
      ],
      exceptions:
        poNumber === 'PO-1'
          ? []
          : [{ code: 'UNKNOWN_PURCHASE_ORDER', pointer: '/lines/0/poNumber', detail: 'unknown' }],
    }),
  ];
};

describe('documents read model', () => {
  it('Given a submitted order, Then it lists its owner, route and line balances', () => {
    const order = given(documents, submitted()).get(po);
    expect(order).toMatchObject({
      documentType: 'purchaseOrder',
      key: { company: 'ACME-US', poNumber: 'PO-1' },
      company: 'ACME-US',
      supplier: 'SUP-1',
      site: 'DAL1',
      owner: 'legacy',
      status: 'open',
      date: '2026-11-01',
      hasExceptions: false,
      revision: 1,
    });
    expect(order?.route).toMatchObject({ ruleId: 'us-legacy', ruleSetVersion: 1 });
    expect(order?.lines?.[0]).toEqual({
      lineNumber: 1,
      item: 'ITEM-1',
      uom: 'EA',
      status: 'open',
      ordered: '100',
      acknowledged: null,
      shipped: '0',
      shippedByAsn: {},
      received: '0',
      invoiced: '0',
      open: '100',
    });
  });

  it('Given shipments, a receipt and an invoice, Then each line shows them and what is open', () => {
    const receiptStream = 'GoodsReceipt-DAL1/GR-1';
    const invoiceStream = 'SupplierInvoice-SUP-1/INV-1';
    const state = given(documents, [
      ...submitted(),
      ...asn('ASN-1', '30'),
      ...asn('ASN-2', '20.5'),
      recorded(receiptStream, 'GoodsReceiptRecorded', {
        site: 'DAL1',
        receiptNumber: 'GR-1',
        company: 'ACME-US',
        supplier: 'SUP-1',
        receivedAt: '2026-11-06T08:00:00Z',
        lines: [
          {
            lineNumber: 1,
            poNumber: 'PO-1',
            poLineNumber: 1,
            item: 'ITEM-1',
            quantity: { value: '40', uom: 'EA' },
            damagedQuantity: { value: '2', uom: 'EA' },
          },
        ],
        exceptions: [],
      }),
      recorded(invoiceStream, 'SupplierInvoiceReceived', {
        supplier: 'SUP-1',
        invoiceNumber: 'INV-1',
        company: 'ACME-US',
        invoiceDate: '2026-11-07',
        currency: 'USD',
        lines: [
          {
            lineNumber: 1,
            poNumber: 'PO-1',
            poLineNumber: 2,
            quantity: { value: '10', uom: 'EA' },
            unitPrice: '2',
            lineAmount: '20',
          },
        ],
        totals: { netAmount: '20', taxAmount: '0', grossAmount: '20' },
        exceptions: [],
      }),
    ]);
    const [first, second] = state.get(po)?.lines ?? [];
    expect(first).toMatchObject({
      shipped: '50.5',
      shippedByAsn: { 'ASN-1': '30', 'ASN-2': '20.5' },
      received: '42',
      open: '58',
    });
    expect(second).toMatchObject({ invoiced: '10', received: '0', open: '50' });
    expect(state.get(receiptStream)).toMatchObject({
      status: 'recorded',
      date: '2026-11-06T08:00:00Z',
      site: 'DAL1',
    });
    expect(state.get(invoiceStream)).toMatchObject({ status: 'recorded', supplier: 'SUP-1' });
  });

  it('Given a shipment for an unknown order, Then it carries the exception and creates no order', () => {
    const state = given(documents, asn('ASN-9', '5', 'PO-404'));
    expect(state.has('PurchaseOrder-ACME-US/PO-404')).toBe(false);
    expect(state.get('ShipmentNotice-SUP-1/ASN-9')).toMatchObject({
      hasExceptions: true,
      exceptionCodes: ['UNKNOWN_PURCHASE_ORDER'],
    });
  });

  it('Given changes, an acknowledgement and a cancellation, Then status matches the domain fold', () => {
    const changes = [
      recorded(po, 'PurchaseOrderChanged', {
        company: 'ACME-US',
        poNumber: 'PO-1',
        lines: [
          { action: 'update', lineNumber: 1, quantity: { value: '120', uom: 'EA' } },
          { action: 'cancel', lineNumber: 2 },
          { action: 'add', ...line(3, '7') },
        ],
      }),
      recorded(po, 'PurchaseOrderAcknowledged', {
        company: 'ACME-US',
        poNumber: 'PO-1',
        acknowledgedAt: '2026-11-02T09:00:00Z',
        status: 'accepted_with_changes',
        lines: [
          { lineNumber: 1, status: 'changed', confirmedQuantity: { value: '110', uom: 'EA' } },
        ],
      }),
    ];
    const events = [...submitted(), ...changes];
    const order = given(documents, events).get(po);
    const domain = foldDocument('purchaseOrder', events) as {
      status: string;
      lines: { lineNumber: number; status: string }[];
    };
    expect(order?.status).toBe(domain.status);
    expect(order?.lines?.map((l) => [l.lineNumber, l.status])).toEqual(
      domain.lines.map((l) => [l.lineNumber, l.status]),
    );
    expect(order?.lines?.map((l) => [l.ordered, l.acknowledged, l.open])).toEqual([
      ['120', '110', '120'],
      ['50', '50', '0'],
      ['7', '7', '7'],
    ]);

    const cancelled = [
      ...events,
      recorded(po, 'PurchaseOrderCancelled', {
        company: 'ACME-US',
        poNumber: 'PO-1',
        reason: 'duplicate',
      }),
    ];
    const after = given(documents, cancelled).get(po);
    expect(after?.status).toBe(
      (foldDocument('purchaseOrder', cancelled) as { status: string }).status,
    );
    expect(after?.lines?.every((l) => l.open === '0')).toBe(true);
  });

  it('ignores event types it does not handle (delivery events, say)', () => {
    const before = given(documents, submitted()).get(po);
    const after = given(documents, [
      ...submitted(),
      recorded(po, 'DeliveryAttempted', { target: 'legacy' }),
    ]).get(po);
    expect(after).toMatchObject({ status: before?.status, lines: before?.lines });
  });
});

describe('documents read model, events it does not know', () => {
  it('Given an invoice then match events of another model, Then it keeps its state and follows the revision', () => {
    const stream = 'SupplierInvoice-SUP-1/INV-7';
    const received = recorded(stream, 'SupplierInvoiceReceived', {
      supplier: 'SUP-1',
      invoiceNumber: 'INV-7',
      company: 'ACME-US',
      invoiceDate: '2026-11-07',
      currency: 'USD',
      lines: [],
      exceptions: [],
    });
    const matched = recorded(
      stream,
      'InvoiceHeld',
      { reason: 'price variance' },
      {},
      new Date('2026-11-08T00:00:00Z'),
    );
    const state = given(documents, [received, matched]);
    expect(state.get(stream)).toMatchObject({
      status: 'recorded',
      supplier: 'SUP-1',
      revision: Number(matched.revision),
      updatedAt: '2026-11-08T00:00:00.000Z',
    });
  });
});

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
