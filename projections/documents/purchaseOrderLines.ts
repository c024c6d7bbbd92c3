/**
 * Per-line balances of a purchase order: what was ordered, acknowledged, shipped (per
 * shipment notice), received, invoiced, and what is still open. Quantities are decimal
 * strings computed with the domain's decimal helpers, never floats.
 */
import { decimal, format } from '../../src/domain/decimal.js';

export type LineBalance = {
  lineNumber: number;
  item: string;
  uom: string;
  status: 'open' | 'cancelled';
  ordered: string;
  /** Null until the supplier acknowledges the order. */
  acknowledged: string | null;
  shipped: string;
  /** Shipped quantity by shipment notice number. */
  shippedByAsn: { [asnNumber: string]: string };
  received: string;
  invoiced: string;
  /** Ordered minus received, never below zero; zero once the line or order is cancelled. */
  open: string;
};

export type OrderedLine = {
  lineNumber: number;
  item: string;
  quantity: { value: string; uom: string };
};

const add = (a: string, b: string) => format(decimal(a).plus(b));

const withOpen = (line: LineBalance, orderOpen: boolean): LineBalance => {
  const rest = decimal(line.ordered).minus(line.received);
  const open = orderOpen && line.status === 'open' && rest.gt(0) ? format(rest) : '0';
  return open === line.open ? line : { ...line, open };
};

export const newLine = (line: OrderedLine): LineBalance =>
  withOpen(
    {
      lineNumber: line.lineNumber,
      item: line.item,
      uom: line.quantity.uom,
      status: 'open',
      ordered: format(decimal(line.quantity.value)),
      acknowledged: null,
      shipped: '0',
      shippedByAsn: {},
      received: '0',
      invoiced: '0',
      open: '0',
    },
    true,
  );

export const reopen = (lines: readonly LineBalance[], orderOpen: boolean): LineBalance[] =>
  lines.map((line) => withOpen(line, orderOpen));

export const updateLine = (
  lines: readonly LineBalance[],
  lineNumber: number,
  change: (line: LineBalance) => LineBalance,
): { lines: LineBalance[]; found: boolean } => {
  let found = false;
  const next = lines.map((line) => {
    if (line.lineNumber !== lineNumber) return line;
    found = true;
    return change(line);
  });
  return { lines: next, found };
};

export type Movement = 'shipped' | 'received' | 'invoiced';

/** Adds a child document's quantity to the line it references (same unit only). */
export const recordMovement = (
  line: LineBalance,
  movement: Movement,
  quantity: { value: string; uom: string },
  asnNumber?: string,
): LineBalance => {
  // A quantity in another unit is the child's UOM_MISMATCH exception, not a balance.
  if (quantity.uom !== line.uom) return line;
  const next = { ...line, [movement]: add(line[movement], quantity.value) };
  if (movement === 'shipped' && asnNumber !== undefined) {
    next.shippedByAsn = {
      ...line.shippedByAsn,
      [asnNumber]: add(line.shippedByAsn[asnNumber] ?? '0', quantity.value),
    };
  }
  return next;
};
