import { describe, expect, it } from 'vitest';
import { BusinessRuleError } from '../../src/domain/errors.js';
import {
  foldJournalEntry,
  type JournalLine,
  type SubmitJournalEntry,
  submitJournalEntry,
} from '../../src/domain/journalEntry/journalEntry.js';

const entry: SubmitJournalEntry = {
  company: 'ACME-US',
  entryNumber: 'JE-2026-11-0042',
  postingDate: '2026-11-30',
  lines: [
    { lineNumber: 1, account: '6100', currency: 'USD', debit: '1250.00', costCenter: 'CC-DAL' },
    { lineNumber: 2, account: '6200', currency: 'USD', debit: '0.10' },
    { lineNumber: 3, account: '2100', currency: 'USD', credit: '1250.1' },
    { lineNumber: 4, account: '6100', currency: 'EUR', debit: '10' },
    { lineNumber: 5, account: '2100', currency: 'EUR', credit: '10.000' },
  ],
};

describe('journal entry', () => {
  it('accepts lines that balance per currency with exact decimal arithmetic', () => {
    const events = submitJournalEntry(null, entry);
    expect(events).toHaveLength(1);
    expect(foldJournalEntry(events)?.period).toBe('2026-11');
  });

  it('rejects an entry that does not balance in one currency, saying by how much', () => {
    const unbalanced = {
      ...entry,
      lines: entry.lines.map((l) => (l.lineNumber === 5 ? { ...l, credit: '9.99' } : l)),
    };
    try {
      submitJournalEntry(null, unbalanced);
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(BusinessRuleError);
      expect((error as BusinessRuleError).violations).toEqual([
        {
          pointer: '/lines',
          detail: 'Lines in EUR do not balance: debits 10 ≠ credits 9.99 (difference 0.01).',
        },
      ]);
    }
  });

  it('does not let 0.1 + 0.2 float errors through: 0.1 + 0.2 balances 0.3', () => {
    const lines: JournalLine[] = [
      { lineNumber: 1, account: '1', currency: 'USD', debit: '0.1' },
      { lineNumber: 2, account: '1', currency: 'USD', debit: '0.2' },
      { lineNumber: 3, account: '2', currency: 'USD', credit: '0.3' },
    ];
    expect(submitJournalEntry(null, { ...entry, lines })).toHaveLength(1);
  });

  it('reports a duplicate line number with its own code, not as unbalanced', () => {
    const lines = entry.lines.map((line) =>
      line.lineNumber === 2 ? { ...line, lineNumber: 1 } : line,
    );
    const error = catchError(() => submitJournalEntry(null, { ...entry, lines }));
    expect(error).toBeInstanceOf(BusinessRuleError);
    expect([(error as BusinessRuleError).code, (error as BusinessRuleError).violations]).toEqual([
      'duplicate-line-number',
      [{ pointer: '/lines/1/lineNumber', detail: 'Line number 1 is used more than once.' }],
    ]);
    const both = lines.map((line) => (line.lineNumber === 5 ? { ...line, credit: '9' } : line));
    const error2 = catchError(() => submitJournalEntry(null, { ...entry, lines: both }));
    expect((error2 as BusinessRuleError).code).toBe('invalid-journal-entry');
    expect((error2 as BusinessRuleError).violations.map((v) => v.pointer)).toEqual([
      '/lines/1/lineNumber',
      '/lines',
    ]);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
