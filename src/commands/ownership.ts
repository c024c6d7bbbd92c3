/**
 * Ownership in the document stream: the first event of every document records which ERP owns
 * it, by which rule of which rule-set version, and why; an architect's migration may later
 * record another owner (`DocumentOwnershipChanged`, src/migration/). Later commands read the
 * latest back, and documents that reference purchase orders read their parents' to follow them.
 */
import type { DocumentRef } from '../domain/documents.js';
import { streamNameOf } from '../domain/documents.js';
import { ownershipChangedEventType, ownershipEventType } from '../domain/events/registry.js';
import { foldDocument } from '../domain/fold.js';
import type { PurchaseOrderState } from '../domain/purchaseOrder/types.js';
import type { EventStore, JsonObject, NewEvent, RecordedEvent } from '../ports/eventStore.js';
import type { ParentRoute, RouteDecision } from '../routing/route.js';

export const ownershipEvent = (
  id: string,
  document: DocumentRef,
  route: RouteDecision,
  metadata: JsonObject,
): NewEvent => ({
  id,
  type: ownershipEventType,
  data: { document, ...route } as unknown as JsonObject,
  metadata,
});

/**
 * The route recorded in a document's stream, or null for a document not seen yet: the latest
 * migration's when the document was migrated, else the one assigned at its first command.
 */
export const recordedRoute = (events: readonly RecordedEvent[]): RouteDecision | null => {
  const first = events[0];
  if (first?.type !== ownershipEventType) return null;
  for (let i = events.length - 1; i > 0; i--) {
    const event = events[i] as RecordedEvent;
    if (event.type === ownershipChangedEventType) {
      return (event.data as JsonObject).route as unknown as RouteDecision;
    }
  }
  const { document: _document, ...route } = first.data as JsonObject;
  return route as unknown as RouteDecision;
};

export interface Parents {
  /** Parent orders' states by poNumber, null when unknown (for the domain's checks). */
  states: ReadonlyMap<string, PurchaseOrderState | null>;
  /** Parent orders' routes, or null when the command references no purchase order. */
  routes: ParentRoute[] | null;
}

/** A command that references no purchase order. */
export const noParents: Parents = { states: new Map(), routes: null };

/** Loads the purchase orders (of one company) a command or document references. */
export const loadParents = async (
  store: EventStore,
  company: string | undefined,
  poNumbers: readonly string[],
): Promise<Parents> => {
  if (company === undefined || poNumbers.length === 0) return noParents;
  const states = new Map<string, PurchaseOrderState | null>();
  const routes = await Promise.all(
    poNumbers.map(async (poNumber) => {
      const events = await store.readStream(
        streamNameOf({ type: 'purchaseOrder', key: { company, poNumber } }),
      );
      states.set(poNumber, foldDocument('purchaseOrder', events) as PurchaseOrderState | null);
      return { poNumber, route: recordedRoute(events) };
    }),
  );
  return { states, routes };
};
