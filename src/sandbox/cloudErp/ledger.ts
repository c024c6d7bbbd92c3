/**
 * What the sandbox holds, per company: purchase orders with their lines, purchase invoices
 * (draft, then posted by `Microsoft.NAV.post`), and, from the general ledger it builds on
 * (generalLedger.ts), journals with their lines and the G/L entries a posted journal leaves.
 * Views are what the API answers (BC's field names, computed amounts, `@odata.etag`).
 * Nothing is ever de-duplicated here: what a client sends twice is kept twice (BC itself only
 * refuses a second purchase order with the same number), so tests count.
 *
 * Each lookup a client makes by business key (an order's number, an invoice's vendor invoice
 * number, a journal's code, a posted document's number) goes through an index, so a request
 * costs the same whether the sandbox holds ten documents or a bench's thousands.
 */
import { documentTotals, lineAmounts, type TaxSettings } from './amounts.js';
import { BcError, badRequest } from './errors.js';
import { GeneralLedger } from './generalLedger.js';
import { KeyIndex } from './keyIndex.js';
import { vendors } from './masterData.js';
import {
  applyLine,
  checkCurrency,
  checkVendor,
  type DocumentLine,
  date,
  documentLineFields,
  emptyLine,
  etagOf,
  type Fields,
  newRecord,
  text,
  touch,
  type Versioned,
  writable,
} from './records.js';

export interface PurchaseOrder extends Versioned {
  company: string;
  number: string;
  orderDate: string;
  postingDate: string;
  vendorNumber: string;
  currencyCode: string;
  requestedReceiptDate: string;
  purchaser: string;
  status: 'Draft' | 'Open';
  lines: Array<DocumentLine & { expectedReceiptDate: string }>;
}

export interface PurchaseInvoice extends Versioned {
  company: string;
  number: string;
  vendorInvoiceNumber: string;
  vendorNumber: string;
  invoiceDate: string;
  postingDate: string;
  dueDate: string;
  currencyCode: string;
  status: 'Draft' | 'Open';
  lines: DocumentLine[];
}

const poFields = [
  'number',
  'orderDate',
  'postingDate',
  'vendorNumber',
  'currencyCode',
  'requestedReceiptDate',
  'purchaser',
  'purchaseOrderLines',
];
const poLineFields = [...documentLineFields, 'expectedReceiptDate'];
const invoiceFields = [
  'vendorInvoiceNumber',
  'vendorNumber',
  'invoiceDate',
  'postingDate',
  'dueDate',
  'currencyCode',
  'purchaseInvoiceLines',
];

const linesOf = (fields: Fields, name: string): unknown[] => {
  const value = fields[name] ?? [];
  if (!Array.isArray(value)) throw badRequest(`${name} must be an array.`);
  return value;
};

export class Ledger extends GeneralLedger {
  readonly purchaseOrders = new Map<string, PurchaseOrder>();
  readonly purchaseInvoices = new Map<string, PurchaseInvoice>();
  /** By `number` and `vendorInvoiceNumber` (neither changes once set). */
  readonly ordersByNumber = new KeyIndex<PurchaseOrder>();
  readonly invoicesByVendorInvoiceNumber = new KeyIndex<PurchaseInvoice>();
  /** Purchase orders deleted through the API (how BC cancels an order not yet received). */
  readonly deletedPurchaseOrders: Array<{ company: string; number: string; at: string }> = [];
  private sequence = 1000;

  constructor(private readonly tax: () => TaxSettings) {
    super();
  }

