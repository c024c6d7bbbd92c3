/**
 * Purchase order cancellation → Tryton. Draft, quotation and confirmed purchases are
 * cancelled. Tryton 6.0 cannot cancel a purchase in processing: when nothing was received yet,
 * an amendment sets every line to zero (Tryton then drops the pending moves); once goods were
 * received, the cancellation is refused with the reason.
 */
import type { PurchaseOrderState } from '../../../domain/purchaseOrder/types.js';
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import { amend, findPurchase, purchaseLines } from './purchaseOrder.js';
import { purchaseAnswer } from './purchaseOrderAnswer.js';
import { dec } from './rpc.js';
import { type Id, refusal, type TrytonSession } from './session.js';

export const cancelPurchaseOrder = async (
  s: TrytonSession,
  po: PurchaseOrderState,
): Promise<ErpAcknowledgement> => {
  const company = s.crosswalk.company(po.company).id;
  const purchase = await findPurchase(s, company, po.poNumber);
  const label = `${po.company}/${po.poNumber}`;
  if (purchase === null) {
    throw refusal(
      'not-in-tryton',
      `Purchase order ${label} is not in Tryton: there is nothing to cancel.`,
    );
  }
  if (purchase.state === 'cancelled') return purchaseAnswer(s, company, purchase, true);
  if (purchase.state === 'confirmed')
    await s.button(company, 'purchase.purchase', 'draft', [purchase.id]);
  if (['draft', 'quotation', 'confirmed'].includes(purchase.state)) {
    await s.button(company, 'purchase.purchase', 'cancel', [purchase.id]);
    const after = (await findPurchase(s, company, po.poNumber)) ?? purchase;
    if (after.state !== 'cancelled') {
      throw refusal(
        'tryton-refused-cancel',
        `Tryton did not cancel purchase ${after.number} (${label}); it is ${after.state}.`,
      );
    }
    return purchaseAnswer(s, company, after, false);
  }
  const lines = await purchaseLines(s, company, purchase);
  const moves = await s.read<{ id: Id; state: string }>(
    company,
    'stock.move',
    lines.flatMap((line) => line.moves),
    ['state'],
  );
  const received = moves.filter((move) => move.state === 'done').length;
  if (received > 0 || purchase.state === 'done') {
    throw refusal(
      'tryton-refused-cancel',
      `Tryton cannot cancel purchase ${purchase.number} (${label}): it is ${purchase.state} and ${received} of its stock moves are done (goods received). Tryton 6.0 cancels only draft and quotation purchases; a confirmed one can only be amended down to what was received.`,
    );
  }
  const open = lines.filter((line) => line.quantity !== 0);
  if (open.length === 0) return purchaseAnswer(s, company, purchase, true);
  await amend(
    s,
    company,
    purchase,
    `Cancelled: ${po.cancellation?.reason ?? 'cancelled by the gateway'}`,
    open.map((line) => ({
      line,
      values: {
        product: line.product,
        quantity: 0,
        unit: line.unit,
        unit_price: dec(line.unit_price ?? '0'),
        description: line.description,
      },
    })),
  );
  return purchaseAnswer(
    s,
    company,
    (await findPurchase(s, company, po.poNumber)) ?? purchase,
    false,
  );
};
