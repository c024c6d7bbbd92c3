/**
 * A trial balance of one company and period, from the `generalLedger` read model: every
 * account and currency with its debits, credits and balance, and per currency whether the
 * debits equal the credits. Read by index, page by page; no stream is read.
 */
import type { LedgerRow } from '../../projections/generalLedger/generalLedger.js';
import { decimal, format } from '../domain/decimal.js';
import type { ReadModelStore } from '../ports/readModelStore.js';

export interface TrialBalance {
  company: string;
  period: string;
  /** Every currency's debits and credits are equal. */
  balanced: boolean;
  currencies: { currency: string; debit: string; credit: string; balanced: boolean }[];
  /** By account, then currency. `balance` is debit − credit. */
  accounts: {
    account: string;
    currency: string;
    debit: string;
    credit: string;
    balance: string;
    lines: number;
  }[];
}

export const trialBalance = async (
  readModels: ReadModelStore,
  company: string,
  period: string,
): Promise<TrialBalance> => {
  const rows: LedgerRow[] = [];
  let after: string | undefined;
  do {
    const page = await readModels.find('generalLedger', {
      where: { company, period },
      orderBy: { field: 'id', direction: 'asc' },
      after,
      limit: 1000,
    });
    rows.push(...(page.items as LedgerRow[]));
    after = page.next ?? undefined;
  } while (after);

  const totals = new Map<
    string,
    { debit: ReturnType<typeof decimal>; credit: ReturnType<typeof decimal> }
  >();
  for (const row of rows) {
    const total = totals.get(row.currency) ?? { debit: decimal('0'), credit: decimal('0') };
    totals.set(row.currency, {
      debit: total.debit.plus(row.debit),
      credit: total.credit.plus(row.credit),
    });
  }
  const currencies = [...totals]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, { debit, credit }]) => ({
      currency,
      debit: format(debit),
      credit: format(credit),
      balanced: debit.eq(credit),
    }));
  return {
    company,
    period,
    balanced: currencies.every((currency) => currency.balanced),
    currencies,
    accounts: rows.map((row) => ({
      account: row.account,
      currency: row.currency,
      debit: row.debit,
      credit: row.credit,
      balance: format(decimal(row.debit).minus(row.credit)),
      lines: row.lines,
    })),
  };
};
