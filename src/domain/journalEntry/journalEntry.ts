/**
 * GL journal entry: lines must balance per currency (sum of debits = sum of credits);
 * the posting date decides the period.
 */

import type Big from 'big.js';
import { decimal, format } from '../decimal.js';
import { checkUniqueLineNumbers, DocumentStateConflictError, Violations } from '../errors.js';

export interface JournalLine {
  lineNumber: number;
  account: string;
  currency: string;
  debit?: string;
  credit?: string;
  costCenter?: string;
  project?: string;
  description?: string;
  taxCode?: string;
  intercompany?: string;
}

export interface SubmitJournalEntry {
  company: string;
  entryNumber: string;
  postingDate: string;
  lines: JournalLine[];
  documentDate?: string;
  journal?: string;
  description?: string;
  source?: string;
  reversalOf?: string;
}

export type JournalEntryEvent = { type: 'JournalEntrySubmitted'; data: SubmitJournalEntry };

export interface JournalEntryState extends SubmitJournalEntry {
  status: 'submitted';
  /** `YYYY-MM`: the accounting period the posting date falls in. */
  period: string;
}

export const submitJournalEntry = (
  state: JournalEntryState | null,
  command: SubmitJournalEntry,
): JournalEntryEvent[] => {
  if (state !== null) {
    throw new DocumentStateConflictError(
      'document-exists',
      `Journal entry ${command.company}/${command.entryNumber} already exists; post a reversal to correct it.`,
    );
  }
  const violations = new Violations();
  checkUniqueLineNumbers(command.lines, violations);
  const totals = new Map<string, { debit: Big; credit: Big }>();
  for (const line of command.lines) {
    const total = totals.get(line.currency) ?? { debit: decimal('0'), credit: decimal('0') };
    if (line.debit) total.debit = total.debit.plus(line.debit);
    if (line.credit) total.credit = total.credit.plus(line.credit);
    totals.set(line.currency, total);
  }
  for (const [currency, { debit, credit }] of totals) {
    if (!debit.eq(credit)) {
      violations.add(
        '/lines',
        `Lines in ${currency} do not balance: debits ${format(debit)} ≠ credits ${format(credit)} (difference ${format(debit.minus(credit).abs())}).`,
      );
    }
  }
  violations.throwIfAny('unbalanced-journal-entry');
  return [{ type: 'JournalEntrySubmitted', data: command }];
};

export const foldJournalEntry = (
  events: readonly JournalEntryEvent[],
): JournalEntryState | null => {
  const first = events[0];
  return first
    ? { status: 'submitted', period: first.data.postingDate.slice(0, 7), ...first.data }
    : null;
};
