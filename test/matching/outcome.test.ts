/**
 * The match outcome on the invoice's stream: one event per change, final states stay final,
 * operators' decisions only where they make sense, and the delivery gate that follows it.
 */
import { describe, expect, it } from 'vitest';
import { supplierInvoice } from '../../src/domain/children/children.js';
import { fold } from '../../src/domain/decider.js';
import { supplierInvoiceGate } from '../../src/domain/matching/gate.js';
import type { Evaluation, HoldReason } from '../../src/domain/matching/match.js';
import {
  type MatchEvent,
  type MatchState,
  matchEventFor,
  overrideHold,
  pendingMatch,
  rejectInvoice,
} from '../../src/domain/matching/outcome.js';
import { defaultApplied } from '../../src/domain/matching/tolerances.js';
import { example } from '../support/gateway.js';

const key = { supplier: 'SUP-10023', invoiceNumber: 'INV-884213' };
const evaluation = (...reasons: HoldReason[]): Evaluation => ({
  result: reasons.length ? 'held' : 'matched',
  reasons,
  lines: [],
  amountErrors: [],
  tolerances: defaultApplied,
});
const decision = { by: 'ap-clerk-7', reason: 'Agreed with purchasing', at: '2026-11-20T09:00:00Z' };
const invoice = {
  company: 'ACME-US',
  documentKind: 'creditNote' as const,
  lines: [
    {
      poNumber: '4500012345',
      poLineNumber: 20,
      quantity: { value: '10', uom: 'EA' },
      unitPrice: '2.00',
      lineAmount: '20.00',
    },
  ],
};

/** The invoice's state after it was received and these match events were recorded. */
const stateAfter = (events: MatchEvent[]) => {
  const received = {
    type: 'SupplierInvoiceReceived',
    data: { ...example('supplier-invoice'), schemaVersion: 2, exceptions: [] },
  };
  const state = fold(supplierInvoice, [received, ...events]);
  if (!state) throw new Error('no invoice');
  return state;
};

const run = (...evaluations: Evaluation[]): { events: MatchEvent[]; match: MatchState } => {
  const events: MatchEvent[] = [];
  let match = pendingMatch;
  evaluations.forEach((e, i) => {
    const event = matchEventFor(match, key, e, `2026-11-2${i}T00:00:00Z`);
    if (event) {
      events.push(event);
      match = stateAfter(events).match;
    }
  });
  return { events, match };
};

describe('match outcome', () => {
  it.each([
    [[[]], ['InvoiceMatched'], 'matched'],
    [[['awaiting-receipt'], ['awaiting-receipt']], ['InvoiceHeld'], 'held: awaiting receipt'],
    [
      [['awaiting-receipt'], ['quantity-variance'], ['quantity-variance'], []],
      ['InvoiceHeld', 'InvoiceHeld', 'InvoiceReleased'],
      'released by match',
    ],
    [[[], ['price-variance']], ['InvoiceMatched'], 'matched'],
    [
      [['price-variance'], [], ['price-variance']],
      ['InvoiceHeld', 'InvoiceReleased'],
      'released by match',
    ],
  ] as Array<[HoldReason[][], string[], string]>)(
    'matches %j record %j and end %s',
    (reasons, types, label) => {
      const { events, match } = run(...reasons.map((r) => evaluation(...r)));
      expect(events.map((e) => e.type)).toEqual(types);
      expect(match.label).toBe(label);
    },
  );

  it('keeps when the hold began across changes of reason', () => {
    const { match } = run(evaluation('awaiting-receipt'), evaluation('quantity-variance'));
    expect(match).toMatchObject({
      status: 'held',
      heldSince: '2026-11-20T00:00:00Z',
      since: '2026-11-21T00:00:00Z',
    });
  });

  it('an override releases a held invoice only; a rejection takes a held or unmatched one', () => {
    const held = run(evaluation('price-variance')).match;
    expect(overrideHold(held, key, decision).data).toMatchObject({
      releasedBy: 'override',
      heldFor: ['price-variance'],
      by: 'ap-clerk-7',
    });
    expect(() => overrideHold(pendingMatch, key, decision)).toThrow(/only a held invoice/);
    expect(rejectInvoice(pendingMatch, key, decision, invoice).type).toBe('InvoiceRejected');
    const matched = run(evaluation()).match;
    expect(() => overrideHold(matched, key, decision)).toThrow(/is matched/);
    expect(() => rejectInvoice(matched, key, decision, invoice)).toThrow(/is matched/);
  });

  it('a rejection names the order lines the invoice counted on, so the orders take it back', () => {
    expect(rejectInvoice(pendingMatch, key, decision, invoice).data).toMatchObject({
      company: 'ACME-US',
      documentKind: 'creditNote',
      orderLines: [
        { poNumber: '4500012345', poLineNumber: 20, quantity: { value: '10', uom: 'EA' } },
      ],
    });
  });

  it('a release by match tells one story: released, by the match, with no hold reasons left', () => {
    const { match } = run(evaluation('quantity-variance'), evaluation());
    expect(match).toMatchObject({
      status: 'released',
      releasedBy: 'match',
      label: 'released by match',
      reasons: [],
    });
    expect(() => overrideHold(match, key, decision)).toThrow(
      'The invoice is released by match: only a held invoice can be overridden.',
    );
    const overridden = stateAfter([
      ...run(evaluation('price-variance')).events,
      overrideHold(run(evaluation('price-variance')).match, key, decision),
    ]).match;
    // Released despite its hold: the reasons overridden stay in view.
    expect(overridden).toMatchObject({
      label: 'released by override',
      reasons: ['price-variance'],
    });
  });
});

describe('the supplier invoice delivery gate', () => {
  const gateAfter = (events: MatchEvent[]) => supplierInvoiceGate(stateAfter(events));
  const held = matchEventFor(
    pendingMatch,
    key,
    evaluation('awaiting-receipt'),
    '2026-11-20T00:00:00Z',
  );

  it('waits while the match is pending or the invoice held; goes once matched or released', () => {
    expect(gateAfter([])).toMatchObject({
      kind: 'wait',
      reason: expect.stringMatching(/awaits its three-way match/),
    });
    expect(gateAfter([held as MatchEvent])).toMatchObject({
      kind: 'wait',
      reason: expect.stringMatching(/held: awaiting receipt since 2026-11-20/),
    });
    const released = overrideHold(stateAfter([held as MatchEvent]).match, key, decision);
    expect(gateAfter([held as MatchEvent, released])).toEqual({ kind: 'go' });
    const matched = matchEventFor(pendingMatch, key, evaluation(), '2026-11-20T00:00:00Z');
    expect(gateAfter([matched as MatchEvent])).toEqual({ kind: 'go' });
  });

  it('never lets a rejected invoice go', () => {
    const rejected = rejectInvoice(stateAfter([held as MatchEvent]).match, key, decision, invoice);
    expect(gateAfter([held as MatchEvent, rejected])).toMatchObject({
      kind: 'wait',
      reason: expect.stringMatching(/rejected by ap-clerk-7.*never delivered/),
    });
  });

  it('ignores events it does not know, as every fold does', () => {
    const state = fold(supplierInvoice, [
      {
        type: 'SupplierInvoiceReceived',
        data: { ...example('supplier-invoice'), schemaVersion: 2, exceptions: [] },
      },
      { type: 'SomethingNew', data: {} },
    ]);
    expect(state?.match.status).toBe('pending');
  });
});
