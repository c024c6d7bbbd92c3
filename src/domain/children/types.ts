/**
 * Documents that reference purchase order lines: shipment notices, goods receipts and
 * supplier invoices (contract v1 shapes). They record facts that already happened elsewhere,
 * so a reference the gateway cannot resolve is flagged as an exception, never rejected.
 */
import type { DecimalString } from '../decimal.js';
import type { Quantity } from '../purchaseOrder/types.js';

export interface Lot {
  lot: string;
  quantity: Quantity;
  expiryDate?: string;
  manufacturedDate?: string;
}

/** A line that points at a purchase order line. */
export interface PoReferencingLine {
  lineNumber: number;
  poNumber: string;
  poLineNumber: number;
  item?: string;
  quantity: Quantity;
}

export interface SubmitShipmentNotice {
  supplier: string;
  asnNumber: string;
  company: string;
  site: string;
  shippedAt: string;
  expectedDeliveryDate?: string;
  carrier?: { name: string; scac?: string };
  trackingNumber?: string;
  packages?: number;
  grossWeight?: Quantity;
  lines: Array<
    PoReferencingLine & { item: string; lots?: Lot[]; serials?: string[]; supplierItem?: string }
  >;
}

export interface RecordGoodsReceipt {
  site: string;
  receiptNumber: string;
  company: string;
  supplier: string;
  receivedAt: string;
  asnNumber?: string;
  receivedBy?: string;
  note?: string;
  lines: Array<
    PoReferencingLine & {
      item: string;
      damagedQuantity?: Quantity;
      lots?: Lot[];
      serials?: string[];
      location?: string;
      reasonCode?: string;
    }
  >;
}

export interface SubmitSupplierInvoice {
  supplier: string;
  invoiceNumber: string;
  company: string;
  invoiceDate: string;
  currency: string;
  dueDate?: string;
  supplierTaxId?: string;
  paymentTerms?: string;
  lines: Array<
    PoReferencingLine & {
      unitPrice: DecimalString;
      lineAmount: DecimalString;
      description?: string;
      taxCode?: string;
    }
  >;
  taxes?: Array<{ taxCode: string; taxableAmount: DecimalString; taxAmount: DecimalString }>;
  charges?: Array<{ type: string; amount: DecimalString; taxCode?: string; description?: string }>;
  totals: { netAmount: DecimalString; taxAmount: DecimalString; grossAmount: DecimalString };
}

export const exceptionCodes = [
  'UNKNOWN_PURCHASE_ORDER',
  'UNKNOWN_PO_LINE',
  'PURCHASE_ORDER_CANCELLED',
  'ITEM_MISMATCH',
  'UOM_MISMATCH',
  'OVER_SHIPMENT',
  'OVER_RECEIPT',
  'CURRENCY_MISMATCH',
] as const;
export type ExceptionCode = (typeof exceptionCodes)[number];

/** A flagged problem with a recorded fact, pointing into the event data. */
export interface DocumentException {
  code: ExceptionCode;
  pointer: string;
  detail: string;
}

export type ChildEvent =
  | {
      type: 'ShipmentNoticeSubmitted';
      data: SubmitShipmentNotice & { exceptions: DocumentException[] };
    }
  | { type: 'GoodsReceiptRecorded'; data: RecordGoodsReceipt & { exceptions: DocumentException[] } }
  | {
      type: 'SupplierInvoiceReceived';
      data: SubmitSupplierInvoice & { exceptions: DocumentException[] };
    };

export interface ChildState {
  status: 'recorded';
  exceptions: DocumentException[];
  [field: string]: unknown;
}
