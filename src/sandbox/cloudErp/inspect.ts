/**
 * What the sandbox shows a test or a person about what it received: every document as the API
 * would answer it, counts, and the business keys it holds more than once (which a correct
 * client never causes).
 */
import type { Ledger } from './ledger.js';
import { companies } from './masterData.js';

const companyName = (id: string) => companies.find((c) => c.id === id)?.name ?? id;

const repeated = (keys: string[]) => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
};

export const inspect = (ledger: Ledger) => {
  const orders = [...ledger.purchaseOrders.values()];
  const invoices = [...ledger.purchaseInvoices.values()];
  return {
    counts: {
      purchaseOrders: orders.length,
      purchaseOrdersDeleted: ledger.deletedPurchaseOrders.length,
      purchaseInvoices: invoices.length,
      purchaseInvoicesPosted: invoices.filter((i) => i.status !== 'Draft').length,
      journals: ledger.journals.size,
      journalDocumentsPosted: ledger.journalPostings.length,
      generalLedgerEntries: ledger.glEntries.length,
    },
    duplicates: {
      purchaseOrders: repeated(orders.map((po) => `${po.company}/${po.number}`)),
      purchaseInvoices: repeated(
        invoices.map((i) => `${i.company}/${i.vendorNumber}/${i.vendorInvoiceNumber}`),
      ),
      journalDocuments: repeated(
        ledger.journalPostings.map((p) => `${p.company}/${p.documentNumber}`),
      ),
    },
    documents: {
      purchaseOrders: orders.map((po) => ({
        company: companyName(po.company),
        ...ledger.poView(po, true),
      })),
      purchaseOrdersDeleted: ledger.deletedPurchaseOrders.map((d) => ({
        ...d,
        company: companyName(d.company),
      })),
      purchaseInvoices: invoices.map((i) => ({
        company: companyName(i.company),
        ...ledger.invoiceView(i, true),
      })),
      journalPostings: ledger.journalPostings.map((p) => ({
        ...p,
        company: companyName(p.company),
      })),
      generalLedgerEntries: ledger.glEntries.map((e) => ({
        ...e,
        company: companyName(e.company),
      })),
    },
  };
};
