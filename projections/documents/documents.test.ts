import { describe, expect, it } from 'vitest';
import { foldDocument } from '../../src/domain/fold.js';
import { given, recorded } from '../testing.js';
import { documents } from './documents.js';
import { line, ownership, po, submitted } from './fixtures.js';

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
      ['50', null, '0'],
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

  it('Given a line cancelled before an acknowledgement that omits it, Then the line is not acknowledged, as in the domain fold', () => {
    const events = [
      ...submitted(),
      recorded(po, 'PurchaseOrderChanged', {
        company: 'ACME-US',
        poNumber: 'PO-1',
        lines: [{ action: 'cancel', lineNumber: 2 }],
      }),
      recorded(po, 'PurchaseOrderAcknowledged', {
        company: 'ACME-US',
        poNumber: 'PO-1',
        acknowledgedAt: '2026-11-02T09:00:00Z',
        status: 'accepted',
        lines: [{ lineNumber: 1, status: 'accepted' }],
      }),
    ];
    const lines = given(documents, events).get(po)?.lines ?? [];
    const domain = foldDocument('purchaseOrder', events) as {
      status: string;
      lines: { lineNumber: number; status: string; acknowledgement?: object }[];
    };
    expect(domain.lines[1]?.acknowledgement).toBeUndefined();
    expect(lines.map((l) => [l.lineNumber, l.status, l.acknowledged])).toEqual([
      [1, 'open', '100'],
      [2, 'cancelled', null],
    ]);
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
