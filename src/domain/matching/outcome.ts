/**
 * An invoice's match outcome as its stream records it, and the decisions that move it: the
 * match process records an event only when the outcome changes (so a match repeated after a
 * crash or a redelivery records nothing), and an operator overrides or rejects a hold.
 *
 *   pending ──match passes──▶ matched
 *      │ └─match fails──▶ held ──match passes──▶ released (by match)
 *      │                   │  ├─reasons change──▶ held (recorded again)
 *      │                   │  └─operator override──▶ released (by override)
 *      └───────────────────┴─operator reject──▶ rejected
 *
 * matched, released and rejected are final: once an invoice may be delivered, a later fact
 * does not hold it again (it may already be posted), and a rejected invoice stays rejected.
 */
import { DocumentStateConflictError } from '../errors.js';
import type { CoexistEvent, EventOf } from '../events/registry.js';
import type { Evaluation, HoldReason } from './match.js';
import { holdLabel } from './match.js';

export type MatchStatus = 'pending' | 'matched' | 'held' | 'released' | 'rejected';

export interface MatchState {
  status: MatchStatus;
  /**
   * What people read: `matched`, `held: price variance`, `released by match`, `released by
   * override`, `rejected`.
   */
  label: string;
  /** Hold reasons in force (held), overridden (released by override), or when rejected. */
  reasons: HoldReason[];
  /** The latest recorded match, per line, with the tolerances that decided it. */
  evaluation: Evaluation | null;
  /** When the outcome last changed. */
  since: string | null;
  /** Since when the invoice is held (the first hold of the current run). */
  heldSince: string | null;
  releasedBy?: 'match' | 'override';
  /** An operator's override or rejection: who, when and why. */
  decision?: { by: string; at: string; reason: string };
}

export type MatchEvent =
  | EventOf<'InvoiceMatched'>
  | EventOf<'InvoiceHeld'>
  | EventOf<'InvoiceReleased'>
  | EventOf<'InvoiceRejected'>;

export const matchEventTypes = [
  'InvoiceMatched',
  'InvoiceHeld',
  'InvoiceReleased',
  'InvoiceRejected',
] as const satisfies readonly MatchEvent['type'][];

const matchTypes: ReadonlySet<string> = new Set(matchEventTypes);
export const isMatchEvent = (event: CoexistEvent): event is MatchEvent =>
  matchTypes.has(event.type);

export const pendingMatch: MatchState = {
  status: 'pending',
  label: 'pending match',
  reasons: [],
  evaluation: null,
  since: null,
  heldSince: null,
};

const isFinal = (status: MatchStatus) =>
  status === 'matched' || status === 'released' || status === 'rejected';

const sameReasons = (a: readonly HoldReason[], b: readonly HoldReason[]) =>
  a.length === b.length && a.every((reason, i) => reason === b[i]);

/** The event a new match records, or null when the outcome is unchanged (or final). */
export const matchEventFor = (
  state: MatchState,
  key: { supplier: string; invoiceNumber: string },
  evaluation: Evaluation,
  at: string,
): MatchEvent | null => {
  if (isFinal(state.status)) return null;
  const { supplier, invoiceNumber } = key;
  if (evaluation.result === 'matched') {
    if (state.status === 'pending') {
      return {
        type: 'InvoiceMatched',
        data: { supplier, invoiceNumber, evaluatedAt: at, evaluation },
      };
    }
    return {
      type: 'InvoiceReleased',
      data: {
        supplier,
        invoiceNumber,
        releasedBy: 'match',
        at,
        evaluation,
        heldFor: state.reasons,
      },
    };
  }
  if (state.status === 'held' && sameReasons(state.reasons, evaluation.reasons)) return null;
  return { type: 'InvoiceHeld', data: { supplier, invoiceNumber, evaluatedAt: at, evaluation } };
};

export interface OperatorDecision {
  by: string;
  reason: string;
  at: string;
}

/** An operator releases a held invoice: it is delivered as it is. */
export const overrideHold = (
  state: MatchState,
  key: { supplier: string; invoiceNumber: string },
  decision: OperatorDecision,
): EventOf<'InvoiceReleased'> => {
  if (state.status !== 'held') {
    throw new DocumentStateConflictError(
      'invoice-not-held',
      `The invoice is ${state.label}: only a held invoice can be overridden.`,
    );
  }
  return {
    type: 'InvoiceReleased',
    data: { ...key, releasedBy: 'override', heldFor: state.reasons, ...decision },
  };
};

/** What an invoice counts on its order lines' invoiced quantities (a credit note: takes back). */
export interface CountedInvoice {
  company: string;
  documentKind?: 'invoice' | 'creditNote';
  lines: readonly {
    poNumber: string;
    poLineNumber: number;
    quantity: { value: string; uom: string };
  }[];
}

/**
 * An operator rejects an invoice not yet released: it is never delivered, and no longer
 * counts as invoiced. The event names the order lines it counted on, so that read models of
 * the orders (which see only the rejection, not the invoice) can take it back.
 */
export const rejectInvoice = (
  state: MatchState,
  key: { supplier: string; invoiceNumber: string },
  decision: OperatorDecision,
  invoice: CountedInvoice,
): EventOf<'InvoiceRejected'> => {
  if (state.status !== 'held' && state.status !== 'pending') {
    throw new DocumentStateConflictError(
      'invoice-not-rejectable',
      `The invoice is ${state.label}: only a held (or not yet matched) invoice can be rejected.`,
    );
  }
  return {
    type: 'InvoiceRejected',
    data: {
      ...key,
      heldFor: state.reasons,
      ...decision,
      company: invoice.company,
      documentKind: invoice.documentKind ?? 'invoice',
      orderLines: invoice.lines.map(({ poNumber, poLineNumber, quantity }) => ({
        poNumber,
        poLineNumber,
        quantity,
      })),
    },
  };
};

/** The outcome after one of its events. */
export const evolveMatch = (state: MatchState, event: MatchEvent): MatchState => {
  switch (event.type) {
    case 'InvoiceMatched':
      return {
        status: 'matched',
        label: 'matched',
        reasons: [],
        evaluation: event.data.evaluation,
        since: event.data.evaluatedAt,
        heldSince: null,
      };
    case 'InvoiceHeld': {
      const reasons = event.data.evaluation.reasons;
      return {
        status: 'held',
        label: holdLabel(reasons[0] ?? 'awaiting-receipt'),
        reasons,
        evaluation: event.data.evaluation,
        since: event.data.evaluatedAt,
        heldSince: state.heldSince ?? event.data.evaluatedAt,
      };
    }
    case 'InvoiceReleased': {
      const { releasedBy, at, by, reason, evaluation } = event.data;
      return {
        status: 'released',
        label: `released by ${releasedBy}`,
        // Released by the match: it now passes, no hold reason is left (the event keeps what
        // it was held for). Released by override: despite the reasons, which stay in view.
        reasons: releasedBy === 'override' ? event.data.heldFor : [],
        evaluation: evaluation ?? state.evaluation,
        since: at,
        heldSince: state.heldSince,
        releasedBy,
        ...(by !== undefined && reason !== undefined ? { decision: { by, at, reason } } : {}),
      };
    }
    case 'InvoiceRejected':
      return {
        ...state,
        status: 'rejected',
        label: 'rejected',
        reasons: event.data.heldFor,
        since: event.data.at,
        decision: { by: event.data.by, at: event.data.at, reason: event.data.reason },
      };
  }
};
