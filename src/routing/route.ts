/**
 * Which ERP receives a document. Decided once, at a document's first command, and recorded
 * in its stream as a `DocumentOwnershipAssigned` event; later commands follow it.
 */
import type { DocumentRef } from '../domain/documents.js';

export type Erp = 'legacy' | 'cloud';

/** Why the owner is what it is. */
export type RouteBasis =
  /** A rule matched the document itself. */
  | 'rule'
  /** The document follows the owner of the purchase order(s) it references. */
  | 'parent'
  /** Its purchase order is unknown to the gateway; the rule's unknownParent decided. */
  | 'unknownParent'
  /** No rule set is published; the gateway's configured default target applies. */
  | 'default'
  /** An architect moved the open document to this owner (DocumentOwnershipChanged). */
  | 'migration';

interface RouteCommon {
  ruleId: string | null;
  ruleSetVersion: number | null;
  basis: RouteBasis;
  reason: string;
}

export type RouteDecision =
  | (RouteCommon & { owner: Erp; primary: Erp })
  | (RouteCommon & { owner: 'dual'; primary: Erp; shadow: Erp })
  /**
   * The lines reference purchase orders owned by different ERPs: recorded, never split
   * silently, and held until an operator decides.
   */
  | (RouteCommon & {
      owner: 'unresolved';
      basis: 'parent';
      parents: Array<{ poNumber: string; owner: string }>;
    });

/** What a routing rule may look at. */
export interface RoutingInput {
  document: DocumentRef;
  company?: string;
  site?: string;
  supplier?: string;
}

/** The recorded route of each purchase order a document references; null if never seen. */
export interface ParentRoute {
  poNumber: string;
  route: RouteDecision | null;
}

/**
 * Decides the route of a new document. Pure and synchronous: it runs on the write path.
 * `parents` is null for documents that reference no purchase order.
 */
export interface Router {
  decide(input: RoutingInput, parents: readonly ParentRoute[] | null, at: Date): RouteDecision;
}
