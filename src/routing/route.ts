/**
 * Which ERP receives a document. Decided once, at a document's first command, and recorded
 * in the metadata of every event of the document (later commands carry the recorded route).
 */
import type { DocumentRef, DocumentType } from '../domain/documents.js';

export type Erp = 'legacy' | 'cloud';

export type RouteDecision =
  | {
      owner: 'legacy' | 'cloud';
      primary: Erp;
      ruleId: string | null;
      ruleSetVersion: number | null;
      reason: string;
    }
  | {
      owner: 'dual';
      primary: Erp;
      shadow: Erp;
      ruleId: string | null;
      ruleSetVersion: number | null;
      reason: string;
    };

/** What a routing rule may look at. */
export interface RoutingInput {
  document: DocumentRef;
  company?: string;
  site?: string;
  supplier?: string;
}

/** Decides the route of a new document. Pure and synchronous: it runs on the write path. */
export interface Router {
  decide(input: RoutingInput): RouteDecision;
}

/**
 * Sends every new document to one configured ERP. It stands in until migration rule sets
 * are published; its decisions say so, and carry no rule id or rule-set version.
 */
export const singleTargetRouter = (owner: Erp): Router => ({
  decide: () => ({
    owner,
    primary: owner,
    ruleId: null,
    ruleSetVersion: null,
    reason: `No routing rule set is in force; the gateway's configured default target is ${owner}.`,
  }),
});

/** Routing inputs of a document type, read from its command. */
export const routingInput = (
  document: DocumentRef,
  fields: { company?: string; site?: string; supplier?: string },
): RoutingInput => ({
  document,
  company: fields.company,
  site: fields.site,
  supplier: fields.supplier,
});

export type { DocumentType };
