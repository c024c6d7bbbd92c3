/**
 * Decide for shipment notices, goods receipts and supplier invoices. Each is a single fact;
 * references to purchase order lines are checked against the parent orders the handler
 * loaded, and anything that does not fit is flagged as an exception on the recorded event.
 */
import { decimal, format } from '../decimal.js';
import { checkUniqueLineNumbers, DocumentStateConflictError, Violations } from '../errors.js';
import type { PurchaseOrderState } from '../purchaseOrder/types.js';
import type {
  ChildEvent,
  ChildState,
  DocumentException,
  PoReferencingLine,
  RecordGoodsReceipt,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
} from './types.js';

/** Parent purchase orders by poNumber (same company as the child); null when unknown. */
export type ParentOrders = ReadonlyMap<string, PurchaseOrderState | null>;

/** Distinct purchase order numbers a child document references. */
export const referencedPoNumbers = (lines: readonly { poNumber: string }[]): string[] => [
  ...new Set(lines.map((line) => line.poNumber)),
];

/**
 * Checks each line against its parent. `quantityCheck` names the exception raised when a line
 * asks for more than the order line holds (per document for now; cumulative receipts and
 * invoices are matched by the three-way-match projection).
 */
const lineExceptions = (
  lines: readonly PoReferencingLine[],
  parents: ParentOrders,
  quantityCheck: 'OVER_SHIPMENT' | 'OVER_RECEIPT' | null,
): DocumentException[] => {
  const exceptions: DocumentException[] = [];
  const flaggedCancelled = new Set<string>();
  lines.forEach((line, index) => {
    const at = `/lines/${index}`;
    const parent = parents.get(line.poNumber) ?? null;
    if (parent === null) {
      exceptions.push({
        code: 'UNKNOWN_PURCHASE_ORDER',
        pointer: `${at}/poNumber`,
        detail: `Purchase order ${line.poNumber} is unknown to the gateway.`,
      });
      return;
    }
    if (parent.status === 'cancelled' && !flaggedCancelled.has(line.poNumber)) {
      flaggedCancelled.add(line.poNumber);
      exceptions.push({
        code: 'PURCHASE_ORDER_CANCELLED',
        pointer: `${at}/poNumber`,
        detail: `Purchase order ${line.poNumber} was cancelled.`,
      });
    }
    const poLine = parent.lines.find((candidate) => candidate.lineNumber === line.poLineNumber);
    if (!poLine) {
      exceptions.push({
        code: 'UNKNOWN_PO_LINE',
        pointer: `${at}/poLineNumber`,
        detail: `Purchase order ${line.poNumber} has no line ${line.poLineNumber}.`,
      });
      return;
    }
    if (line.item !== undefined && line.item !== poLine.item) {
      exceptions.push({
        code: 'ITEM_MISMATCH',
        pointer: `${at}/item`,
        detail: `Item ${line.item} differs from ${poLine.item} on purchase order line ${line.poNumber}/${line.poLineNumber}.`,
      });
    }
    if (line.quantity.uom !== poLine.quantity.uom) {
      exceptions.push({
        code: 'UOM_MISMATCH',
        pointer: `${at}/quantity/uom`,
        detail: `Unit ${line.quantity.uom} differs from ${poLine.quantity.uom} on the purchase order line.`,
      });
    } else if (quantityCheck && decimal(line.quantity.value).gt(poLine.quantity.value)) {
      const variance = decimal(line.quantity.value).minus(poLine.quantity.value);
      exceptions.push({
        code: quantityCheck,
        pointer: `${at}/quantity/value`,
        detail: `Quantity ${line.quantity.value} exceeds the ordered ${poLine.quantity.value} ${poLine.quantity.uom} by ${format(variance)}.`,
      });
    }
  });
  return exceptions;
};

const requireNew = (state: ChildState | null, what: string): void => {
  if (state !== null) {
    throw new DocumentStateConflictError('document-exists', `${what} already exists.`);
  }
};

const checkLines = (lines: readonly { lineNumber: number }[], code: string): void => {
  const violations = new Violations();
  checkUniqueLineNumbers(lines, violations);
  violations.throwIfAny(code);
};

export const submitShipmentNotice = (
  state: ChildState | null,
  command: SubmitShipmentNotice,
  parents: ParentOrders,
): ChildEvent[] => {
  requireNew(state, `Shipment notice ${command.supplier}/${command.asnNumber}`);
  checkLines(command.lines, 'invalid-shipment-notice');
  const exceptions = lineExceptions(command.lines, parents, 'OVER_SHIPMENT');
  return [{ type: 'ShipmentNoticeSubmitted', data: { ...command, exceptions } }];
};

export const recordGoodsReceipt = (
  state: ChildState | null,
  command: RecordGoodsReceipt,
  parents: ParentOrders,
): ChildEvent[] => {
  requireNew(state, `Goods receipt ${command.site}/${command.receiptNumber}`);
  checkLines(command.lines, 'invalid-goods-receipt');
  // Received quantity includes what arrived damaged: both were delivered against the line.
  const delivered = command.lines.map((line) => ({
    ...line,
    quantity: line.damagedQuantity
      ? {
          value: format(decimal(line.quantity.value).plus(line.damagedQuantity.value)),
          uom: line.quantity.uom,
        }
      : line.quantity,
  }));
  const exceptions = lineExceptions(delivered, parents, 'OVER_RECEIPT');
  return [{ type: 'GoodsReceiptRecorded', data: { ...command, exceptions } }];
};

export const submitSupplierInvoice = (
  state: ChildState | null,
  command: SubmitSupplierInvoice,
  parents: ParentOrders,
): ChildEvent[] => {
  requireNew(state, `Supplier invoice ${command.supplier}/${command.invoiceNumber}`);
  checkLines(command.lines, 'invalid-supplier-invoice');
  const exceptions = lineExceptions(command.lines, parents, null);
  const flagged = new Set<string>();
  command.lines.forEach((line, index) => {
    const parent = parents.get(line.poNumber);
    if (parent && parent.currency !== command.currency && !flagged.has(line.poNumber)) {
      flagged.add(line.poNumber);
      exceptions.push({
        code: 'CURRENCY_MISMATCH',
        pointer: `/lines/${index}/poNumber`,
        detail: `Invoice currency ${command.currency} differs from ${parent.currency} on purchase order ${line.poNumber}.`,
      });
    }
  });
  return [{ type: 'SupplierInvoiceReceived', data: { ...command, exceptions } }];
};

/** A child document is one fact: its state is that fact. */
export const foldChild = (events: readonly ChildEvent[]): ChildState | null => {
  const first = events[0];
  return first ? { status: 'recorded', ...first.data } : null;
};
