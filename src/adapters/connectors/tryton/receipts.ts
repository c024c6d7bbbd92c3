/**
 * Shipment notices and goods receipts → `stock.shipment.in`, found again by `reference`
 * (the ASN or receipt number) in the site's warehouse.
 *
 * Confirming a purchase gives each line a draft incoming move. A receipt writes each move's
 * quantity to what arrived (received + damaged: both were delivered against the line), records
 * the lot, puts the moves in a shipment and runs receive → done; `purchase.process` then lets
 * Tryton create the backorder move for what is still due. A notice does the same up to a draft
 * shipment with the expected moves. A receipt takes the draft moves wherever they are, also out
 * of a notice's draft shipment. Serial numbers are not recorded (Tryton 6.0 lots only).
 */
import type {
  Lot,
  RecordGoodsReceipt,
  SubmitShipmentNotice,
} from '../../../domain/children/types.js';
import { decimal, format } from '../../../domain/decimal.js';
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import { findPurchase, purchaseLines } from './purchaseOrder.js';
import { tdate } from './rpc.js';
import { type Id, refusal, type TrytonSession } from './session.js';

interface TrytonShipment {
  id: Id;
  number: string | null;
  reference: string | null;
  state: 'draft' | 'received' | 'done' | 'cancelled';
  incoming_moves: Id[];
}

interface TrytonMove {
  id: Id;
  quantity: number;
  state: string;
  product: Id;
  lot: Id | null;
}

const SHIPMENT_FIELDS = ['number', 'reference', 'state', 'incoming_moves'];

type ReceivingLine = {
  poNumber: string;
  poLineNumber: number;
  quantity: { value: string; uom: string };
  damagedQuantity?: { value: string; uom: string };
  lots?: Lot[];
};

interface ReceivingDocument {
  /** The notice this receipt fulfils, if any. */
  asnNumber?: string;
  company: string;
  supplier: string;
  site: string;
  reference: string;
  date?: string;
  lines: ReceivingLine[];
}

/** The shipment holding `reference`; the most advanced one when a notice was also received. */
const findShipment = async (s: TrytonSession, company: Id, warehouse: Id, reference: string) => {
  const found = await s.searchRead<TrytonShipment>(
    company,
    'stock.shipment.in',
    [
      ['company', '=', company],
      ['warehouse', '=', warehouse],
      ['reference', '=', reference],
    ],
    SHIPMENT_FIELDS,
  );
  return found.find((shipment) => shipment.state !== 'cancelled') ?? found[0] ?? null;
};

const ensureLot = async (s: TrytonSession, company: Id, product: Id, number: string) => {
  const [found] = await s.search(company, 'stock.lot', [
    ['number', '=', number],
    ['product', '=', product],
  ]);
  return found ?? s.create(company, 'stock.lot', { number, product });
};

/** Writes each referenced line's draft move to what arrived; returns the moves and purchases. */
const prepareMoves = async (s: TrytonSession, company: Id, doc: ReceivingDocument) => {
  const moveIds: Id[] = [];
  const purchases = new Set<Id>();
  for (const line of doc.lines) {
    const purchase = await findPurchase(s, company, line.poNumber);
    if (purchase === null) {
      throw refusal(
        'parent-not-in-tryton',
        `Purchase order ${doc.company}/${line.poNumber} is not in Tryton: deliver it first, then replay ${doc.reference}.`,
      );
    }
    purchases.add(purchase.id);
    const poLine = (await purchaseLines(s, company, purchase)).find(
      (candidate) => candidate.sequence === line.poLineNumber,
    );
    if (!poLine) {
      throw refusal(
        'unknown-po-line',
        `Purchase ${purchase.number} (${doc.company}/${line.poNumber}) has no line ${line.poLineNumber} in Tryton.`,
      );
    }
    const drafts = await s.searchRead<TrytonMove>(
      company,
      'stock.move',
      [
        ['origin', '=', `purchase.line,${poLine.id}`],
        ['state', '=', 'draft'],
      ],
      ['quantity', 'state', 'product', 'lot'],
    );
    const template = drafts[0];
    if (!template) {
      throw refusal(
        'nothing-due',
        `Line ${line.poLineNumber} of purchase ${purchase.number} (${doc.company}/${line.poNumber}) has nothing left to receive in Tryton.`,
      );
    }
    const arrived = line.damagedQuantity
      ? format(decimal(line.quantity.value).plus(line.damagedQuantity.value))
      : line.quantity.value;
    const lots = line.lots ?? [];
    // One move per lot. A move already carrying the lot is reused, so that a retry after a
    // crash between the split and the shipment does not split again.
    const wanted =
      lots.length > 1
        ? lots.map((lot) => ({ lot: lot.lot, quantity: lot.quantity.value }))
        : [{ lot: lots[0]?.lot ?? null, quantity: arrived }];
    const unused = [...drafts];
    for (const { lot, quantity } of wanted) {
      const lotId = lot === null ? null : await ensureLot(s, company, template.product, lot);
      const values = { quantity: Number(quantity), ...(lotId === null ? {} : { lot: lotId }) };
      const move =
        unused.find((m) => lotId !== null && m.lot === lotId) ??
        unused.find((m) => m.lot === null) ??
        unused[0];
      if (move) {
        unused.splice(unused.indexOf(move), 1);
        await s.write(company, 'stock.move', [move.id], values);
        moveIds.push(move.id);
      } else {
        const [copy] = await s.call<Id[]>(company, 'stock.move', 'copy', [template.id], values);
        if (copy !== undefined) moveIds.push(copy);
      }
    }
  }
  return { moveIds, purchases: [...purchases] };
};

