import { describe, expect, it } from 'vitest';
import { given, recorded } from '../testing.js';
import { generalLedger } from './generalLedger.js';

const entry = (
  entryNumber: string,
  postingDate: string,
  lines: { account: string; currency: string; debit?: string; credit?: string }[],
  company = 'ACME-US',
) =>
  recorded(`JournalEntry-${company}/${entryNumber}`, 'JournalEntrySubmitted', {
    company,
    entryNumber,
    postingDate,
    lines: lines.map((line, index) => ({ lineNumber: index + 1, ...line })),
  });

describe('general ledger read model', () => {
  it('Given entries in two periods, Then each account, period and currency sums its debits and credits', () => {
    const state = given(generalLedger, [
      entry('JE-1', '2026-11-03', [
        { account: '6410', currency: 'USD', debit: '100.10' },
        { account: '2150', currency: 'USD', credit: '100.10' },
      ]),
      entry('JE-2', '2026-11-30', [
        { account: '6410', currency: 'USD', debit: '0.90' },
        { account: '6410', currency: 'USD', debit: '9' },
        { account: '1000', currency: 'USD', credit: '9.90' },
      ]),
      entry('JE-3', '2026-12-01', [
        { account: '6410', currency: 'EUR', debit: '5' },
        { account: '2150', currency: 'EUR', credit: '5' },
      ]),
    ]);
    expect(state.get('ACME-US|2026-11|6410|USD')).toEqual({
      id: 'ACME-US|2026-11|6410|USD',
      company: 'ACME-US',
      period: '2026-11',
      account: '6410',
      currency: 'USD',
      debit: '110',
      credit: '0',
      lines: 3,
    });
    expect(state.get('ACME-US|2026-11|2150|USD')).toMatchObject({ debit: '0', credit: '100.1' });
    expect(state.get('ACME-US|2026-12|6410|EUR')).toMatchObject({ debit: '5', lines: 1 });
  });

  it('Given entries of two companies, Then their postings stay apart', () => {
    const state = given(generalLedger, [
      entry('JE-1', '2026-11-03', [
        { account: '6410', currency: 'USD', debit: '1' },
        { account: '2150', currency: 'USD', credit: '1' },
      ]),
      entry(
        'JE-1',
        '2026-11-03',
        [
          { account: '6410', currency: 'USD', debit: '7' },
          { account: '2150', currency: 'USD', credit: '7' },
        ],
        'ACME-DE',
      ),
    ]);
    expect(state.get('ACME-US|2026-11|6410|USD')?.debit).toBe('1');
    expect(state.get('ACME-DE|2026-11|6410|USD')?.debit).toBe('7');
  });
});
