import Big from 'big.js';

/**
 * Money and quantities travel as decimal strings (never JS floats) and are computed with
 * big.js. These helpers are the only place the domain touches the library.
 */
export type DecimalString = string;

export const decimal = (value: DecimalString): Big => new Big(value);

/** A canonical rendering for messages and comparisons ("12.50" and "12.5" are equal). */
export const format = (value: Big): string => value.toFixed();
