/** Folds any document's events into its current state, by document type. */
import { foldChild } from './children/children.js';
import type { ChildEvent } from './children/types.js';
import type { DocumentType } from './documents.js';
import { foldJournalEntry, type JournalEntryEvent } from './journalEntry/journalEntry.js';
import { foldPurchaseOrder } from './purchaseOrder/purchaseOrder.js';
import type { PurchaseOrderEvent } from './purchaseOrder/types.js';

export interface DomainEvent {
  type: string;
  data: object;
}

/** The state of a document, or null when it has no events. `status` is always present. */
export type DocumentState = { status: string } & object;

/** Events about a document that are not commands on it (its ownership record, for one). */
const isCommandEvent = (event: DomainEvent): boolean => event.type !== 'DocumentOwnershipAssigned';

export const foldDocument = (
  type: DocumentType,
  allEvents: readonly DomainEvent[],
): DocumentState | null => {
  const events = allEvents.filter(isCommandEvent);
  // Events come from the document's own stream, so their types match the document type.
  switch (type) {
    case 'purchaseOrder':
      return foldPurchaseOrder(events as PurchaseOrderEvent[]);
    case 'journalEntry':
      return foldJournalEntry(events as JournalEntryEvent[]);
    default:
      return foldChild(events as ChildEvent[]);
  }
};
