/**
 * Document status and summary, one read-model document per business document of every type:
 * its owner and route, status, company/site/supplier, business date, exceptions, and for a
 * purchase order its line balances (fed by the shipment notices, receipts and invoices that
 * reference it). Lists and the REST status queries read it; nothing here does I/O.
 */
import { deliveryCategory } from '../../src/delivery/records.js';
import { decimal, format } from '../../src/domain/decimal.js';
import {
  type DocumentType,
  documentTypeInfo,
  documentTypes,
  streamNameOf,
} from '../../src/domain/documents.js';
import type { JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';
import { applyDelivery, type DocumentDeliveries, deliveryStreamParts } from './deliverySummary.js';
import {
  type LineBalance,
  type Movement,
  newLine,
  type OrderedLine,
  recordMovement,
  reopen,
  updateLine,
} from './purchaseOrderLines.js';

export type DocumentException = { code: string; pointer: string; detail: string };

export type DocumentSummary = {
  /** The document's stream name. */
  id: string;
  documentType: DocumentType;
  key: { [field: string]: string };
  company: string | null;
  site: string | null;
  supplier: string | null;
  /** ERP that owns it (`legacy`, `cloud`, `dual`, `unresolved`), null before routing. */
  owner: string | null;
  route: JsonObject | null;
  status: string;
  /** Its business date (order, shipping, receipt, invoice or posting date). */
  date: string | null;
  exceptions: DocumentException[];
  exceptionCodes: string[];
  hasExceptions: boolean;
  /** Revision of the document's own stream last applied. */
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** Delivery state per target ERP and the ERP's reference; null before any delivery. */
  delivery: DocumentDeliveries | null;
  /** Purchase orders only. */
  lines: LineBalance[] | null;
  currency: string | null;
};

const categories = new Map<string, DocumentType>(
  documentTypes.map((type) => [documentTypeInfo[type].streamCategory, type]),
);
const typeOfStream = (streamName: string): DocumentType | undefined =>
  categories.get(streamName.slice(0, streamName.indexOf('-')));

const purchaseOrderStream = (company: unknown, poNumber: unknown) =>
  streamNameOf({
    type: 'purchaseOrder',
    key: { company: String(company), poNumber: String(poNumber) },
  });

const childMovement: Record<string, { movement: Movement; date: string } | undefined> = {
  ShipmentNoticeSubmitted: { movement: 'shipped', date: 'shippedAt' },
  GoodsReceiptRecorded: { movement: 'received', date: 'receivedAt' },
  SupplierInvoiceReceived: { movement: 'invoiced', date: 'invoiceDate' },
};

/**
 * What an event of a child document moves on the order lines it names: a notice ships, a
 * receipt receives, an invoice invoices and a credit note takes back (docs/matching.md). A
 * rejected invoice no longer counts: its rejection names the order lines it had counted on
 * (`orderLines`; one recorded before they were named changes no order).
 */
const orderMovementOf = (
  event: RecordedEvent,
): { movement: Movement; lines: ChildLine[]; sign: 1 | -1 } | undefined => {
  const credit = event.data.documentKind === 'creditNote';
  if (event.type === 'InvoiceRejected') {
    const lines = (event.data.orderLines ?? []) as ChildLine[];
    return { movement: 'invoiced', lines, sign: credit ? 1 : -1 };
  }
  const kind = childMovement[event.type];
  if (!kind) return undefined;
  const lines = (event.data.lines ?? []) as ChildLine[];
  return { movement: kind.movement, lines, sign: credit ? -1 : 1 };
};
/** The events that record a document (after its ownership, in the same append). */
const creations = new Set([
  'PurchaseOrderSubmitted',
  'ShipmentNoticeSubmitted',
  'GoodsReceiptRecorded',
  'SupplierInvoiceReceived',
  'JournalEntrySubmitted',
]);
const businessDate: Record<string, string> = {
  PurchaseOrderSubmitted: 'orderDate',
  JournalEntrySubmitted: 'postingDate',
};

type ChildLine = {
  poNumber: string;
  poLineNumber: number;
  quantity: OrderedLine['quantity'];
  damagedQuantity?: OrderedLine['quantity'];
};

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const blank = (event: RecordedEvent, type: DocumentType): DocumentSummary => {
  const [a, b] = documentTypeInfo[type].keyFields;
  const source = (event.data.document as { key?: JsonObject } | undefined)?.key ?? event.data;
  return {
    id: event.streamName,
    documentType: type,
    key: { [a]: String(source[a] ?? ''), [b]: String(source[b] ?? '') },
    company: null,
    site: null,
    supplier: null,
    owner: null,
    route: null,
    status: 'pending',
    date: null,
    exceptions: [],
    exceptionCodes: [],
    hasExceptions: false,
    revision: Number(event.revision),
    createdAt: event.recordedAt.toISOString(),
    updatedAt: event.recordedAt.toISOString(),
    delivery: null,
    lines: null,
    currency: null,
  };
};

/** The document's own events: ownership and the commands on it. */
const evolveOwn = (
  current: DocumentSummary | null,
  event: RecordedEvent,
  type: DocumentType,
): DocumentSummary | null => {
  const { data } = event;
  const base = current ?? blank(event, type);
  const touched = {
    ...base,
    revision: Number(event.revision),
    updatedAt: event.recordedAt.toISOString(),
  };
  if (event.type === 'DocumentOwnershipAssigned') {
    const { document: _document, ...route } = data;
    return { ...touched, owner: str(data.owner), route };
  }
  // A migration moves the document to another owner (docs/migration.md).
  if (event.type === 'DocumentOwnershipChanged') {
    const route = data.route as JsonObject;
    return { ...touched, owner: str(route.owner), route };
  }
  if (creations.has(event.type)) {
    const exceptions = Array.isArray(data.exceptions)
      ? (data.exceptions as DocumentException[])
      : [];
    const dateField = businessDate[event.type] ?? childMovement[event.type]?.date;
    const summary: DocumentSummary = {
      ...touched,
      company: str(data.company),
      site: str(data.site),
      supplier: str(data.supplier),
      currency: str(data.currency),
      date: dateField ? str(data[dateField]) : null,
      exceptions,
      exceptionCodes: [...new Set(exceptions.map((exception) => exception.code))],
      hasExceptions: exceptions.length > 0,
      status:
        type === 'purchaseOrder' ? 'open' : type === 'journalEntry' ? 'submitted' : 'recorded',
    };
    if (type === 'purchaseOrder') {
      summary.lines = ((data.lines ?? []) as OrderedLine[]).map(newLine);
    }
    return summary;
  }
  if (current === null) return null; // an event before the document's recording: nothing to show
  // Any other event of its stream (delivery, match, hold: types this model does not know
  // yet) still moves its revision, which read-your-writes waits on.
  if (type !== 'purchaseOrder' || current.lines === null) return touched;
  return evolvePurchaseOrder(touched, event);
};

const isOpen = (status: string) => status === 'open' || status === 'acknowledged';

/** Changes, cancellation and acknowledgement of an order already submitted. */
const evolvePurchaseOrder = (
  order: DocumentSummary,
  event: RecordedEvent,
): DocumentSummary | null => {
  let lines = order.lines ?? [];
  const { data } = event;
  switch (event.type) {
    case 'PurchaseOrderChanged':
      for (const change of (data.lines ?? []) as Array<OrderedLine & { action: string }>) {
        if (change.action === 'add') {
          lines = [...lines, newLine(change)];
        } else if (change.action === 'cancel') {
          lines = updateLine(lines, change.lineNumber, (line) => ({
            ...line,
            status: 'cancelled',
          })).lines;
        } else if (change.quantity) {
          const quantity = change.quantity;
          lines = updateLine(lines, change.lineNumber, (line) => ({
            ...line,
            ordered: newLine({ ...change, item: line.item, quantity }).ordered,
            uom: quantity.uom,
          })).lines;
        }
      }
      return { ...order, lines: reopen(lines, isOpen(order.status)) };
    case 'PurchaseOrderCancelled':
      return { ...order, status: 'cancelled', lines: reopen(lines, false) };
    case 'PurchaseOrderAcknowledged': {
      const status = data.status === 'rejected' ? 'rejected' : 'acknowledged';
      const byLine = new Map(
        (
          (data.lines ?? []) as Array<{
            lineNumber: number;
            status: string;
            confirmedQuantity?: { value: string };
          }>
        ).map((ack) => [ack.lineNumber, ack]),
      );
      lines = lines.map((line) => {
        const ack = byLine.get(line.lineNumber);
        // The order's acknowledgement covers the lines it names and those still ordered; a
        // line cancelled before it and not named was not acknowledged (the domain fold agrees).
        if (!ack && line.status === 'cancelled') return line;
        const rejected = ack ? ack.status === 'rejected' : status === 'rejected';
        const acknowledged = rejected ? '0' : (ack?.confirmedQuantity?.value ?? line.ordered);
        return {
          ...line,
          acknowledged: newLine({ ...line, quantity: { value: acknowledged, uom: line.uom } })
            .ordered,
        };
      });
      return { ...order, status, lines: reopen(lines, isOpen(status)) };
    }
    default:
      return order;
  }
};

/** A child document's lines, applied to one purchase order they reference. */
const applyToOrder = (
  order: DocumentSummary | null,
  event: RecordedEvent,
): DocumentSummary | null => {
  const kind = orderMovementOf(event);
  if (!kind || order === null || order.lines === null) return order; // unknown order: its exception
  const asnNumber = str(event.data.asnNumber) ?? undefined;
  const signed = (quantity: ChildLine['quantity']) =>
    kind.sign === 1 ? quantity : { ...quantity, value: format(decimal(quantity.value).neg()) };
  let lines = order.lines;
  let touched = false;
  for (const line of kind.lines) {
    if (purchaseOrderStream(event.data.company, line.poNumber) !== order.id) continue;
    const result = updateLine(lines, line.poLineNumber, (balance) => {
      const moved = recordMovement(balance, kind.movement, signed(line.quantity), asnNumber);
      // Damaged goods were delivered too (the domain's over-receipt check counts them).
      return line.damagedQuantity
        ? recordMovement(moved, kind.movement, line.damagedQuantity)
        : moved;
    });
    lines = result.lines;
    touched ||= result.found;
  }
  if (!touched) return order;
  return {
    ...order,
    lines: reopen(lines, isOpen(order.status)),
    updatedAt: event.recordedAt.toISOString(),
  };
};

export const documents: Projection<DocumentSummary> = {
  name: 'documents',
  // v2: events of types it does not know still move a document's revision.
  // v4: delivery per target, from the dispatcher's delivery streams.
  // v5: credit notes lower invoiced, rejected invoices leave it; a line cancelled before the
  // acknowledgement is not acknowledged by it.
  // v6: a delivery resolved by hand or skipped is no longer open.
  version: 6,
  filter: { streamCategories: [...categories.keys(), deliveryCategory] },
  indexes: [
    { field: 'documentType' },
    { field: 'company' },
    { field: 'site' },
    { field: 'supplier' },
    { field: 'owner' },
    { field: 'status' },
    { field: 'date', sort: true },
    { field: 'updatedAt', sort: true },
    { field: 'hasExceptions' },
    { field: 'exceptionCodes', multi: true },
  ],
  idsOf(event) {
    const delivery = deliveryStreamParts(event.streamName);
    if (delivery) return typeOfStream(delivery.documentStream) ? [delivery.documentStream] : [];
    if (!typeOfStream(event.streamName)) return [];
    const kind = orderMovementOf(event);
    if (!kind) return [event.streamName];
    const orders = kind.lines.map((line) => purchaseOrderStream(event.data.company, line.poNumber));
    return [event.streamName, ...new Set(orders)];
  },
  evolve(current, event, id) {
    // A delivery leaves the document's revision and updatedAt alone: they are its own stream's.
    if (deliveryStreamParts(event.streamName)) {
      const delivery = current && applyDelivery(current.delivery, event);
      return current && delivery !== current.delivery ? { ...current, delivery } : current;
    }
    const type = typeOfStream(event.streamName);
    if (!type) return current;
    return id === event.streamName ? evolveOwn(current, event, type) : applyToOrder(current, event);
  },
};
