/**
 * GL postings: one read-model document per company, period (`YYYY-MM` of the posting date),
 * account and currency, summing the debits and credits of every journal entry line posted
 * there. A trial balance of a company and period reads its rows by index; since the write
 * path accepts only entries that balance per currency, every period's debits equal its
 * credits per currency. Amounts are decimal strings, summed with the domain's decimals.
 */
import { decimal, format } from '../../src/domain/decimal.js';
import { documentTypeInfo } from '../../src/domain/documents.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';

export type LedgerRow = {
  /** `company|period|account|currency` */
  id: string;
  company: string;
  period: string;
  account: string;
  currency: string;
  debit: string;
  credit: string;
  /** Journal entry lines summed here. */
  lines: number;
};

type JournalLine = { account: string; currency: string; debit?: string; credit?: string };

const rowId = (company: string, period: string, line: JournalLine) =>
  [company, period, line.account, line.currency].join('|');

const postings = (event: RecordedEvent) => {
  const company = String(event.data.company);
  const period = String(event.data.postingDate).slice(0, 7);
  const lines = (Array.isArray(event.data.lines) ? event.data.lines : []) as JournalLine[];
  return { company, period, lines };
};

export const generalLedger: Projection<LedgerRow> = {
  name: 'generalLedger',
  version: 1,
  filter: {
    streamCategories: [documentTypeInfo.journalEntry.streamCategory],
    eventTypes: ['JournalEntrySubmitted'],
  },
  indexes: [{ field: 'company' }, { field: 'period' }, { field: 'account' }],
  idsOf(event) {
    const { company, period, lines } = postings(event);
    return [...new Set(lines.map((line) => rowId(company, period, line)))];
  },
  evolve(current, event, id) {
    const { company, period, lines } = postings(event);
    let debit = decimal(current?.debit ?? '0');
    let credit = decimal(current?.credit ?? '0');
    let count = current?.lines ?? 0;
    let row: JournalLine | undefined;
    for (const line of lines) {
      if (rowId(company, period, line) !== id) continue;
      row = line;
      if (line.debit) debit = debit.plus(line.debit);
      if (line.credit) credit = credit.plus(line.credit);
      count++;
    }
    if (!row) return current;
    return {
      id,
      company,
      period,
      account: row.account,
      currency: row.currency,
      debit: format(debit),
      credit: format(credit),
      lines: count,
    };
  },
};
