/**
 * Canonical document states built from the contracts' own examples, with fresh numbers so
 * every test works on documents of its own.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  RecordGoodsReceipt,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
} from '../../src/domain/children/types.js';
import type { JournalEntryState } from '../../src/domain/journalEntry/journalEntry.js';
import type {
  PurchaseOrderState,
  SubmitPurchaseOrder,
} from '../../src/domain/purchaseOrder/types.js';
import type { ErpDelivery } from '../../src/ports/erpConnector.js';

const example = <T>(contract: string, index = 0): T => {
  const schema = JSON.parse(
    readFileSync(
      resolve(import.meta.dirname, '../../contracts/http/v1', `${contract}.json`),
      'utf8',
    ),
  ) as { examples: T[] };
  return structuredClone(schema.examples[index] as T);
};

let counter = 0;
/** A number no other test uses (per process run). */
export const unique = (prefix: string): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

export const purchaseOrderState = (poNumber = unique('PO')): PurchaseOrderState => {
  const submit = example<SubmitPurchaseOrder>('purchase-order-submit');
  return {
    company: submit.company,
    poNumber,
    supplier: submit.supplier,
    site: submit.site,
    currency: submit.currency,
    orderDate: submit.orderDate,
    status: 'open',
    ...(submit.requestedDeliveryDate
      ? { requestedDeliveryDate: submit.requestedDeliveryDate }
      : {}),
    ...(submit.notes ? { notes: submit.notes } : {}),
    lines: submit.lines.map((line) => ({ ...line, status: 'open' as const })),
    changeCount: 0,
  };
};

export const submitPo = (state: PurchaseOrderState): ErpDelivery => ({
  document: 'purchaseOrder',
  action: 'submit',
  key: { company: state.company, poNumber: state.poNumber },
  state,
});

export const poDelivery = (
  action: 'change' | 'cancel' | 'acknowledge',
  state: PurchaseOrderState,
): ErpDelivery => ({
  document: 'purchaseOrder',
  action,
  key: { company: state.company, poNumber: state.poNumber },
  state,
});

/** The example receipt against `poNumber`, with the received quantity per PO line. */
export const goodsReceipt = (
  poNumber: string,
  received: Record<number, string>,
  receiptNumber = unique('GR'),
  asnNumber?: string,
): ErpDelivery => {
  const receipt = example<RecordGoodsReceipt>('goods-receipt');
  const ordered = example<SubmitPurchaseOrder>('purchase-order-submit').lines;
  const state: RecordGoodsReceipt = {
    ...receipt,
    receiptNumber,
    ...(asnNumber ? { asnNumber } : {}),
    lines: Object.entries(received).map(([poLine, value], index) => {
      const template = receipt.lines.find((line) => line.poLineNumber === Number(poLine));
      const order = ordered.find((line) => line.lineNumber === Number(poLine));
      const uom = order?.quantity.uom ?? 'EA';
      return {
        lineNumber: index + 1,
        poNumber,
        poLineNumber: Number(poLine),
        item: order?.item ?? 'UNKNOWN',
        quantity: { value, uom },
        lots: (template?.lots ?? []).map((lot) => ({ ...lot, quantity: { value, uom } })),
      };
    }),
  };
  return {
    document: 'goodsReceipt',
    action: 'submit',
    key: { site: state.site, receiptNumber },
    state,
  };
};

/** The contract's example receipt as it is (damaged quantity, lots), against `poNumber`. */
export const exampleGoodsReceipt = (
  poNumber: string,
  receiptNumber = unique('GR'),
): ErpDelivery => {
  const receipt = example<RecordGoodsReceipt>('goods-receipt');
  const { asnNumber: _notice, ...rest } = receipt;
  const state: RecordGoodsReceipt = {
    ...rest,
    receiptNumber,
    lines: receipt.lines.map((line) => ({ ...line, poNumber })),
  };
  return {
    document: 'goodsReceipt',
    action: 'submit',
    key: { site: state.site, receiptNumber },
    state,
  };
};

export const shipmentNotice = (poNumber: string, asnNumber = unique('ASN')): ErpDelivery => {
  const asn = example<SubmitShipmentNotice>('shipment-notice');
  const state: SubmitShipmentNotice = {
    ...asn,
    asnNumber,
    lines: asn.lines.map((line) => ({ ...line, poNumber })),
  };
  return {
    document: 'shipmentNotice',
    action: 'submit',
    key: { supplier: state.supplier, asnNumber },
    state,
  };
};

export const supplierInvoice = (poNumber: string, invoiceNumber = unique('INV')): ErpDelivery => {
  const invoice = example<SubmitSupplierInvoice>('supplier-invoice');
  const state: SubmitSupplierInvoice = {
    ...invoice,
    invoiceNumber,
    lines: invoice.lines.map((line) => ({ ...line, poNumber })),
  };
  return {
    document: 'supplierInvoice',
    action: 'submit',
    key: { supplier: state.supplier, invoiceNumber },
    state,
  };
};

/** The journal-entry contract's example number `index` (0: ACME-US accrual, 1: ACME-DE recharge). */
export const journalEntry = (entryNumber = unique('JE'), index = 0): ErpDelivery => {
  const entry = example<Omit<JournalEntryState, 'status' | 'period'>>('journal-entry', index);
  const state: JournalEntryState = {
    ...entry,
    entryNumber,
    status: 'submitted',
    period: entry.postingDate.slice(0, 7),
  };
  return {
    document: 'journalEntry',
    action: 'submit',
    key: { company: state.company, entryNumber },
    state,
  };
};