  // ── purchase orders ────────────────────────────────────────────────────────────────────
  createPurchaseOrder(company: string, body: unknown): PurchaseOrder {
    const fields = writable(body, poFields, 'purchaseOrder');
    const number = text(fields, 'number') || `PO${++this.sequence}`;
    if (this.ordersByNumber.get(company, number).length > 0) {
      throw new BcError(
        400,
        'Internal_EntityWithSameKeyExists',
        `The record in table Purchase Header already exists. Identification fields and values: Document Type='Order',No.='${number}'`,
      );
    }
    const vendorNumber = text(fields, 'vendorNumber');
    checkVendor('Purchase Header', vendorNumber);
    const currencyCode = text(fields, 'currencyCode');
    checkCurrency('Purchase Header', currencyCode);
    const po: PurchaseOrder = {
      ...newRecord(),
      company,
      number,
      orderDate: date(fields, 'orderDate'),
      postingDate: date(fields, 'postingDate', date(fields, 'orderDate')),
      vendorNumber,
      currencyCode,
      requestedReceiptDate: date(fields, 'requestedReceiptDate'),
      purchaser: text(fields, 'purchaser'),
      status: 'Draft',
      lines: [],
    };
    po.lines = linesOf(fields, 'purchaseOrderLines').map((line, index) =>
      this.newPoLine(po, line, index),
    );
    this.purchaseOrders.set(po.id, po);
    this.ordersByNumber.add(company, number, po);
    return po;
  }

  private newPoLine(po: PurchaseOrder, body: unknown, index: number) {
    const fields = writable(body, poLineFields, 'purchaseOrderLine');
    const line = applyLine('Purchase Line', { ...emptyLine(), expectedReceiptDate: '' }, fields);
    if (!('sequence' in fields)) line.sequence = (po.lines.length + index + 1) * 10000;
    line.expectedReceiptDate = date(fields, 'expectedReceiptDate', po.requestedReceiptDate);
    return line;
  }

  updatePurchaseOrder(po: PurchaseOrder, body: unknown) {
    const fields = writable(body, poFields, 'purchaseOrder');
    if ('purchaseOrderLines' in fields || 'number' in fields) {
      throw badRequest('number and purchaseOrderLines cannot be changed through PATCH.');
    }
    if ('vendorNumber' in fields) {
      checkVendor('Purchase Header', text(fields, 'vendorNumber'));
      po.vendorNumber = text(fields, 'vendorNumber');
    }
    if ('currencyCode' in fields) {
      checkCurrency('Purchase Header', text(fields, 'currencyCode'));
      po.currencyCode = text(fields, 'currencyCode');
    }
    for (const name of ['orderDate', 'postingDate', 'requestedReceiptDate'] as const) {
      if (name in fields) po[name] = date(fields, name);
    }
    if ('purchaser' in fields) po.purchaser = text(fields, 'purchaser');
    touch(po);
  }

  addPurchaseOrderLine(po: PurchaseOrder, body: unknown) {
    const line = this.newPoLine(po, body, 0);
    po.lines.push(line);
    touch(po);
    return line;
  }

  updatePurchaseOrderLine(po: PurchaseOrder, line: PurchaseOrder['lines'][number], body: unknown) {
    const fields = writable(body, poLineFields, 'purchaseOrderLine');
    const next = applyLine('Purchase Line', line, fields);
    if ('expectedReceiptDate' in fields) {
      next.expectedReceiptDate = date(fields, 'expectedReceiptDate');
    }
    Object.assign(line, next);
    touch(line);
    touch(po);
  }

  deletePurchaseOrderLine(po: PurchaseOrder, lineId: string) {
    po.lines = po.lines.filter((line) => line.id !== lineId);
    touch(po);
  }

  deletePurchaseOrder(po: PurchaseOrder) {
    this.purchaseOrders.delete(po.id);
    this.ordersByNumber.remove(po.company, po.number, po);
    this.deletedPurchaseOrders.push({
      company: po.company,
      number: po.number,
      at: new Date().toISOString(),
    });
  }

  poView(po: PurchaseOrder, expandLines: boolean) {
    const lines = po.lines.map((line) => this.lineView(po.id, line));
    return {
      '@odata.etag': etagOf(po),
      id: po.id,
      number: po.number,
      orderDate: po.orderDate,
      postingDate: po.postingDate,
      vendorNumber: po.vendorNumber,
      vendorName: vendors[po.vendorNumber] ?? '',
      currencyCode: po.currencyCode,
      requestedReceiptDate: po.requestedReceiptDate,
      purchaser: po.purchaser,
      status: po.status,
      ...documentTotals(lines),
      fullyReceived: false,
      lastModifiedDateTime: po.lastModifiedDateTime,
      ...(expandLines ? { purchaseOrderLines: lines } : {}),
    };
  }

