/**
 * Deciders for shipment notices, goods receipts and supplier invoices. Each is a single fact;
 * its lines are checked against the parent orders the handler loaded (checks.ts), and
 * anything that does not fit is flagged as an exception on the recorded event.
 */
import type { Decider } from '../decider.js';
import { decimal, format } from '../decimal.js';
import { checkUniqueLineNumbers, DocumentStateConflictError, Violations } from '../errors.js';
import type { EventOf } from '../events/registry.js';
import { evolveMatch, isMatchEvent, pendingMatch } from '../matching/outcome.js';
import {
  exception,
  isDeliverable,
  lotExceptions,
  type ParentOrders,
  parentExceptions,
  uomMismatch,
} from './checks.js';
import type {
  DocumentException,
  GoodsReceiptState,
  RecordGoodsReceipt,
  ShipmentNoticeState,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
  SupplierInvoiceState,
} from './types.js';

export type { ParentOrders } from './checks.js';

/** Distinct purchase order numbers a child document references. */
export const referencedPoNumbers = (lines: readonly { poNumber: string }[]): string[] => [
  ...new Set(lines.map((line) => line.poNumber)),
];

const requireNew = (state: object | null, what: string): void => {
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
  state: ShipmentNoticeState | null,
  command: SubmitShipmentNotice,
  parents: ParentOrders,
): EventOf<'ShipmentNoticeSubmitted'>[] => {
  requireNew(state, `Shipment notice ${command.supplier}/${command.asnNumber}`);
  checkLines(command.lines, 'invalid-shipment-notice');
  const { exceptions } = parentExceptions(command, parents, (line, poLine, at) => {
    const excess = decimal(line.quantity.value).minus(poLine.quantity.value);
    if (excess.lte(0)) return [];
    return [
      exception(
        'OVER_SHIPMENT',
        `${at}/quantity/value`,
        `Shipped ${line.quantity.value} ${line.quantity.uom} exceeds the ordered ${poLine.quantity.value} ${poLine.quantity.uom} by ${format(excess)}.`,
      ),
    ];
  });
  exceptions.push(...lotExceptions(command.lines));
  return [
    {
      type: 'ShipmentNoticeSubmitted',
      data: { schemaVersion: 2, ...command, exceptions },
    },
  ];
};

/**
 * `shipmentNotice` is the ASN the receipt names (`asnNumber`, same supplier): null when the
 * gateway has none, undefined when it was not looked up (then it is not checked).
 */
export const recordGoodsReceipt = (
  state: GoodsReceiptState | null,
  command: RecordGoodsReceipt,
  parents: ParentOrders,
  shipmentNotice?: ShipmentNoticeState | null,
): EventOf<'GoodsReceiptRecorded'>[] => {
  requireNew(state, `Goods receipt ${command.site}/${command.receiptNumber}`);
  checkLines(command.lines, 'invalid-goods-receipt');
  const { exceptions } = parentExceptions(command, parents, (line, poLine, at) => {
    const { quantity, damagedQuantity: damaged } = line;
    if (damaged && damaged.uom !== poLine.quantity.uom) {
      return [uomMismatch(`${at}/damagedQuantity/uom`, damaged.uom, poLine)];
    }
    // What arrived damaged was delivered against the line too: both count toward the order.
    const delivered = decimal(quantity.value).plus(damaged?.value ?? '0');
    const excess = delivered.minus(poLine.quantity.value);
    if (excess.lte(0)) return [];
    const received = damaged
      ? `Received ${quantity.value} ${quantity.uom} and ${damaged.value} ${damaged.uom} damaged (${format(delivered)} ${quantity.uom} delivered) exceed`
      : `Received ${quantity.value} ${quantity.uom} exceeds`;
    return [
      exception(
        'OVER_RECEIPT',
        `${at}/quantity/value`,
        `${received} the ordered ${poLine.quantity.value} ${poLine.quantity.uom} by ${format(excess)}.`,
      ),
    ];
  });
  exceptions.push(...lotExceptions(command.lines));
  if (command.asnNumber !== undefined && shipmentNotice === null) {
    exceptions.push(
      exception(
        'UNKNOWN_SHIPMENT_NOTICE',
        '/asnNumber',
        `Shipment notice ${command.asnNumber} of supplier ${command.supplier} is unknown to the gateway.`,
      ),
    );
  }
  return [{ type: 'GoodsReceiptRecorded', data: { schemaVersion: 2, ...command, exceptions } }];
};

