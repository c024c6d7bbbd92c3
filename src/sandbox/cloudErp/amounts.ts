/**
 * Line and document amounts as Business Central computes them: the line amount rounded to the
 * cent, tax per line from the tax code's percent. The rounding mode and a skew are fault
 * settings: a sandbox told to round tax down (or to add a cent) computes what a differently
 * configured ERP would, which is what dual-write comparison must catch.
 */
import Big from 'big.js';
import { badRequest } from './errors.js';
import { taxPercents } from './masterData.js';

export interface TaxSettings {
  taxRounding: 'half-up' | 'down' | 'up';
  /** Added to every line's tax (a decimal string, e.g. `0.01`). */
  taxSkew: string;
}

const modes = { 'half-up': Big.roundHalfUp, down: Big.roundDown, up: Big.roundUp } as const;

export interface LineAmounts {
  amountExcludingTax: number;
  taxPercent: number;
  totalTaxAmount: number;
  amountIncludingTax: number;
}

export const big = (value: unknown, field: string): Big => {
  try {
    return new Big(value as number | string);
  } catch {
    throw badRequest(`Cannot convert the literal '${String(value)}' of ${field} to a decimal.`);
  }
};

export const lineAmounts = (
  quantity: number,
  unitCost: number,
  taxCode: string,
  tax: TaxSettings,
): LineAmounts => {
  const net = big(quantity, 'quantity').times(big(unitCost, 'directUnitCost')).round(2);
  const percent = taxPercents[taxCode] ?? '0';
  // The skew applies to untaxed lines too, so any document can be made to diverge.
  const taxAmount = net
    .times(percent)
    .div(100)
    .round(2, modes[tax.taxRounding])
    .plus(tax.taxSkew || '0');
  return {
    amountExcludingTax: Number(net),
    taxPercent: Number(percent),
    totalTaxAmount: Number(taxAmount),
    amountIncludingTax: Number(net.plus(taxAmount)),
  };
};

export const documentTotals = (lines: readonly LineAmounts[]) => {
  const sum = (pick: (line: LineAmounts) => number) =>
    Number(lines.reduce((acc, line) => acc.plus(pick(line)), new Big(0)));
  return {
    totalAmountExcludingTax: sum((l) => l.amountExcludingTax),
    totalTaxAmount: sum((l) => l.totalTaxAmount),
    totalAmountIncludingTax: sum((l) => l.amountIncludingTax),
  };
};
