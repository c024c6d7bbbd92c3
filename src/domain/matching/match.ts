/**
 * Three-way match of one supplier invoice (or credit note): each line against its order
 * line's price and against the goods received for that line, cumulatively: everything
 * invoiced to date on the line (earlier invoices, less credit notes, plus this one) is
 * compared with everything received to date (accepted into stock, net of returns). Pure: the
 * caller hands over the orders, receipts and earlier invoices it found.
 */
import type Big from 'big.js';
import { decimal, format } from '../decimal.js';
import type { PurchaseOrderLineState, PurchaseOrderState } from '../purchaseOrder/types.js';
import { type AmountFinding, amountFindings, type InvoiceAmounts } from './arithmetic.js';
import { type AppliedTolerances, percentOf, withinLimits, withinPercent } from './tolerances.js';

/**
 * Why an invoice is held, most serious first: an invoice that does not add up, then one that
 * names no order the gateway knows, then a price or a quantity outside tolerance, then goods
 * not yet received. The first one names the hold (`held: amount error`).
 */
export const holdReasons = [
  'amount-error',
  'unknown-order-line',
  'price-variance',
  'quantity-variance',
  'awaiting-receipt',
] as const;
export type HoldReason = (typeof holdReasons)[number];

/** `held: price variance`: the label people read. */
export const holdLabel = (reason: HoldReason): string => `held: ${reason.replace(/-/g, ' ')}`;

export interface InvoiceLine {
  lineNumber: number;
  poNumber: string;
  poLineNumber: number;
  quantity: { value: string; uom: string };
  unitPrice: string;
  lineAmount: string;
}

/** An invoice or credit note as matched (the recorded SupplierInvoiceReceived data). */
export interface InvoiceFact extends InvoiceAmounts {
  supplier: string;
  invoiceNumber: string;
  company: string;
  /** A credit note reduces what is invoiced to date. Absent: an invoice. */
  documentKind?: 'invoice' | 'creditNote';
  lines: readonly InvoiceLine[];
}

/** A goods receipt as matched (the recorded GoodsReceiptRecorded data). */
export interface ReceiptFact {
  company: string;
  lines: readonly {
    poNumber: string;
    poLineNumber: number;
    /** Accepted into stock: damaged goods are not in it. */
    quantity: { value: string; uom: string };
    /** Sent back to the supplier after receipt: no longer received. */
    returnedQuantity?: { value: string; uom: string };
  }[];
}

export interface MatchInput {
  invoice: InvoiceFact;
  /** Orders by poNumber (the invoice's company); null when the gateway has none. */
  orders: ReadonlyMap<string, PurchaseOrderState | null>;
  /** Receipts with a line on any of the invoice's order lines. */
  receipts: readonly ReceiptFact[];
  /** Invoices and credit notes on the same order lines recorded before this one, not rejected. */
  earlierInvoices: readonly InvoiceFact[];
  tolerances: AppliedTolerances;
}

export type FindingCode =
  | AmountFinding['code']
  | 'UNKNOWN_ORDER'
  | 'UNKNOWN_ORDER_LINE'
  | 'OTHER_SUPPLIER'
  | 'CURRENCY_MISMATCH'
  | 'UOM_MISMATCH'
  | 'PRICE_VARIANCE'
  | 'NOT_RECEIVED'
  | 'QUANTITY_VARIANCE'
  | 'OVER_CREDITED';

export interface Finding {
  code: FindingCode;
  reason: HoldReason;
  detail: string;
}

export interface LineMatch {
  lineNumber: number;
  poNumber: string;
  poLineNumber: number;
  /** `matched`, or the most serious reason this line holds the invoice. */
  result: 'matched' | HoldReason;
  uom: string;
  orderedQuantity: string | null;
  receivedToDate: string;
  /** Including this invoice (a credit note's lines subtract). */
  invoicedToDate: string;
  orderUnitPrice: string | null;
  invoiceUnitPrice: string;
  /** Invoice unit price less the order's; null when they cannot be compared. */
  priceVariance: string | null;
  priceVariancePercent: string | null;
  /** Invoiced to date less received to date, as a percent of received. */
  quantityVariancePercent: string | null;
  findings: Finding[];
}

export interface Evaluation {
  result: 'matched' | 'held';
  /** Distinct, most serious first; empty when matched. */
  reasons: HoldReason[];
  lines: LineMatch[];
  /** The invoice's own arithmetic errors (line amounts and totals). */
  amountErrors: AmountFinding[];
  tolerances: AppliedTolerances;
}

const lineKey = (poNumber: string, poLineNumber: number) => `${poNumber}#${poLineNumber}`;
const zero = () => decimal('0');

