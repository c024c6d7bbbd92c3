/**
 * What Tryton answers for a purchase order it holds: its number and states, and its own
 * amounts read back after the write (untaxed, tax, total, currency, and per line the quantity,
 * unit price and untaxed amount), so a `dual` order compares what each ERP computed, not only
 * whether both took it.
 *
 * Amounts use the canonical names of the dual-write comparison (src/domain/divergence), and
 * lines the flat `lines.<line number>.<field>` keys the port's flat details carry, as the REST
 * connector's profiles answer them. Tryton 6.0 keeps no tax per line, so only the document's tax
 * is reported. A line amended to quantity 0 is how Tryton cancels a line (the other ERP deletes
 * it): it is left out, as a line the order no longer has.
 */
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import type { Id, TrytonSession } from './session.js';

/** The purchase as purchaseOrder.ts reads it (named here, not imported: no import cycle). */
interface TrytonPurchase {
  id: Id;
  number: string | null;
  state: string;
  shipment_state: string;
  lines: Id[];
}

interface PurchaseAmounts {
  id: Id;
  untaxed_amount: string | null;
  tax_amount: string | null;
  total_amount: string | null;
  'currency.': { code?: string } | null;
}

interface LineAmounts {
  id: Id;
  sequence: number | null;
  quantity: number | null;
  unit_price: string | null;
  amount: string | null;
}

type Details = NonNullable<ErpAcknowledgement['details']>;

/** Tryton's own amounts of a purchase, as acknowledgement details. */
export const amountsOf = async (
  s: TrytonSession,
  company: Id,
  purchase: TrytonPurchase,
): Promise<Details> => {
  const [amounts] = await s.read<PurchaseAmounts>(
    company,
    'purchase.purchase',
    [purchase.id],
    ['untaxed_amount', 'tax_amount', 'total_amount', 'currency.code'],
  );
  const lines = await s.read<LineAmounts>(company, 'purchase.line', purchase.lines, [
    'sequence',
    'quantity',
    'unit_price',
    'amount',
  ]);
  const details: Details = {
    currency: amounts?.['currency.']?.code ?? null,
    untaxedAmount: amounts?.untaxed_amount ?? null,
    taxAmount: amounts?.tax_amount ?? null,
    totalAmount: amounts?.total_amount ?? null,
  };
  for (const line of lines) {
    if (line.sequence === null || !line.quantity) continue;
    const key = `lines.${line.sequence}`;
    details[`${key}.quantity`] = String(line.quantity);
    details[`${key}.unitCost`] = line.unit_price;
    details[`${key}.untaxedAmount`] = line.amount;
  }
  return details;
};

/** The acknowledgement of a purchase: Tryton's number, record, states and amounts. */
export const purchaseAnswer = async (
  s: TrytonSession,
  company: Id,
  purchase: TrytonPurchase,
  alreadyDelivered: boolean,
): Promise<ErpAcknowledgement> => ({
  reference: purchase.number ?? `purchase.purchase,${purchase.id}`,
  record: `purchase.purchase,${purchase.id}`,
  alreadyDelivered,
  details: {
    state: purchase.state,
    shipmentState: purchase.shipment_state,
    ...(await amountsOf(s, company, purchase)),
  },
});
