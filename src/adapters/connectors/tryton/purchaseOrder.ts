/**
 * Purchase orders → `purchase.purchase`, found again by `reference` = the PO number within
 * the company (Tryton has no unique external reference; the dispatcher serialises per PO).
 * Line numbers are kept in the lines' `sequence`, which is how children find their PO line.
 *
 * - submit: create (draft) → quote → confirm → process, resuming from whatever state it finds.
 * - change: brings Tryton's lines to the gateway's state. Before confirmation by writing the
 *   lines; after it through a purchase amendment (Tryton's way to change a confirmed purchase).
 *   An amendment cannot add lines: adding one to a confirmed purchase is refused.
 * Cancel and acknowledge: purchaseOrderCancel.ts, purchaseOrderAcknowledge.ts; what Tryton
 * answers (states and its own amounts): purchaseOrderAnswer.ts.
 */

import { decimal } from '../../../domain/decimal.js';
import type {
  PurchaseOrderLineState,
  PurchaseOrderState,
} from '../../../domain/purchaseOrder/types.js';
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import { purchaseAnswer } from './purchaseOrderAnswer.js';
import { dec, tdate } from './rpc.js';
import { type Id, refusal, type TrytonSession } from './session.js';

export interface TrytonPurchase {
  id: Id;
  number: string | null;
  reference: string;
  state: 'draft' | 'quotation' | 'confirmed' | 'processing' | 'done' | 'cancelled';
  shipment_state: string;
  lines: Id[];
}

export interface TrytonPurchaseLine {
  id: Id;
  sequence: number | null;
  product: Id | null;
  quantity: number;
  unit: Id | null;
  unit_price: string | null;
  description: string;
  moves: Id[];
}

const PURCHASE_FIELDS = ['number', 'reference', 'state', 'shipment_state', 'lines'];
const LINE_FIELDS = [
  'sequence',
  'product',
  'quantity',
  'unit',
  'unit_price',
  'description',
  'moves',
];

export const findPurchase = async (
  s: TrytonSession,
  company: Id,
  poNumber: string,
): Promise<TrytonPurchase | null> => {
  const [found] = await s.searchRead<TrytonPurchase>(
    company,
    'purchase.purchase',
    [
      ['company', '=', company],
      ['reference', '=', poNumber],
    ],
    PURCHASE_FIELDS,
  );
  return found ?? null;
};

export const purchaseLines = (s: TrytonSession, company: Id, purchase: TrytonPurchase) =>
  s.read<TrytonPurchaseLine>(company, 'purchase.line', purchase.lines, LINE_FIELDS);

const lineValues = (s: TrytonSession, po: PurchaseOrderState, line: PurchaseOrderLineState) => {
  const cw = s.crosswalk;
  const delivery = line.requestedDeliveryDate ?? po.requestedDeliveryDate;
  return {
    type: 'line',
    sequence: line.lineNumber,
    product: cw.item(line.item),
    quantity: Number(line.quantity.value),
    unit: cw.unit(line.quantity.uom),
    unit_price: dec(line.unitPrice),
    description: line.description ?? line.item,
    ...(delivery ? { delivery_date_edit: true, delivery_date_store: tdate(delivery) } : {}),
  };
};

const taxesOf = (s: TrytonSession, po: PurchaseOrderState, line: PurchaseOrderLineState) =>
  line.taxCode ? [['add', [s.crosswalk.tax(po.company, line.taxCode)]]] : [];

/** Draft → quotation → confirmed → processing, from wherever the purchase is. */
const advance = async (s: TrytonSession, company: Id, purchase: TrytonPurchase) => {
  const steps: Record<string, string> = {
    draft: 'quote',
    quotation: 'confirm',
    confirmed: 'process',
  };
  let current = purchase;
  for (let step = steps[current.state]; step !== undefined; step = steps[current.state]) {
    await s.button(company, 'purchase.purchase', step, [current.id]);
    const [next] = await s.read<TrytonPurchase>(
      company,
      'purchase.purchase',
      [current.id],
      PURCHASE_FIELDS,
    );
    if (!next || next.state === current.state) {
      throw refusal(
        'tryton-state',
        `Tryton left purchase ${current.number ?? current.id} in state ${current.state} after ${step}.`,
      );
    }
    current = next;
  }
  return current;
};

export const submitPurchaseOrder = async (
  s: TrytonSession,
  po: PurchaseOrderState,
): Promise<ErpAcknowledgement> => {
  const cw = s.crosswalk;
  const company = cw.company(po.company).id;
  let purchase = await findPurchase(s, company, po.poNumber);
  const alreadyDelivered = purchase !== null && ['processing', 'done'].includes(purchase.state);
  if (purchase === null) {
    const supplier = cw.supplier(po.supplier);
    const lines = po.lines
      .filter((line) => line.status === 'open')
      .map((line) => ({ ...lineValues(s, po, line), taxes: taxesOf(s, po, line) }));
    const id = await s.create(company, 'purchase.purchase', {
      company,
      party: supplier.party,
      invoice_address: supplier.address,
      payment_term: cw.paymentTerm(s.defaults.paymentTerm),
      currency: cw.currency(po.currency),
      // Supplier invoices come from the gateway and are linked to the lines; Tryton must not
      // draft its own.
      invoice_method: 'manual',
      reference: po.poNumber,
      purchase_date: tdate(po.orderDate),
      warehouse: cw.site(po.site).warehouse,
      ...(po.requestedDeliveryDate ? { delivery_date: tdate(po.requestedDeliveryDate) } : {}),
      ...(po.notes ? { comment: po.notes } : {}),
      lines: [['create', lines]],
    });
    const [created] = await s.read<TrytonPurchase>(
      company,
      'purchase.purchase',
      [id],
      PURCHASE_FIELDS,
    );
    purchase = created ?? null;
    if (!purchase) throw refusal('tryton-state', `Tryton lost purchase ${id} just created.`);
  }
  if (purchase.state === 'cancelled') {
    throw refusal(
      'cancelled-in-tryton',
      `Purchase ${purchase.number ?? purchase.id} (${po.company}/${po.poNumber}) is cancelled in Tryton.`,
    );
  }
  return purchaseAnswer(s, company, await advance(s, company, purchase), alreadyDelivered);
};