/** Received to date per order line, in the unit of the receipt lines counted. */
const receivedByLine = (receipts: readonly ReceiptFact[], company: string) => {
  const received = new Map<string, { uom: string; value: Big }[]>();
  for (const receipt of receipts) {
    if (receipt.company !== company) continue;
    for (const line of receipt.lines) {
      const key = lineKey(line.poNumber, line.poLineNumber);
      let net = decimal(line.quantity.value);
      if (line.returnedQuantity && line.returnedQuantity.uom === line.quantity.uom) {
        net = net.minus(line.returnedQuantity.value);
      }
      const entries = received.get(key) ?? [];
      const same = entries.find((entry) => entry.uom === line.quantity.uom);
      if (same) same.value = same.value.plus(net);
      else entries.push({ uom: line.quantity.uom, value: net });
      received.set(key, entries);
    }
  }
  return received;
};

/** Invoiced per order line and unit by these invoices; credit notes count negative. */
const invoicedByLine = (invoices: readonly InvoiceFact[], company: string) => {
  const invoiced = new Map<string, Big>();
  for (const invoice of invoices) {
    if (invoice.company !== company) continue;
    const sign = invoice.documentKind === 'creditNote' ? -1 : 1;
    for (const line of invoice.lines) {
      const key = `${lineKey(line.poNumber, line.poLineNumber)}@${line.quantity.uom}`;
      invoiced.set(
        key,
        (invoiced.get(key) ?? zero()).plus(decimal(line.quantity.value).times(sign)),
      );
    }
  }
  return invoiced;
};

const finding = (code: FindingCode, reason: HoldReason, detail: string): Finding => ({
  code,
  reason,
  detail,
});

const worst = (reasons: Iterable<HoldReason>): HoldReason[] => {
  const set = new Set(reasons);
  return holdReasons.filter((reason) => set.has(reason));
};

export const matchInvoice = (input: MatchInput): Evaluation => {
  const { invoice, tolerances } = input;
  const values = tolerances.values;
  const creditNote = invoice.documentKind === 'creditNote';
  const received = receivedByLine(input.receipts, invoice.company);
  const invoicedBefore = invoicedByLine(input.earlierInvoices, invoice.company);
  const invoicedHere = invoicedByLine([invoice], invoice.company);
  const amountErrors = amountFindings(invoice);
  const lineAmountErrors = new Set(
    amountErrors.filter((e) => e.code === 'LINE_AMOUNT').map((e) => e.pointer),
  );

  const lines = invoice.lines.map((line, index): LineMatch => {
    const findings: Finding[] = [];
    const key = lineKey(line.poNumber, line.poLineNumber);
    const uom = line.quantity.uom;
    const invoicedToDate = (invoicedBefore.get(`${key}@${uom}`) ?? zero()).plus(
      invoicedHere.get(`${key}@${uom}`) ?? zero(),
    );
    const receivedToDate = received.get(key)?.find((entry) => entry.uom === uom)?.value ?? zero();
    const price = decimal(line.unitPrice);
    const result: LineMatch = {
      lineNumber: line.lineNumber,
      poNumber: line.poNumber,
      poLineNumber: line.poLineNumber,
      result: 'matched',
      uom,
      orderedQuantity: null,
      receivedToDate: format(receivedToDate),
      invoicedToDate: format(invoicedToDate),
      orderUnitPrice: null,
      invoiceUnitPrice: line.unitPrice,
      priceVariance: null,
      priceVariancePercent: null,
      quantityVariancePercent: null,
      findings,
    };
    if (lineAmountErrors.has(`/lines/${index}/lineAmount`)) {
      findings.push(
        finding('LINE_AMOUNT', 'amount-error', 'The line amount is not quantity × unit price.'),
      );
    }
    const order = input.orders.get(line.poNumber) ?? null;
    const poLine = orderLine(order, line, invoice.supplier, findings);
    if (poLine && order) {
      result.orderedQuantity = poLine.quantity.value;
      result.orderUnitPrice = poLine.unitPrice;
      checkPrice(result, { price, poLine, order, currency: invoice.currency, values, findings });
      if (uom !== poLine.quantity.uom) {
        findings.push(
          finding(
            'UOM_MISMATCH',
            'quantity-variance',
            `Invoiced in ${uom}, ordered in ${poLine.quantity.uom}: the gateway does not convert units, so the quantities cannot be compared.`,
          ),
        );
      } else {
        checkQuantity(result, { receivedToDate, invoicedToDate, creditNote, values, findings });
      }
    }
    result.result = worst(findings.map((f) => f.reason))[0] ?? 'matched';
    return result;
  });

  const reasons = worst([
    ...(amountErrors.length > 0 ? (['amount-error'] as const) : []),
    ...lines.flatMap((line) => line.findings.map((f) => f.reason)),
  ]);
  return {
    result: reasons.length === 0 ? 'matched' : 'held',
    reasons,
    lines,
    amountErrors,
    tolerances,
  };
};

