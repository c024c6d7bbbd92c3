import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/catalog.js';
import {
  recordGoodsReceipt,
  shipmentNotice,
  submitShipmentNotice,
  submitSupplierInvoice,
} from '../../src/domain/children/children.js';
import type {
  RecordGoodsReceipt,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
} from '../../src/domain/children/types.js';
import { fold } from '../../src/domain/decider.js';
import { streamNameOf } from '../../src/domain/documents.js';
import { foldDocument } from '../../src/domain/fold.js';
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

const notice: SubmitShipmentNotice = {
  supplier: 'SUP-1',
  asnNumber: 'ASN-1',
  company: 'ACME-US',
  site: 'DAL1',
  shippedAt: '2026-11-08T08:00:00Z',
  lines: [
    {
      lineNumber: 1,
      poNumber: 'PO-1',
      poLineNumber: 1,
      item: 'BRG',
      quantity: { value: '90', uom: 'EA' },
    },
  ],
};
const invoice: SubmitSupplierInvoice = {
  supplier: 'SUP-1',
  invoiceNumber: 'INV-1',
  company: 'ACME-US',
  invoiceDate: '2026-11-12',
  currency: 'USD',
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
        detail:
          'Received 95 EA and 10 EA damaged (105 EA delivered) exceed the ordered 100 EA by 5.',
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

  it('flags lots that do not add up to the accepted quantity, or are in another unit', () => {
    const lot = (value: string, uom = 'EA') => ({ lot: `L-${value}`, quantity: { value, uom } });
    const base = receipt.lines[0] as RecordGoodsReceipt['lines'][0];
    const lines: RecordGoodsReceipt['lines'] = [
      // 95 accepted + 5 damaged: lots hold what went into stock, 95.
      { ...base, damagedQuantity: { value: '5', uom: 'EA' }, lots: [lot('60'), lot('35.0')] },
      { ...base, lineNumber: 2, lots: [lot('60'), lot('30')] },
      { ...base, lineNumber: 3, lots: [lot('95', 'BOX')] },
    ];
    const [event] = recordGoodsReceipt(null, { ...receipt, lines }, parents);
    expect(event?.data.exceptions.filter((e) => e.code === 'LOT_QUANTITY_MISMATCH')).toEqual([
      {
        code: 'LOT_QUANTITY_MISMATCH',
        severity: 'warning',
        pointer: '/lines/1/lots',
        detail: "Lots add up to 90 EA, not the line's 95 EA.",
      },
      {
        code: 'LOT_QUANTITY_MISMATCH',
        severity: 'warning',
        pointer: '/lines/2/lots/0/quantity/uom',
        detail: "Lot quantities must be in the line's unit EA, not BOX.",
      },
    ]);
    const asnLine = { ...base, lots: [lot('90')] };
    const [asn] = submitShipmentNotice(null, { ...notice, lines: [asnLine] }, parents);
    expect(asn?.data.exceptions.map((e) => [e.code, e.pointer])).toEqual([
      ['LOT_QUANTITY_MISMATCH', '/lines/0/lots'],
    ]);
  });

  it('flags a damaged quantity in another unit than the order line', () => {
    const line = { ...receipt.lines[0], damagedQuantity: { value: '1', uom: 'BOX' } };
    const [event] = recordGoodsReceipt(
      null,
      { ...receipt, lines: [line as RecordGoodsReceipt['lines'][0]] },
      parents,
    );
    expect(event?.data.exceptions.map((e) => [e.code, e.pointer])).toEqual([
      ['UOM_MISMATCH', '/lines/0/damagedQuantity/uom'],
    ]);
  });
});

