/**
 * GL journal entry decider: lines must balance per currency (sum of debits = sum of credits);
 * the posting date decides the period.
 */

import type Big from 'big.js';
import { type Decider, fold } from '../decider.js';
import { decimal, format } from '../decimal.js';
import { checkUniqueLineNumbers, DocumentStateConflictError, Violations } from '../errors.js';
import type { EventOf, StoredEvent } from '../events/registry.js';
import type { JournalEntrySubmittedV1 } from '../events/schemaTypes.generated.js';

export type SubmitJournalEntry = JournalEntrySubmittedV1;
export type JournalLine = SubmitJournalEntry['lines'][number];
export type JournalEntryEvent = EventOf<'JournalEntrySubmitted'>;

export interface JournalEntryState extends SubmitJournalEntry {
  status: 'submitted';
  /** `YYYY-MM`: the accounting period the posting date falls in. */
  period: string;
}

/** Every currency whose debits and credits differ, pointing at the lines. */
const checkBalance = (lines: readonly JournalLine[], violations: Violations): void => {
  const totals = new Map<string, { debit: Big; credit: Big }>();
  for (const line of lines) {
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
};

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
  const duplicates = new Violations();
  checkUniqueLineNumbers(command.lines, duplicates);
  const unbalanced = new Violations();
  checkBalance(command.lines, unbalanced);
  // Each kind of mistake has its own code; an entry with both lists every violation.
  if (duplicates.list.length > 0 && unbalanced.list.length > 0) {
    const all = new Violations();
    all.list.push(...duplicates.list, ...unbalanced.list);
    all.throwIfAny('invalid-journal-entry');
  }
  duplicates.throwIfAny('duplicate-line-number');
  unbalanced.throwIfAny('unbalanced-journal-entry');
  return [{ type: 'JournalEntrySubmitted', data: command }];
};

export const journalEntry: Decider<
  JournalEntryState | null,
  SubmitJournalEntry,
  JournalEntryEvent
> = {
  initialState: () => null,
  decide: (command, state) => submitJournalEntry(state, command),
  evolve: (state, event) =>
    state === null && event.type === 'JournalEntrySubmitted'
      ? { status: 'submitted', period: event.data.postingDate.slice(0, 7), ...event.data }
      : state,
};

export const foldJournalEntry = (events: readonly StoredEvent[]): JournalEntryState | null =>
  fold(journalEntry, events);
