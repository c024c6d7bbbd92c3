/** Folds any document's events into its current state, by document type. */
import { goodsReceipt, shipmentNotice, supplierInvoice } from './children/children.js';
import { fold } from './decider.js';
import type { DocumentType } from './documents.js';
import type { StoredEvent } from './events/registry.js';
import { journalEntry } from './journalEntry/journalEntry.js';
import { purchaseOrder } from './purchaseOrder/purchaseOrder.js';

/** Any event as stored: a type and its data (typed events are these, and more precise). */
export type DomainEvent = StoredEvent;

/** The state of a document, or null when it has no events. `status` is always present. */
export type DocumentState = { status: string } & object;

/** Events of any type and schema version; those no decider handles are ignored. */
export const foldDocument = (
  type: DocumentType,
  events: readonly StoredEvent[],
): DocumentState | null => {
  switch (type) {
    case 'purchaseOrder':
      return fold(purchaseOrder, events);
    case 'shipmentNotice':
      return fold(shipmentNotice, events);
    case 'goodsReceipt':
      return fold(goodsReceipt, events);
    case 'supplierInvoice':
      return fold(supplierInvoice, events);
    case 'journalEntry':
      return fold(journalEntry, events);
  }
};
