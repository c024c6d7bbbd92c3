/**
 * The match process's index: which receipts and invoices name each purchase order, so a
 * receipt finds the invoices it may release. Kept in memory, rebuilt from the log whenever
 * the process (re)starts following it, and kept current by the events it handles. Adding the
 * same fact twice changes nothing, so a batch handled again after a crash is harmless.
 */
import { streamNameOf } from '../domain/documents.js';
import type { RecordedEvent } from '../ports/eventStore.js';

export interface IndexedInvoice {
  stream: string;
  company: string;
  supplier: string;
  poNumbers: string[];
  /** Log position of the invoice's recording: earlier invoices count toward its invoiced-to-date. */
  position: bigint;
  /** Matched, released or rejected: no later fact changes its outcome. */
  final: boolean;
}

const poKey = (company: string, poNumber: string) => `${company}\u0000${poNumber}`;

const poNumbersOf = (data: Record<string, unknown>): string[] => {
  const lines = Array.isArray(data.lines) ? (data.lines as Array<{ poNumber?: unknown }>) : [];
  return [...new Set(lines.map((line) => String(line.poNumber ?? '')).filter(Boolean))];
};

export const finalEventTypes: ReadonlySet<string> = new Set([
  'InvoiceMatched',
  'InvoiceReleased',
  'InvoiceRejected',
]);

export class MatchIndex {
  private readonly invoices = new Map<string, IndexedInvoice>();
  private readonly invoicesByOrder = new Map<string, Set<string>>();
  private readonly receiptsByOrder = new Map<string, Set<string>>();
  /** Streams of the orders some invoice names: an order event elsewhere affects no invoice. */
  private readonly invoicedOrderStreams = new Set<string>();
  /** Invoices rejected: they no longer count toward anyone's invoiced-to-date. */
  private readonly rejected = new Set<string>();

  /** The event types that build the index (besides what the process reacts to). */
  static readonly eventTypes = [
    'SupplierInvoiceReceived',
    'GoodsReceiptRecorded',
    ...finalEventTypes,
  ] as const;

  add(event: RecordedEvent): void {
    // Events the index is not built from (orders, tolerances) are not even parsed.
    if (!indexedTypes.has(event.type)) return;
    const data = event.data as Record<string, unknown>;
    const company = String(data.company ?? '');
    if (event.type === 'GoodsReceiptRecorded') {
      for (const poNumber of poNumbersOf(data)) {
        this.entry(this.receiptsByOrder, poKey(company, poNumber)).add(event.streamName);
      }
    } else if (event.type === 'SupplierInvoiceReceived') {
      if (this.invoices.has(event.streamName)) return;
      const poNumbers = poNumbersOf(data);
      this.invoices.set(event.streamName, {
        stream: event.streamName,
        company,
        supplier: String(data.supplier ?? ''),
        poNumbers,
        position: event.position,
        final: false,
      });
      for (const poNumber of poNumbers) {
        this.entry(this.invoicesByOrder, poKey(company, poNumber)).add(event.streamName);
        this.invoicedOrderStreams.add(
          streamNameOf({ type: 'purchaseOrder', key: { company, poNumber } }),
        );
      }
    } else if (finalEventTypes.has(event.type)) {
      const invoice = this.invoices.get(event.streamName);
      if (invoice) invoice.final = true;
      if (event.type === 'InvoiceRejected') this.rejected.add(event.streamName);
    }
  }

  /** Whether any invoice names the order recorded in `stream`. */
  isInvoicedOrder(stream: string): boolean {
    return this.invoicedOrderStreams.has(stream);
  }

  invoice(stream: string): IndexedInvoice | undefined {
    return this.invoices.get(stream);
  }

  isRejected(stream: string): boolean {
    return this.rejected.has(stream);
  }

  /** Open invoices naming the order. */
  openInvoicesOf(company: string, poNumber: string): IndexedInvoice[] {
    return [...(this.invoicesByOrder.get(poKey(company, poNumber)) ?? [])]
      .map((stream) => this.invoices.get(stream))
      .filter((invoice): invoice is IndexedInvoice => invoice !== undefined && !invoice.final);
  }

  /** Open invoices of a company (of one supplier, when given). */
  openInvoicesOfCompany(company: string, supplier: string | null): IndexedInvoice[] {
    return [...this.invoices.values()].filter(
      (invoice) =>
        !invoice.final &&
        invoice.company === company &&
        (supplier === null || invoice.supplier === supplier),
    );
  }

  /** Invoices (any status but rejected) naming any of the orders, recorded before `position`. */
  earlierInvoices(company: string, poNumbers: readonly string[], position: bigint): string[] {
    const streams = new Set<string>();
    for (const poNumber of poNumbers) {
      for (const stream of this.invoicesByOrder.get(poKey(company, poNumber)) ?? []) {
        const invoice = this.invoices.get(stream);
        if (invoice && invoice.position < position && !this.rejected.has(stream)) {
          streams.add(stream);
        }
      }
    }
    return [...streams];
  }

  receiptsOf(company: string, poNumbers: readonly string[]): string[] {
    const streams = new Set<string>();
    for (const poNumber of poNumbers) {
      for (const stream of this.receiptsByOrder.get(poKey(company, poNumber)) ?? []) {
        streams.add(stream);
      }
    }
    return [...streams];
  }

  private entry(map: Map<string, Set<string>>, key: string): Set<string> {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    return set;
  }
}

const indexedTypes: ReadonlySet<string> = new Set(MatchIndex.eventTypes);
