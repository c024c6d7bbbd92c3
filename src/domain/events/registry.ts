/**
 * Every event type a document stream holds, with the shape of its data, typed from the event
 * schemas in contracts/events (schemaTypes.generated.ts). `EventData` is the current shape:
 * what the deciders write and what `evolve` reads. `RecordedEventData` is every shape an event
 * type has ever been recorded with; upcast.ts turns each into the current one.
 */
import type * as Schema from './schemaTypes.generated.js';

export interface EventData {
  DocumentOwnershipAssigned: Schema.DocumentOwnershipAssignedV1;
  DocumentOwnershipChanged: Schema.DocumentOwnershipChangedV1;
  PurchaseOrderSubmitted: Schema.PurchaseOrderSubmittedV1;
  PurchaseOrderChanged: Schema.PurchaseOrderChangedV1;
  PurchaseOrderCancelled: Schema.PurchaseOrderCancelledV1;
  PurchaseOrderAcknowledged: Schema.PurchaseOrderAcknowledgedV1;
  ShipmentNoticeSubmitted: Schema.ShipmentNoticeSubmittedV2;
  GoodsReceiptRecorded: Schema.GoodsReceiptRecordedV2;
  SupplierInvoiceReceived: Schema.SupplierInvoiceReceivedV2;
  JournalEntrySubmitted: Schema.JournalEntrySubmittedV1;
  InvoiceMatched: Schema.InvoiceMatchedV1;
  InvoiceHeld: Schema.InvoiceHeldV1;
  InvoiceReleased: Schema.InvoiceReleasedV1;
  InvoiceRejected: Schema.InvoiceRejectedV1;
}

export interface RecordedEventData extends Record<EventType, unknown> {
  DocumentOwnershipAssigned: Schema.DocumentOwnershipAssignedV1;
  DocumentOwnershipChanged: Schema.DocumentOwnershipChangedV1;
  PurchaseOrderSubmitted: Schema.PurchaseOrderSubmittedV1;
  PurchaseOrderChanged: Schema.PurchaseOrderChangedV1;
  PurchaseOrderCancelled: Schema.PurchaseOrderCancelledV1;
  PurchaseOrderAcknowledged: Schema.PurchaseOrderAcknowledgedV1;
  ShipmentNoticeSubmitted: Schema.ShipmentNoticeSubmittedV1 | Schema.ShipmentNoticeSubmittedV2;
  GoodsReceiptRecorded: Schema.GoodsReceiptRecordedV1 | Schema.GoodsReceiptRecordedV2;
  SupplierInvoiceReceived: Schema.SupplierInvoiceReceivedV1 | Schema.SupplierInvoiceReceivedV2;
  JournalEntrySubmitted: Schema.JournalEntrySubmittedV1;
  InvoiceMatched: Schema.InvoiceMatchedV1;
  InvoiceHeld: Schema.InvoiceHeldV1;
  InvoiceReleased: Schema.InvoiceReleasedV1;
  InvoiceRejected: Schema.InvoiceRejectedV1;
}

export type EventType = keyof EventData;

/**
 * The schema version new events of each type are recorded at: their data follows
 * `contracts/events/v<version>/<kebab-case type>.json`. An event type at version 2 or later
 * says so in its data (`schemaVersion`), so the data alone tells which schema it follows
 * (in a projection, an export or the GET timeline as much as in the stream); absent means 1.
 */
export const currentSchemaVersion = {
  DocumentOwnershipAssigned: 1,
  DocumentOwnershipChanged: 1,
  PurchaseOrderSubmitted: 1,
  PurchaseOrderChanged: 1,
  PurchaseOrderCancelled: 1,
  PurchaseOrderAcknowledged: 1,
  ShipmentNoticeSubmitted: 2,
  GoodsReceiptRecorded: 2,
  SupplierInvoiceReceived: 2,
  JournalEntrySubmitted: 1,
  InvoiceMatched: 1,
  InvoiceHeld: 1,
  InvoiceReleased: 1,
  InvoiceRejected: 1,
} as const satisfies Record<EventType, number>;

/** The first event of every document: which ERP owns it, by which rule, and why. */
export const ownershipEventType = 'DocumentOwnershipAssigned' satisfies EventType;
/** A later owner, chosen by an architect's migration: later commands follow it. */
export const ownershipChangedEventType = 'DocumentOwnershipChanged' satisfies EventType;

/** An event of one type, in its current shape. */
export interface EventOf<K extends EventType> {
  type: K;
  data: EventData[K];
}

/** Any event the deciders know, in its current shape (a union discriminated by `type`). */
export type CoexistEvent = { [K in EventType]: EventOf<K> }[EventType];

/** Any event as a store holds it: a type name and JSON data, of any type and version. */
export interface StoredEvent {
  type: string;
  data: object;
}

/** `$id` of the schema an event's data follows (its type at the version it was recorded). */
export const eventSchemaId = (event: StoredEvent): string => {
  const kebab = event.type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  const version = 'schemaVersion' in event.data ? event.data.schemaVersion : 1;
  return `https://coexist.dev/contracts/events/v${String(version)}/${kebab}.json`;
};