describe('a receipt naming a shipment notice', () => {
  const named = { ...receipt, asnNumber: 'ASN-1' };
  const codes = (notice: Parameters<typeof recordGoodsReceipt>[3]) =>
    recordGoodsReceipt(null, named, parents, notice)[0]?.data.exceptions.map((e) => [
      e.code,
      e.pointer,
    ]);

  it('flags an ASN the gateway does not have, and only when it was looked up', () => {
    expect(codes(null)).toEqual([['UNKNOWN_SHIPMENT_NOTICE', '/asnNumber']]);
    expect(codes(undefined)).toEqual([]);
    const [asn] = submitShipmentNotice(null, notice, parents);
    expect(codes(fold(shipmentNotice, asn ? [asn] : []))).toEqual([]);
  });

  it('names the ASN for the write path to load, and checks it once loaded', () => {
    const spec = commands.recordGoodsReceipt;
    const ref = { type: 'shipmentNotice' as const, key: { supplier: 'SUP-1', asnNumber: 'ASN-1' } };
    expect(spec.referencedDocuments?.(named)).toEqual([ref]);
    expect(spec.referencedDocuments?.(receipt)).toEqual([]);
    const decide = (documents?: Map<string, object | null>) =>
      spec.decide({ key: {}, body: named, state: null, parents, documents });
    const [unknown] = decide(new Map([[streamNameOf(ref), null]]));
    expect(unknown?.data).toMatchObject({ exceptions: [{ code: 'UNKNOWN_SHIPMENT_NOTICE' }] });
    expect(decide()[0]?.data).toMatchObject({ exceptions: [] });
  });
});

describe("children naming another supplier's order", () => {
  const otherSuppliers = foldPurchaseOrder([
    {
      type: 'PurchaseOrderSubmitted',
      data: {
        company: 'ACME-US',
        poNumber: 'PO-2',
        supplier: 'SUP-10023',
        site: 'DAL1',
        orderDate: '2026-11-01',
        currency: 'EUR',
        lines: [
          {
            lineNumber: 1,
            item: 'SECRET-ITEM',
            quantity: { value: '7', uom: 'KG' },
            unitPrice: '9',
          },
        ],
      },
    },
  ]);
  const both = new Map([
    ['PO-1', po],
    ['PO-2', otherSuppliers],
  ]);
  const theirLine = {
    lineNumber: 2,
    poNumber: 'PO-2',
    poLineNumber: 1,
    item: 'BRG',
    quantity: { value: '900', uom: 'EA' },
  };

  it('flags each with a blocking SUPPLIER_MISMATCH that tells nothing about that order', () => {
    const [asn] = submitShipmentNotice(
      null,
      { ...notice, lines: [...notice.lines, theirLine, { ...theirLine, lineNumber: 3 }] },
      both,
    );
    const [gr] = recordGoodsReceipt(
      null,
      { ...receipt, lines: [...receipt.lines, theirLine] },
      both,
    );
    const [inv] = submitSupplierInvoice(
      null,
      {
        ...invoice,
        lines: [...invoice.lines, { ...theirLine, unitPrice: '1', lineAmount: '900' }],
      },
      both,
    );
    for (const event of [asn, gr, inv]) {
      expect(event?.data.exceptions).toEqual([
        {
          code: 'SUPPLIER_MISMATCH',
          severity: 'blocking',
          pointer: '/lines/1/poNumber',
          detail:
            'Purchase order PO-2 is not an order of supplier SUP-1; the document is held for an operator.',
        },
      ]);
      const said = JSON.stringify(event?.data.exceptions);
      for (const secret of ['SUP-10023', 'SECRET-ITEM', 'KG', 'EUR', '"7"']) {
        expect(said).not.toContain(secret);
      }
    }
  });

  it('records such a child as not deliverable; one without blocking exceptions is', () => {
    const [held] = recordGoodsReceipt(null, { ...receipt, lines: [theirLine] }, both);
    const [fine] = recordGoodsReceipt(null, receipt, both);
    const state = (event: unknown) =>
      foldDocument('goodsReceipt', [event as { type: string; data: object }]);
    expect(state(held)).toMatchObject({ status: 'recorded', deliverable: false });
    expect(state(fine)).toMatchObject({ status: 'recorded', deliverable: true });
  });
});

describe('child events recorded at schema version 1', () => {
  it('fold with each exception a warning (nothing was held for them) and stay deliverable', () => {
    const { lines, ...header } = receipt;
    const v1 = {
      type: 'GoodsReceiptRecorded',
      data: {
        ...header,
        lines,
        exceptions: [{ code: 'OVER_RECEIPT', pointer: '/lines/0/quantity/value', detail: 'over' }],
      },
    };
    const state = foldDocument('goodsReceipt', [v1]);
    expect(state).toEqual({
      ...receipt,
      status: 'recorded',
      deliverable: true,
      exceptions: [
        {
          code: 'OVER_RECEIPT',
          severity: 'warning',
          pointer: '/lines/0/quantity/value',
          detail: 'over',
        },
      ],
    });
  });
});
