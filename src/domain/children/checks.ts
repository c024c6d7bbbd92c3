/**
 * The checks a child document's lines get against the purchase orders they reference, and
 * against themselves. Each finding is an exception recorded with the fact.
 */
import { decimal, format } from '../decimal.js';
import type { PurchaseOrderLineState, PurchaseOrderState } from '../purchaseOrder/types.js';
import type {
  DocumentException,
  ExceptionCode,
  Lot,
  PoReferencingLine,
  Severity,
} from './types.js';

/** Parent purchase orders by poNumber (same company as the child); null when unknown. */
export type ParentOrders = ReadonlyMap<string, PurchaseOrderState | null>;

/**
 * Only a line naming another supplier's order holds the document back: delivering it would
 * book one supplier's goods or invoice against another's order. The rest are variances an ERP
 * takes and a person reviews.
 */
const severityOf: Record<ExceptionCode, Severity> = {
  SUPPLIER_MISMATCH: 'blocking',
  UNKNOWN_PURCHASE_ORDER: 'warning',
  UNKNOWN_PO_LINE: 'warning',
  PURCHASE_ORDER_CANCELLED: 'warning',
  ITEM_MISMATCH: 'warning',
  UOM_MISMATCH: 'warning',
  OVER_SHIPMENT: 'warning',
  OVER_RECEIPT: 'warning',
  CURRENCY_MISMATCH: 'warning',
  LOT_QUANTITY_MISMATCH: 'warning',
  UNKNOWN_SHIPMENT_NOTICE: 'warning',
};

export const exception = (
  code: ExceptionCode,
  pointer: string,
  detail: string,
): DocumentException => ({
  code,
  severity: severityOf[code],
  pointer,
  detail,
});

/** Whether a document with these exceptions may be delivered to an ERP as valid. */
export const isDeliverable = (exceptions: readonly DocumentException[]): boolean =>
  exceptions.every((found) => found.severity !== 'blocking');

/** The quantity check of one line against its order line (per document type). */
export type QuantityCheck<L> = (
  line: L,
  poLine: PurchaseOrderLineState,
  at: string,
) => DocumentException[];

/**
 * Checks each line against its parent order. A parent of another supplier gets one
 * SUPPLIER_MISMATCH and nothing more: any other finding would tell this client about an
 * order that is not theirs (its lines, items, units, quantities, currency or status).
 */
export const parentExceptions = <L extends PoReferencingLine>(
  document: { supplier: string; lines: readonly L[] },
  parents: ParentOrders,
  quantityCheck: QuantityCheck<L>,
): { exceptions: DocumentException[]; matched: Map<string, PurchaseOrderState> } => {
  const exceptions: DocumentException[] = [];
  const flagged = new Set<string>();
  const matched = new Map<string, PurchaseOrderState>();
  document.lines.forEach((line, index) => {
    const at = `/lines/${index}`;
    const parent = parents.get(line.poNumber) ?? null;
    if (parent === null) {
      exceptions.push(
        exception(
          'UNKNOWN_PURCHASE_ORDER',
          `${at}/poNumber`,
          `Purchase order ${line.poNumber} is unknown to the gateway.`,
        ),
      );
      return;
    }
    const once = !flagged.has(line.poNumber);
    flagged.add(line.poNumber);
    if (parent.supplier !== document.supplier) {
      if (once) {
        exceptions.push(
          exception(
            'SUPPLIER_MISMATCH',
            `${at}/poNumber`,
            `Purchase order ${line.poNumber} is not an order of supplier ${document.supplier}; the document is held for an operator.`,
          ),
        );
      }
      return;
    }
    matched.set(line.poNumber, parent);
    if (parent.status === 'cancelled' && once) {
      exceptions.push(
        exception(
          'PURCHASE_ORDER_CANCELLED',
          `${at}/poNumber`,
          `Purchase order ${line.poNumber} was cancelled.`,
        ),
      );
    }
    const poLine = parent.lines.find((candidate) => candidate.lineNumber === line.poLineNumber);
    if (!poLine) {
      exceptions.push(
        exception(
          'UNKNOWN_PO_LINE',
          `${at}/poLineNumber`,
          `Purchase order ${line.poNumber} has no line ${line.poLineNumber}.`,
        ),
      );
      return;
    }
    if (line.item !== undefined && line.item !== poLine.item) {
      exceptions.push(
        exception(
          'ITEM_MISMATCH',
          `${at}/item`,
          `Item ${line.item} differs from ${poLine.item} on purchase order line ${line.poNumber}/${line.poLineNumber}.`,
        ),
      );
    }
    if (line.quantity.uom !== poLine.quantity.uom) {
      exceptions.push(uomMismatch(`${at}/quantity/uom`, line.quantity.uom, poLine));
    } else {
      exceptions.push(...quantityCheck(line, poLine, at));
    }
  });
  return { exceptions, matched };
};

export const uomMismatch = (
  pointer: string,
  uom: string,
  poLine: PurchaseOrderLineState,
): DocumentException =>
  exception(
    'UOM_MISMATCH',
    pointer,
    `Unit ${uom} differs from ${poLine.quantity.uom} on the purchase order line.`,
  );

/**
 * Lots must account for the line's quantity, in its unit: a receipt's lots hold what was
 * accepted into stock (`quantity`; damaged goods are not put away), an ASN's what was shipped.
 */
export const lotExceptions = (
  lines: readonly { quantity: { value: string; uom: string }; lots?: Lot[] }[],
): DocumentException[] =>
  lines.flatMap((line, index) => {
    if (!line.lots || line.lots.length === 0) return [];
    const at = `/lines/${index}`;
    const otherUnit = line.lots.findIndex((lot) => lot.quantity.uom !== line.quantity.uom);
    if (otherUnit >= 0) {
      return [
        exception(
          'LOT_QUANTITY_MISMATCH',
          `${at}/lots/${otherUnit}/quantity/uom`,
          `Lot quantities must be in the line's unit ${line.quantity.uom}, not ${line.lots[otherUnit]?.quantity.uom}.`,
        ),
      ];
    }
    const total = line.lots.reduce((sum, lot) => sum.plus(lot.quantity.value), decimal('0'));
    if (total.eq(line.quantity.value)) return [];
    return [
      exception(
        'LOT_QUANTITY_MISMATCH',
        `${at}/lots`,
        `Lots add up to ${format(total)} ${line.quantity.uom}, not the line's ${format(decimal(line.quantity.value))} ${line.quantity.uom}.`,
      ),
    ];
  });
