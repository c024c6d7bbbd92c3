/**
 * Match tolerances: how far an invoice may stray from its order's price and from the goods
 * received before it is held. Configured per company and optionally refined per supplier;
 * each setting is a recorded version (src/matching/tolerances.ts), and every match records
 * the setting that decided it.
 */
import type Big from 'big.js';
import { decimal } from '../decimal.js';

/**
 * Magnitudes, as non-negative decimal strings: `lower` bounds a variance below the reference
 * (invoice under the order price, invoiced under received), `upper` above it. null: no limit
 * on that side. A variance exactly at a limit is inside it.
 */
export interface Limits {
  lower: string | null;
  upper: string | null;
}

export interface Tolerances {
  price: {
    /** Percent of the order line's unit price. */
    percent: Limits;
    /** Amount per unit, in the invoice's currency. */
    amount: Limits;
  };
  quantity: {
    /** Percent of the quantity received to date. */
    percent: Limits;
  };
}

/**
 * In force where nothing is configured: the price may exceed the order's by up to 2 % (small
 * surcharges and rounding of unit prices), never by an absolute amount limit; nothing may be
 * invoiced beyond what was received. Paying less than ordered, or invoicing less than received
 * (partial invoices), holds nothing.
 */
export const defaultTolerances: Tolerances = {
  price: { percent: { lower: null, upper: '2' }, amount: { lower: null, upper: null } },
  quantity: { percent: { lower: null, upper: '0' } },
};

/** Which setting decided a match: the built-in default, a company's, or a supplier's. */
export interface AppliedTolerances {
  source: 'default' | 'company' | 'supplier';
  /** Version of the setting (its place in the tolerance history); 0 for the default. */
  version: number;
  company: string | null;
  supplier: string | null;
  values: Tolerances;
}

export const defaultApplied: AppliedTolerances = {
  source: 'default',
  version: 0,
  company: null,
  supplier: null,
  values: defaultTolerances,
};

/** A recorded setting: a company's (supplier null) or a supplier's within a company. */
export interface ToleranceSetting {
  version: number;
  company: string;
  supplier: string | null;
  values: Tolerances;
}

/** The supplier's own setting if it has one, else its company's, else the default. */
export const resolveTolerances = (
  settings: readonly ToleranceSetting[],
  company: string,
  supplier: string,
): AppliedTolerances => {
  let companyWide: ToleranceSetting | undefined;
  let own: ToleranceSetting | undefined;
  for (const setting of settings) {
    if (setting.company !== company) continue;
    if (setting.supplier === supplier) own = setting;
    else if (setting.supplier === null) companyWide = setting;
  }
  const chosen = own ?? companyWide;
  if (!chosen) return defaultApplied;
  return {
    source: own ? 'supplier' : 'company',
    version: chosen.version,
    company: chosen.company,
    supplier: chosen.supplier,
    values: chosen.values,
  };
};

/**
 * Whether a variance lies within limits. `variance` is signed (positive: above the
 * reference); the limit on its side applies to its magnitude, inclusively.
 */
export const withinLimits = (variance: Big, limits: Limits): boolean => {
  if (variance.eq(0)) return true;
  const limit = variance.gt(0) ? limits.upper : limits.lower;
  return limit === null || variance.abs().lte(decimal(limit));
};

/**
 * Whether a variance lies within percent limits of `reference`. Compared as
 * |variance| × 100 ≤ limit × reference, without dividing, so a variance exactly at the limit
 * is inside it whatever the digits (1/3 % has no exact decimal). A variance on a zero
 * reference is outside any limit.
 */
export const withinPercent = (variance: Big, reference: Big, limits: Limits): boolean => {
  if (variance.eq(0)) return true;
  const limit = variance.gt(0) ? limits.upper : limits.lower;
  return limit === null || variance.abs().times(100).lte(decimal(limit).times(reference.abs()));
};

/** A variance as a percent of its reference, for people (4 decimals); null on a zero reference. */
export const percentOf = (variance: Big, reference: Big): string | null =>
  reference.eq(0) ? null : variance.times(100).div(reference).round(4).toFixed();
