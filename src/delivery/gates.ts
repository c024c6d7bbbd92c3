/**
 * Delivery gates: a pure hook by which a document's delivery waits until the document's state
 * allows it (e.g. a supplier invoice held until its three-way match releases it). A gate is
 * registered per document type and asked before every attempt, with the document's *current*
 * state (every event of its stream so far, not only up to the command delivered):
 *
 * - `go`: the attempt proceeds (the command's own state is what the ERP receives);
 * - `wait`: the delivery is recorded `held` with the reason (`DeliveryHeld`), attempts nothing
 *   and uses none of its retry budget; it is asked again whenever a later event is appended
 *   to the document's stream (e.g. the match process's `InvoiceReleased`), and when a
 *   dispatcher takes the lease;
 * - `refuse`: the delivery is dead-lettered with the reason (code `gate-refused`); an
 *   operator's replay asks the gate again;
 * - `skip`: the document will never be delivered (a rejected invoice): the delivery is
 *   recorded `skipped` with the reason (`DeliverySkipped`, by `gate`), leaves the backlog,
 *   and what waits behind it proceeds.
 *
 * Gates are pure (no I/O, no clock): the same events give the same answer on any instance.
 * Later commands of the same document wait behind a held one (order per document holds).
 */
import type { DocumentState } from '../domain/fold.js';
import { supplierInvoiceGate } from '../domain/matching/gate.js';
import type { MatchState } from '../domain/matching/outcome.js';
import type { RecordedEvent } from '../ports/eventStore.js';

export type GateDecision =
  | { kind: 'go' }
  | { kind: 'wait'; reason: string }
  | { kind: 'refuse'; reason: string }
  | { kind: 'skip'; reason: string };

export interface GateContext {
  /** The ERP the delivery is for (`legacy`, `cloud`) and its role for the document. */
  target: string;
  role: 'primary' | 'shadow';
  /** The connector action (`submit`, `change`, ...) and the revision of its command event. */
  action: string;
  commandRevision: number;
  /** Every event of the document's stream so far, in order (what `state` was folded from). */
  events: readonly RecordedEvent[];
}

/** Decides from the document's current folded state whether its delivery may go now. */
export type DeliveryGate = (state: DocumentState, context: GateContext) => GateDecision;

/** The gate of a document type, if it has one (most have none: always go). */
export type GateFor = (documentType: string) => DeliveryGate | undefined;

export interface RegisteredGate {
  documentType: string;
  gate: DeliveryGate;
}

/** One gate per document type; a second registration for a type is a configuration error. */
export const gatesOf = (registered: readonly RegisteredGate[]): GateFor => {
  const byType = new Map<string, DeliveryGate>();
  for (const { documentType, gate } of registered) {
    if (byType.has(documentType)) {
      throw new Error(`Two delivery gates registered for document type ${documentType}.`);
    }
    byType.set(documentType, gate);
  }
  return (documentType) => byType.get(documentType);
};

export const noGates: GateFor = () => undefined;

/**
 * The gates the gateway runs with: a supplier invoice goes to its ERP only once its three-way
 * match passes or an operator releases it (src/domain/matching, docs/matching.md); one an
 * operator rejected is never delivered, so its delivery is skipped rather than held for ever.
 */
export const registeredGates: readonly RegisteredGate[] = [
  {
    documentType: 'supplierInvoice',
    gate: (state) => {
      const invoice = state as DocumentState & { match: MatchState };
      const decision = supplierInvoiceGate(invoice);
      return invoice.match.status === 'rejected' && decision.kind === 'wait'
        ? { kind: 'skip', reason: decision.reason }
        : decision;
    },
  },
];