const shipmentAcknowledgement = (
  shipment: TrytonShipment,
  alreadyDelivered: boolean,
): ErpAcknowledgement => ({
  reference: shipment.number ?? `stock.shipment.in,${shipment.id}`,
  record: `stock.shipment.in,${shipment.id}`,
  alreadyDelivered,
  details: { state: shipment.state, moves: shipment.incoming_moves.length },
});

const deliverShipment = async (
  s: TrytonSession,
  doc: ReceivingDocument,
  finalState: 'draft' | 'done',
): Promise<ErpAcknowledgement> => {
  const cw = s.crosswalk;
  const company = cw.company(doc.company).id;
  const { warehouse } = cw.site(doc.site);
  const supplier = cw.supplier(doc.supplier);
  let shipment = await findShipment(s, company, warehouse, doc.reference);
  if (shipment?.state === 'cancelled') {
    // A notice is cancelled once a receipt took its goods: it was delivered. A receipt is not.
    if (finalState === 'draft') return shipmentAcknowledgement(shipment, true);
    throw refusal(
      'cancelled-in-tryton',
      `Shipment ${shipment.number} (${doc.reference}) is cancelled in Tryton.`,
    );
  }
  const alreadyDelivered = shipment !== null && shipment.state === finalState;
  let purchases: Id[] = [];
  if (shipment === null) {
    const prepared = await prepareMoves(s, company, doc);
    purchases = prepared.purchases;
    const id = await s.create(company, 'stock.shipment.in', {
      company,
      supplier: supplier.party,
      warehouse,
      reference: doc.reference,
      ...(doc.date
        ? { [finalState === 'done' ? 'effective_date' : 'planned_date']: tdate(doc.date) }
        : {}),
      incoming_moves: [['add', prepared.moveIds]],
    });
    shipment = await s.readOne<TrytonShipment>(company, 'stock.shipment.in', id, SHIPMENT_FIELDS);
    if (!shipment) throw refusal('tryton-state', `Tryton lost shipment ${doc.reference}.`);
  }
  if (finalState === 'done') {
    if (shipment.state === 'draft')
      await s.button(company, 'stock.shipment.in', 'receive', [shipment.id]);
    if (shipment.state !== 'done')
      await s.button(company, 'stock.shipment.in', 'done', [shipment.id]);
  }
  if (finalState === 'done' && doc.asnNumber)
    await retireNotice(s, company, warehouse, doc.asnNumber);
  if (purchases.length === 0) {
    purchases = (
      await Promise.all(
        doc.lines.map((line) => findPurchase(s, company, line.poNumber).then((p) => p?.id)),
      )
    ).filter((id): id is Id => id !== undefined);
  }
  // Tryton creates the backorder move for what is still due when the purchase is processed.
  await s.button(company, 'purchase.purchase', 'process', [...new Set(purchases)]);
  const final = await s.readOne<TrytonShipment>(
    company,
    'stock.shipment.in',
    shipment.id,
    SHIPMENT_FIELDS,
  );
  return shipmentAcknowledgement(final ?? shipment, alreadyDelivered);
};

/**
 * A receipt takes the moves out of the notice's draft shipment; the emptied notice is
 * cancelled so that Tryton shows nothing more as expected from it.
 */
const retireNotice = async (s: TrytonSession, company: Id, warehouse: Id, asnNumber: string) => {
  const notice = await findShipment(s, company, warehouse, asnNumber);
  if (notice?.state === 'draft' && notice.incoming_moves.length === 0) {
    await s.button(company, 'stock.shipment.in', 'cancel', [notice.id]);
  }
};

export const submitShipmentNotice = (s: TrytonSession, asn: SubmitShipmentNotice) =>
  deliverShipment(
    s,
    {
      company: asn.company,
      supplier: asn.supplier,
      site: asn.site,
      reference: asn.asnNumber,
      ...(asn.expectedDeliveryDate ? { date: asn.expectedDeliveryDate } : {}),
      lines: asn.lines,
    },
    'draft',
  );

export const recordGoodsReceipt = (s: TrytonSession, receipt: RecordGoodsReceipt) =>
  deliverShipment(
    s,
    {
      company: receipt.company,
      supplier: receipt.supplier,
      site: receipt.site,
      reference: receipt.receiptNumber,
      date: receipt.receivedAt,
      ...(receipt.asnNumber ? { asnNumber: receipt.asnNumber } : {}),
      lines: receipt.lines,
    },
    'done',
  );