/** The order line an invoice line names, or null with the finding that says why not. */
const orderLine = (
  order: PurchaseOrderState | null,
  line: InvoiceLine,
  supplier: string,
  findings: Finding[],
): PurchaseOrderLineState | null => {
  if (!order) {
    findings.push(
      finding(
        'UNKNOWN_ORDER',
        'unknown-order-line',
        `Purchase order ${line.poNumber} is unknown to the gateway: nothing to match the line with.`,
      ),
    );
    return null;
  }
  if (order.supplier !== supplier) {
    findings.push(
      finding(
        'OTHER_SUPPLIER',
        'unknown-order-line',
        `Purchase order ${line.poNumber} is not an order of supplier ${supplier}.`,
      ),
    );
    return null;
  }
  const poLine = order.lines.find((candidate) => candidate.lineNumber === line.poLineNumber);
  if (!poLine) {
    findings.push(
      finding(
        'UNKNOWN_ORDER_LINE',
        'unknown-order-line',
        `Purchase order ${line.poNumber} has no line ${line.poLineNumber}.`,
      ),
    );
    return null;
  }
  return poLine;
};

const checkPrice = (
  result: LineMatch,
  context: {
    price: Big;
    poLine: PurchaseOrderLineState;
    order: PurchaseOrderState;
    currency: string;
    values: AppliedTolerances['values'];
    findings: Finding[];
  },
): void => {
  const { price, poLine, order, currency, values, findings } = context;
  if (order.currency !== currency) {
    findings.push(
      finding(
        'CURRENCY_MISMATCH',
        'price-variance',
        `Invoiced in ${currency}, ordered in ${order.currency}: the prices cannot be compared.`,
      ),
    );
    return;
  }
  if (result.uom !== poLine.quantity.uom) return; // a price per another unit: not comparable
  const orderPrice = decimal(poLine.unitPrice);
  const variance = price.minus(orderPrice);
  result.priceVariance = format(variance);
  result.priceVariancePercent = percentOf(variance, orderPrice);
  const inPercent = withinPercent(variance, orderPrice, values.price.percent);
  const inAmount = withinLimits(variance, values.price.amount);
  if (inPercent && inAmount) return;
  const side = variance.gt(0) ? 'upper' : 'lower';
  const broken = [
    inPercent ? null : `${values.price.percent[side]} %`,
    inAmount ? null : `${values.price.amount[side]} ${currency} per unit`,
  ].filter((text) => text !== null);
  findings.push(
    finding(
      'PRICE_VARIANCE',
      'price-variance',
      `Unit price ${result.invoiceUnitPrice} differs from the order's ${poLine.unitPrice} by ${format(variance)} (${result.priceVariancePercent ?? '∞'} %), beyond the ${side} limit of ${broken.join(' and ')}.`,
    ),
  );
};

const checkQuantity = (
  result: LineMatch,
  context: {
    receivedToDate: Big;
    invoicedToDate: Big;
    creditNote: boolean;
    values: AppliedTolerances['values'];
    findings: Finding[];
  },
): void => {
  const { receivedToDate, invoicedToDate, creditNote, values, findings } = context;
  const uom = result.uom;
  if (creditNote) {
    // A credit note returns money already invoiced: it waits for no goods, but cannot take
    // back more than was invoiced.
    if (invoicedToDate.lt(0)) {
      findings.push(
        finding(
          'OVER_CREDITED',
          'quantity-variance',
          `Credits ${format(invoicedToDate.abs())} ${uom} more than was invoiced on the line.`,
        ),
      );
    }
    return;
  }
  if (receivedToDate.lte(0)) {
    findings.push(
      finding(
        'NOT_RECEIVED',
        'awaiting-receipt',
        `Nothing received yet on the order line; ${result.invoicedToDate} ${uom} invoiced to date.`,
      ),
    );
    return;
  }
  const variance = invoicedToDate.minus(receivedToDate);
  result.quantityVariancePercent = percentOf(variance, receivedToDate);
  if (withinPercent(variance, receivedToDate, values.quantity.percent)) return;
  const side = variance.gt(0) ? 'upper' : 'lower';
  findings.push(
    finding(
      'QUANTITY_VARIANCE',
      'quantity-variance',
      `${result.invoicedToDate} ${uom} invoiced to date against ${result.receivedToDate} ${uom} received (${result.quantityVariancePercent} %), beyond the ${side} limit of ${values.quantity.percent[side]} %.`,
    ),
  );
};
