/**
 * The invoice's own arithmetic: each line amount is its quantity times its unit price, within
 * rounding, and the totals add up. Checked before anything is compared with the order, since
 * an invoice that does not add up cannot be posted whatever it matches.
 */
import type Big from 'big.js';
import { decimal, format } from '../decimal.js';

/** Currencies whose minor unit is not the hundredth (ISO 4217 exponent); the rest have 2. */
const minorUnitDigits: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/**
 * Half the currency's minor unit: a line amount rounded to the currency's precision (either
 * way of breaking ties) differs from quantity × price by at most this much.
 */
export const roundingAllowance = (currency: string): Big =>
  decimal('0.5').times(decimal('10').pow(-(minorUnitDigits[currency] ?? 2)));

export interface AmountFinding {
  code: 'LINE_AMOUNT' | 'NET_TOTAL' | 'TAX_TOTAL' | 'GROSS_TOTAL';
  pointer: string;
  detail: string;
}

export interface InvoiceAmounts {
  currency: string;
  lines: readonly {
    quantity: { value: string };
    unitPrice: string;
    lineAmount: string;
  }[];
  charges?: readonly { amount: string }[];
  taxes?: readonly { taxAmount: string }[];
  totals: { netAmount: string; taxAmount: string; grossAmount: string };
}

const sum = (values: readonly string[]): Big =>
  values.reduce((total, value) => total.plus(value), decimal('0'));

/** Every arithmetic error of the invoice, each pointing at the field that is wrong. */
export const amountFindings = (invoice: InvoiceAmounts): AmountFinding[] => {
  const findings: AmountFinding[] = [];
  const allowance = roundingAllowance(invoice.currency);
  invoice.lines.forEach((line, index) => {
    const extended = decimal(line.quantity.value).times(line.unitPrice);
    const difference = decimal(line.lineAmount).minus(extended);
    if (difference.abs().gt(allowance)) {
      findings.push({
        code: 'LINE_AMOUNT',
        pointer: `/lines/${index}/lineAmount`,
        detail: `Line amount ${line.lineAmount} is not ${line.quantity.value} × ${line.unitPrice} = ${format(extended)} (off by ${format(difference)}, more than the rounding allowance ${format(allowance)} ${invoice.currency}).`,
      });
    }
  });
  // Totals are sums of amounts the invoice states: they add up exactly, or they are wrong.
  const net = sum([
    ...invoice.lines.map((line) => line.lineAmount),
    ...(invoice.charges ?? []).map((charge) => charge.amount),
  ]);
  if (!net.eq(invoice.totals.netAmount)) {
    findings.push({
      code: 'NET_TOTAL',
      pointer: '/totals/netAmount',
      detail: `Net total ${invoice.totals.netAmount} is not the sum of the line amounts and charges, ${format(net)}.`,
    });
  }
  if (invoice.taxes && invoice.taxes.length > 0) {
    const tax = sum(invoice.taxes.map((t) => t.taxAmount));
    if (!tax.eq(invoice.totals.taxAmount)) {
      findings.push({
        code: 'TAX_TOTAL',
        pointer: '/totals/taxAmount',
        detail: `Tax total ${invoice.totals.taxAmount} is not the sum of the tax summary, ${format(tax)}.`,
      });
    }
  }
  const gross = decimal(invoice.totals.netAmount).plus(invoice.totals.taxAmount);
  if (!gross.eq(invoice.totals.grossAmount)) {
    findings.push({
      code: 'GROSS_TOTAL',
      pointer: '/totals/grossAmount',
      detail: `Gross total ${invoice.totals.grossAmount} is not net ${invoice.totals.netAmount} plus tax ${invoice.totals.taxAmount}, ${format(gross)}.`,
    });
  }
  return findings;
};
