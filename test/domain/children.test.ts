import { describe, expect, it } from 'vitest';
import { recordGoodsReceipt, submitSupplierInvoice } from '../../src/domain/children/children.js';
import type { RecordGoodsReceipt } from '../../src/domain/children/types.js';
import { foldPurchaseOrder } from '../../src/domain/purchaseOrder/purchaseOrder.js';

const po = foldPurchaseOrder([
  {
    type: 'PurchaseOrderSubmitted',
    data: {
      company: 'ACME-US',
      poNumber: 'PO-1',
      supplier: 'SUP-1',
      site: 'DAL1',
      orderDate: '2026-11-01',
      currency: 'USD',
      lines: [
        { lineNumber: 1, item: 'BRG', quantity: { value: '100', uom: 'EA' }, unitPrice: '2.00' },
      ],
    },
  },
]);
const parents = new Map([['PO-1', po]]);
const receipt: RecordGoodsReceipt = {
  site: 'DAL1',
  receiptNumber: 'GR-1',
  company: 'ACME-US',
  supplier: 'SUP-1',
  receivedAt: '2026-11-10T08:00:00Z',
  lines: [
    {
      lineNumber: 1,
      poNumber: 'PO-1',
      poLineNumber: 1,
      item: 'BRG',
      quantity: { value: '95', uom: 'EA' },
    },
  ],
};

describe('documents that reference purchase order lines', () => {
  it('records a matching receipt without exceptions', () => {
    const [event] = recordGoodsReceipt(null, receipt, parents);
    expect(event?.data.exceptions).toEqual([]);
  });

  it('records an over-receipt (damaged quantity counts as delivered) and flags the variance', () => {
    const line = {
      ...receipt.lines[0],
      damagedQuantity: { value: '10', uom: 'EA' },
    } as RecordGoodsReceipt['lines'][0];
    const [event] = recordGoodsReceipt(null, { ...receipt, lines: [line] }, parents);
    expect(event?.data.exceptions).toEqual([
      {
        code: 'OVER_RECEIPT',
        severity: 'warning',
        pointer: '/lines/0/quantity/value',
        detail: 'Received 95 EA and 10 EA damaged (105 EA delivered) exceed the ordered 100 EA by 5.',
      },
    ]);
  });

  it('records receipts against unknown orders and lines, flagged, never dropped', () => {
    const lines = [
      {
        lineNumber: 1,
        poNumber: 'PO-404',
        poLineNumber: 1,
        item: 'BRG',
        quantity: { value: '1', uom: 'EA' },
      },
      {
        lineNumber: 2,
        poNumber: 'PO-1',
        poLineNumber: 7,
        item: 'BRG',
        quantity: { value: '1', uom: 'EA' },
      },
    ];
    const [event] = recordGoodsReceipt(
      null,
      { ...receipt, lines },
      new Map([
        ['PO-1', po],
        ['PO-404', null],
      ]),
    );
    expect(event?.data.exceptions.map((e) => [e.code, e.pointer])).toEqual([
      ['UNKNOWN_PURCHASE_ORDER', '/lines/0/poNumber'],
      ['UNKNOWN_PO_LINE', '/lines/1/poLineNumber'],
    ]);
  });

  it('flags an invoice in another currency than its order', () => {
    const [event] = submitSupplierInvoice(
      null,
      {
        supplier: 'SUP-1',
        invoiceNumber: 'INV-1',
        company: 'ACME-US',
        invoiceDate: '2026-11-12',
        currency: 'EUR',
        lines: [
          {
            lineNumber: 1,
            poNumber: 'PO-1',
            poLineNumber: 1,
            quantity: { value: '95', uom: 'EA' },
            unitPrice: '2.00',
            lineAmount: '190.00',
          },
        ],
        totals: { netAmount: '190.00', taxAmount: '0', grossAmount: '190.00' },
      },
      parents,
    );
    expect(event?.data.exceptions.map((e) => e.code)).toEqual(['CURRENCY_MISMATCH']);
  });
});