/** The line writes that bring Tryton's lines to the gateway's state (empty: nothing to do). */
const lineDiff = (s: TrytonSession, po: PurchaseOrderState, existing: TrytonPurchaseLine[]) => {
  const bySequence = new Map(existing.map((line) => [line.sequence, line]));
  const add: PurchaseOrderLineState[] = [];
  const update: Array<{ line: TrytonPurchaseLine; values: ReturnType<typeof lineValues> }> = [];
  for (const line of po.lines) {
    const current = bySequence.get(line.lineNumber);
    const wanted = lineValues(
      s,
      po,
      line.status === 'open' ? line : { ...line, quantity: { ...line.quantity, value: '0' } },
    );
    if (!current) {
      if (line.status === 'open') add.push(line);
      continue;
    }
    const same =
      current.product === wanted.product &&
      current.quantity === wanted.quantity &&
      current.unit === wanted.unit &&
      current.unit_price !== null &&
      decimal(current.unit_price).eq(line.unitPrice) &&
      current.description === wanted.description;
    if (!same) update.push({ line: current, values: wanted });
  }
  return { add, update };
};

export const changePurchaseOrder = async (
  s: TrytonSession,
  po: PurchaseOrderState,
  reason: string,
): Promise<ErpAcknowledgement> => {
  const company = s.crosswalk.company(po.company).id;
  let purchase = await findPurchase(s, company, po.poNumber);
  if (purchase === null) return submitPurchaseOrder(s, po);
  const { add, update } = lineDiff(s, po, await purchaseLines(s, company, purchase));
  if (add.length === 0 && update.length === 0) {
    return purchaseAnswer(s, company, await advance(s, company, purchase), true);
  }
  if (['quotation', 'confirmed'].includes(purchase.state)) {
    await s.button(company, 'purchase.purchase', 'draft', [purchase.id]);
    purchase = (await findPurchase(s, company, po.poNumber)) ?? purchase;
  }
  if (purchase.state === 'draft') {
    await s.write(company, 'purchase.purchase', [purchase.id], {
      lines: [
        ...update.map(({ line, values }) => ['write', [line.id], values]),
        [
          'create',
          add.map((line) => ({ ...lineValues(s, po, line), taxes: taxesOf(s, po, line) })),
        ],
      ],
    });
    return purchaseAnswer(s, company, await advance(s, company, purchase), false);
  }
  if (purchase.state !== 'processing') {
    throw refusal(
      'tryton-refused-change',
      `Tryton cannot change purchase ${purchase.number} (${po.company}/${po.poNumber}) in state ${purchase.state}.`,
    );
  }
  if (add.length > 0) {
    throw refusal(
      'tryton-refused-change',
      `Tryton cannot add line ${add.map((line) => line.lineNumber).join(', ')} to purchase ${purchase.number} (${po.company}/${po.poNumber}): it is confirmed, and a purchase amendment only changes existing lines.`,
    );
  }
  await amend(s, company, purchase, reason, update);
  return purchaseAnswer(
    s,
    company,
    (await findPurchase(s, company, po.poNumber)) ?? purchase,
    false,
  );
};

export interface AmendedLine {
  product: Id | null;
  quantity: number;
  unit: Id | null;
  unit_price: ReturnType<typeof dec>;
  description: string;
}

/** A validated purchase amendment changing the given lines (Tryton then redoes the pending moves). */
export const amend = async (
  s: TrytonSession,
  company: Id,
  purchase: TrytonPurchase,
  description: string,
  update: Array<{ line: TrytonPurchaseLine; values: AmendedLine }>,
): Promise<void> => {
  // A draft amendment is what an attempt that died before validating it left: this one
  // replaces it (the lines to change are computed afresh from Tryton's current lines).
  const abandoned = await s.search(company, 'purchase.amendment', [
    ['purchase', '=', purchase.id],
    ['state', '=', 'draft'],
  ]);
  if (abandoned.length > 0) await s.call(company, 'purchase.amendment', 'delete', abandoned);
  const amendment = await s.create(company, 'purchase.amendment', {
    purchase: purchase.id,
    description: description.slice(0, 200),
    lines: [
      [
        'create',
        update.map(({ line, values }) => ({
          action: 'line',
          line: line.id,
          product: values.product,
          quantity: values.quantity,
          unit: values.unit,
          unit_price: values.unit_price,
          description: values.description,
        })),
      ],
    ],
  });
  await s.button(company, 'purchase.amendment', 'validate_amendment', [amendment]);
};
