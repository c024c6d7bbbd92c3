/**
 * The delivery gate of a supplier invoice: whether its delivery may go to the ERP now, given
 * its folded state (src/domain/children: the recorded invoice with its match outcome). The
 * dispatcher asks again whenever a later event lands on the invoice's stream, so a release
 * recorded by the match process or an operator starts the delivery.
 */
import type { MatchState } from './outcome.js';

export type GateDecision = { kind: 'go' } | { kind: 'wait'; reason: string };

export const supplierInvoiceGate = (state: { match: MatchState }): GateDecision => {
  const { match } = state;
  switch (match.status) {
    case 'matched':
    case 'released':
      return { kind: 'go' };
    case 'pending':
      return {
        kind: 'wait',
        reason: 'The invoice awaits its three-way match (the match process has not seen it yet).',
      };
    case 'held': {
      const details = (match.evaluation?.lines ?? [])
        .flatMap((line) => line.findings.map((f) => `line ${line.lineNumber}: ${f.detail}`))
        .concat((match.evaluation?.amountErrors ?? []).map((e) => e.detail));
      return {
        kind: 'wait',
        reason: `The invoice is ${match.label} since ${match.heldSince ?? match.since}${details.length ? ` (${details.join(' ')})` : ''}; it is delivered when a match passes or an operator overrides.`,
      };
    }
    case 'rejected':
      return {
        kind: 'wait',
        reason: `The invoice was rejected by ${match.decision?.by ?? 'an operator'} (${match.decision?.reason ?? 'no reason'}): it is never delivered.`,
      };
  }
};
