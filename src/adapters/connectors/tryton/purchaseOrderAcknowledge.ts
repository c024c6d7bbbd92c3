/**
 * Supplier acknowledgements of purchase orders → Tryton. Tryton 6.0 has no supplier
 * confirmation. What it can record: each line's confirmed delivery date (the line's delivery
 * date before confirmation; after it, the planned date of the line's pending moves, which is
 * what Tryton then shows as the line's delivery date) and a note in the purchase's comment
 * (status, and per line what the supplier confirmed). Confirmed quantities and prices are not
 * applied: changing the order is the buyer's decision, sent as a change.
 */
import type { PurchaseOrderState } from '../../../domain/purchaseOrder/types.js';
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import { findPurchase, purchaseLines } from './purchaseOrder.js';
import { purchaseAnswer } from './purchaseOrderAnswer.js';
import { tdate } from './rpc.js';
import { type Id, refusal, type TrytonSession } from './session.js';

export const acknowledgePurchaseOrder = async (
  s: TrytonSession,
  po: PurchaseOrderState,
): Promise<ErpAcknowledgement> => {
  const company = s.crosswalk.company(po.company).id;
  const purchase = await findPurchase(s, company, po.poNumber);
  if (purchase === null) {
    throw refusal(
      'not-in-tryton',
      `Purchase order ${po.company}/${po.poNumber} is not in Tryton: deliver it first, then replay the acknowledgement.`,
    );
  }
  const lines = await purchaseLines(s, company, purchase);
  const dated: Array<[Id, string]> = [];
  const notes: string[] = [];
  for (const line of po.lines) {
    const ack = line.acknowledgement;
    if (!ack) continue;
    const confirmed = [
      ack.status,
      ack.confirmedQuantity &&
        `quantity ${ack.confirmedQuantity.value} ${ack.confirmedQuantity.uom}`,
      ack.confirmedUnitPrice && `price ${ack.confirmedUnitPrice}`,
      ack.confirmedDeliveryDate && `delivery ${ack.confirmedDeliveryDate}`,
    ].filter(Boolean);
    notes.push(`line ${line.lineNumber}: ${confirmed.join(', ')}`);
    const tryton = lines.find((candidate) => candidate.sequence === line.lineNumber);
    if (tryton && ack.confirmedDeliveryDate) dated.push([tryton.id, ack.confirmedDeliveryDate]);
  }
  const status = po.acknowledgement;
  const comment = [
    `Supplier acknowledgement: ${status?.status ?? 'none'}${status ? ` at ${status.acknowledgedAt}` : ''}`,
    ...notes,
  ].join('\n');
  const [current] = await s.read<{ comment: string | null }>(
    company,
    'purchase.purchase',
    [purchase.id],
    ['comment'],
  );
  const unchanged = current?.comment?.includes(comment) ?? false;
  if (!unchanged) {
    const kept = current?.comment?.split('\nSupplier acknowledgement:')[0] ?? '';
    await s.write(company, 'purchase.purchase', [purchase.id], {
      comment: kept.startsWith('Supplier acknowledgement:')
        ? comment
        : [kept, comment].filter(Boolean).join('\n'),
    });
  }
  for (const [line, date] of dated) {
    if (['draft', 'quotation'].includes(purchase.state)) {
      await s.write(company, 'purchase.line', [line], {
        delivery_date_edit: true,
        delivery_date_store: tdate(date),
      });
      continue;
    }
    // Once confirmed, a line's delivery date is its pending moves' planned date.
    const pending = await s.search(company, 'stock.move', [
      ['origin', '=', `purchase.line,${line}`],
      ['state', '=', 'draft'],
    ]);
    if (pending.length > 0)
      await s.write(company, 'stock.move', pending, { planned_date: tdate(date) });
  }
  return purchaseAnswer(s, company, purchase, unchanged);
};