  lineView(documentId: string, line: DocumentLine & { expectedReceiptDate?: string }) {
    const { version: _v, ...fields } = line;
    return {
      '@odata.etag': etagOf(line),
      ...fields,
      documentId,
      ...lineAmounts(line.quantity, line.directUnitCost, line.taxCode, this.tax()),
    };
  }

  // ── purchase invoices ──────────────────────────────────────────────────────────────────
  createPurchaseInvoice(company: string, body: unknown): PurchaseInvoice {
    const fields = writable(body, invoiceFields, 'purchaseInvoice');
    const vendorNumber = text(fields, 'vendorNumber');
    checkVendor('Purchase Header', vendorNumber);
    const currencyCode = text(fields, 'currencyCode');
    checkCurrency('Purchase Header', currencyCode);
    const invoiceDate = date(fields, 'invoiceDate');
    const invoice: PurchaseInvoice = {
      ...newRecord(),
      company,
      number: `PI${++this.sequence}`,
      vendorInvoiceNumber: text(fields, 'vendorInvoiceNumber'),
      vendorNumber,
      invoiceDate,
      postingDate: date(fields, 'postingDate', invoiceDate),
      dueDate: date(fields, 'dueDate', invoiceDate),
      currencyCode,
      status: 'Draft',
      lines: [],
    };
    invoice.lines = linesOf(fields, 'purchaseInvoiceLines').map((line, index) => {
      const lineFields = writable(line, documentLineFields, 'purchaseInvoiceLine');
      const created = applyLine('Purchase Line', emptyLine(), lineFields);
      if (!('sequence' in lineFields)) created.sequence = (index + 1) * 10000;
      return created;
    });
    this.purchaseInvoices.set(invoice.id, invoice);
    this.invoicesByVendorInvoiceNumber.add(company, invoice.vendorInvoiceNumber, invoice);
    return invoice;
  }

  postPurchaseInvoice(invoice: PurchaseInvoice) {
    if (invoice.status !== 'Draft')
      throw badRequest(`Invoice ${invoice.number} is already posted.`);
    if (!invoice.vendorInvoiceNumber) {
      throw badRequest('Vendor Invoice No. must have a value in Purchase Header.');
    }
    const taken = this.invoicesByVendorInvoiceNumber
      .get(invoice.company, invoice.vendorInvoiceNumber)
      .some((other) => other.status !== 'Draft' && other.vendorNumber === invoice.vendorNumber);
    if (taken) {
      throw badRequest(
        `Purchase Invoice ${invoice.vendorInvoiceNumber} already exists for this vendor.`,
      );
    }
    if (invoice.lines.length === 0) throw badRequest('There is nothing to post.');
    invoice.status = 'Open';
    touch(invoice);
  }

  invoiceView(invoice: PurchaseInvoice, expandLines: boolean) {
    const lines = invoice.lines.map((line) => this.lineView(invoice.id, line));
    return {
      '@odata.etag': etagOf(invoice),
      id: invoice.id,
      number: invoice.number,
      vendorInvoiceNumber: invoice.vendorInvoiceNumber,
      vendorNumber: invoice.vendorNumber,
      vendorName: vendors[invoice.vendorNumber] ?? '',
      invoiceDate: invoice.invoiceDate,
      postingDate: invoice.postingDate,
      dueDate: invoice.dueDate,
      currencyCode: invoice.currencyCode,
      status: invoice.status,
      ...documentTotals(lines),
      lastModifiedDateTime: invoice.lastModifiedDateTime,
      ...(expandLines ? { purchaseInvoiceLines: lines } : {}),
    };
  }
}
