/**
 * Supplier invoices → a supplier invoice (`account.invoice`, type `in`) found again by the
 * supplier's invoice number in `reference`, for the supplier and company. Each line's `origin`
 * is its purchase line, so Tryton's own purchase ↔ invoice link holds (the purchase lists the
 * invoice). Charges (freight, ...) become lines without product on the company's charge
 * account. Then validate (Tryton numbers it) → post, resuming from the state it finds.
 * RPC runs no on_change: accounts, journal and payment term are sent from the crosswalk.
 *
 * A credit note (`documentKind: creditNote`, positive quantities in the gateway's contract) is
 * what Tryton 6.0 makes of one with its own "credit" wizard: an `in` invoice whose lines have
 * negative quantities, so its total is negative and it takes the credit-note sequence. Its
 * lines keep their purchase line as origin, which lowers what Tryton counts as invoiced there.
 */
import type { SubmitSupplierInvoice } from '../../../domain/children/types.js';
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import { findPurchase, purchaseLines } from './purchaseOrder.js';
import { dec, tdate } from './rpc.js';
import { type Id, refusal, type TrytonSession } from './session.js';

interface TrytonInvoice {
  id: Id;
  number: string | null;
  reference: string | null;
  state: 'draft' | 'validated' | 'posted' | 'paid' | 'cancelled';
  total_amount: string;
  untaxed_amount: string;
  tax_amount: string;
}

const INVOICE_FIELDS = [
  'number',
  'reference',
  'state',
  'total_amount',
  'untaxed_amount',
  'tax_amount',
];

export const findSupplierInvoice = async (
  s: TrytonSession,
  company: Id,
  party: Id,
  invoiceNumber: string,
): Promise<TrytonInvoice | null> => {
  const [found] = await s.searchRead<TrytonInvoice>(
    company,
    'account.invoice',
    [
      ['company', '=', company],
      ['type', '=', 'in'],
      ['party', '=', party],
      ['reference', '=', invoiceNumber],
      ['state', '!=', 'cancelled'],
    ],
    INVOICE_FIELDS,
  );
  return found ?? null;
};

const invoiceLines = async (s: TrytonSession, company: Id, invoice: SubmitSupplierInvoice) => {
  const cw = s.crosswalk;
  const accounts = cw.company(invoice.company);
  const sign = invoice.documentKind === 'creditNote' ? -1 : 1;
  const lines: Record<string, unknown>[] = [];
  for (const line of invoice.lines) {
    const purchase = await findPurchase(s, company, line.poNumber);
    const poLine = purchase
      ? (await purchaseLines(s, company, purchase)).find((l) => l.sequence === line.poLineNumber)
      : undefined;
    if (!purchase || !poLine) {
      throw refusal(
        'parent-not-in-tryton',
        `Purchase order line ${invoice.company}/${line.poNumber}/${line.poLineNumber} is not in Tryton: deliver the order first, then replay invoice ${invoice.invoiceNumber}.`,
      );
    }
    lines.push({
      type: 'line',
      sequence: line.lineNumber,
      origin: `purchase.line,${poLine.id}`,
      product: poLine.product,
      quantity: sign * Number(line.quantity.value),
      unit: cw.unit(line.quantity.uom),
      unit_price: dec(line.unitPrice),
      description: line.description ?? poLine.description,
      account: accounts.expenseAccount,
      taxes: line.taxCode ? [['add', [cw.tax(invoice.company, line.taxCode)]]] : [],
    });
  }
  (invoice.charges ?? []).forEach((charge, index) => {
    const account = accounts.chargeAccounts[charge.type];
    if (account === undefined) {
      throw refusal(
        'unknown-code',
        `Unknown charge type ${charge.type} of company ${invoice.company} in the crosswalk of target legacy (Tryton): give it an account, then replay.`,
      );
    }
    lines.push({
      type: 'line',
      sequence: invoice.lines.length + index + 1,
      quantity: sign,
      unit_price: dec(charge.amount),
      description: charge.description ?? charge.type,
      account,
      taxes: charge.taxCode ? [['add', [cw.tax(invoice.company, charge.taxCode)]]] : [],
    });
  });
  return lines;
};

export const submitSupplierInvoice = async (
  s: TrytonSession,
  invoice: SubmitSupplierInvoice,
): Promise<ErpAcknowledgement> => {
  const cw = s.crosswalk;
  const company = cw.company(invoice.company);
  const supplier = cw.supplier(invoice.supplier);
  let found = await findSupplierInvoice(s, company.id, supplier.party, invoice.invoiceNumber);
  const alreadyDelivered = found !== null && ['posted', 'paid'].includes(found.state);
  if (found === null) {
    const id = await s.create(company.id, 'account.invoice', {
      company: company.id,
      type: 'in',
      party: supplier.party,
      invoice_address: supplier.address,
      currency: cw.currency(invoice.currency),
      journal: company.expenseJournal,
      account: company.payableAccount,
      payment_term: cw.paymentTerm(invoice.paymentTerms ?? s.defaults.paymentTerm),
      reference: invoice.invoiceNumber,
      invoice_date: tdate(invoice.invoiceDate),
      lines: [['create', await invoiceLines(s, company.id, invoice)]],
    });
    found = await s.readOne<TrytonInvoice>(company.id, 'account.invoice', id, INVOICE_FIELDS);
  }
  if (!found) throw refusal('tryton-state', `Tryton lost invoice ${invoice.invoiceNumber}.`);
  if (found.state === 'draft') {
    await s.button(company.id, 'account.invoice', 'validate_invoice', [found.id]);
  }
  if (['draft', 'validated'].includes(found.state)) {
    await s.button(company.id, 'account.invoice', 'post', [found.id]);
  }
  const posted = await s.readOne<TrytonInvoice>(
    company.id,
    'account.invoice',
    found.id,
    INVOICE_FIELDS,
  );
  if (!posted || !['posted', 'paid'].includes(posted.state)) {
    throw refusal('tryton-state', `Tryton did not post invoice ${invoice.invoiceNumber}.`);
  }
  return {
    reference: posted.number ?? `account.invoice,${posted.id}`,
    record: `account.invoice,${posted.id}`,
    alreadyDelivered,
    details: {
      state: posted.state,
      untaxedAmount: posted.untaxed_amount,
      taxAmount: posted.tax_amount,
      totalAmount: posted.total_amount,
    },
  };
};