export const submitSupplierInvoice = (
  state: SupplierInvoiceState | null,
  command: SubmitSupplierInvoice,
  parents: ParentOrders,
): EventOf<'SupplierInvoiceReceived'>[] => {
  requireNew(state, `Supplier invoice ${command.supplier}/${command.invoiceNumber}`);
  checkLines(command.lines, 'invalid-supplier-invoice');
  // Quantities and prices are matched cumulatively by the three-way-match process.
  const { exceptions, matched } = parentExceptions(command, parents, () => []);
  const flagged = new Set<string>();
  command.lines.forEach((line, index) => {
    const parent = matched.get(line.poNumber);
    if (parent && parent.currency !== command.currency && !flagged.has(line.poNumber)) {
      flagged.add(line.poNumber);
      exceptions.push(
        exception(
          'CURRENCY_MISMATCH',
          `/lines/${index}/poNumber`,
          `Invoice currency ${command.currency} differs from ${parent.currency} on purchase order ${line.poNumber}.`,
        ),
      );
    }
  });
  return [{ type: 'SupplierInvoiceReceived', data: { schemaVersion: 2, ...command, exceptions } }];
};

/** The state of a child document: the fact it recorded, and whether it may be delivered. */
const recorded = <D extends { schemaVersion: 2; exceptions: DocumentException[] }>({
  schemaVersion: _version,
  ...fact
}: D) => ({ ...fact, status: 'recorded' as const, deliverable: isDeliverable(fact.exceptions) });

/** A child command: the request body and the parent orders its lines reference. */
export interface ChildCommand<C> {
  data: C;
  parents: ParentOrders;
  /** A receipt's shipment notice (see recordGoodsReceipt); ignored by the other children. */
  shipmentNotice?: ShipmentNoticeState | null;
}

export const shipmentNotice: Decider<
  ShipmentNoticeState | null,
  ChildCommand<SubmitShipmentNotice>,
  EventOf<'ShipmentNoticeSubmitted'>
> = {
  initialState: () => null,
  decide: ({ data, parents }, state) => submitShipmentNotice(state, data, parents),
  evolve: (state, event) =>
    state === null && event.type === 'ShipmentNoticeSubmitted' ? recorded(event.data) : state,
};

export const goodsReceipt: Decider<
  GoodsReceiptState | null,
  ChildCommand<RecordGoodsReceipt>,
  EventOf<'GoodsReceiptRecorded'>
> = {
  initialState: () => null,
  decide: ({ data, parents, shipmentNotice }, state) =>
    recordGoodsReceipt(state, data, parents, shipmentNotice),
  evolve: (state, event) =>
    state === null && event.type === 'GoodsReceiptRecorded' ? recorded(event.data) : state,
};

/** The invoice, then its match outcome as the match process and operators record it. */
export const supplierInvoice: Decider<
  SupplierInvoiceState | null,
  ChildCommand<SubmitSupplierInvoice>,
  EventOf<'SupplierInvoiceReceived'>
> = {
  initialState: () => null,
  decide: ({ data, parents }, state) => submitSupplierInvoice(state, data, parents),
  evolve: (state, event) => {
    if (state === null) {
      return event.type === 'SupplierInvoiceReceived'
        ? { ...recorded(event.data), match: pendingMatch }
        : null;
    }
    return isMatchEvent(event) ? { ...state, match: evolveMatch(state.match, event) } : state;
  },
};
