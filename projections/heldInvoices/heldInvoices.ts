/**
 * Held invoices: the supplier invoices not (yet) cleared for delivery, for accounts payable's
 * work queue by reason, supplier and age. An invoice enters when recorded (`pending` until
 * the match process has looked at it), is updated by each InvoiceHeld, and leaves when it is
 * matched, released or rejected: the model holds only the open queue.
 */
import { type HoldReason, holdLabel } from '../../src/domain/matching/match.js';
import type { JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';

export type HeldInvoiceRow = {
  /** The invoice's stream name. */
  id: string;
  supplier: string;
  invoiceNumber: string;
  company: string;
  currency: string;
  grossAmount: string;
  invoiceDate: string;
  documentKind: string;
  recordedAt: string;
  status: 'pending' | 'held';
  label: string;
  /** The most serious hold reason (`none` while pending). */
  reason: HoldReason | 'none';
  reasons: HoldReason[];
  /** When the current run of holds began (the first InvoiceHeld); sorts the queue by age. */
  heldSince: string | null;
  /** When the outcome last changed. */
  since: string;
  poNumbers: string[];
  /** Per line: the order line and its result. */
  lines: Array<{ lineNumber: number; poNumber: string; poLineNumber: number; result: string }>;
};

const clearedTypes = new Set(['InvoiceMatched', 'InvoiceReleased', 'InvoiceRejected']);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export const heldInvoices: Projection<HeldInvoiceRow> = {
  name: 'heldInvoices',
  version: 1,
  filter: {
    streamCategories: ['SupplierInvoice'],
    eventTypes: ['SupplierInvoiceReceived', 'InvoiceHeld', ...clearedTypes],
  },
  indexes: [
    { field: 'status' },
    { field: 'reason' },
    { field: 'reasons', multi: true },
    { field: 'supplier' },
    { field: 'company' },
    { field: 'heldSince', sort: true },
  ],
  idsOf: (event) => [event.streamName],
  evolve: (current, event) => {
    if (event.type === 'SupplierInvoiceReceived') {
      if (current) return current;
      return received(event);
    }
    if (!current) return null;
    if (clearedTypes.has(event.type)) return null;
    if (event.type !== 'InvoiceHeld') return current;
    const data = event.data as JsonObject & {
      evaluatedAt: string;
      evaluation: {
        reasons: HoldReason[];
        lines: HeldInvoiceRow['lines'];
      };
    };
    const reasons = data.evaluation.reasons;
    const reason = reasons[0] ?? 'awaiting-receipt';
    return {
      ...current,
      status: 'held',
      label: holdLabel(reason),
      reason,
      reasons,
      heldSince: current.heldSince ?? data.evaluatedAt,
      since: data.evaluatedAt,
      lines: data.evaluation.lines.map(({ lineNumber, poNumber, poLineNumber, result }) => ({
        lineNumber,
        poNumber,
        poLineNumber,
        result,
      })),
    };
  },
};

const received = (event: RecordedEvent): HeldInvoiceRow => {
  const data = event.data as JsonObject;
  const totals = (data.totals ?? {}) as JsonObject;
  const lines = Array.isArray(data.lines) ? (data.lines as JsonObject[]) : [];
  return {
    id: event.streamName,
    supplier: text(data.supplier),
    invoiceNumber: text(data.invoiceNumber),
    company: text(data.company),
    currency: text(data.currency),
    grossAmount: text(totals.grossAmount),
    invoiceDate: text(data.invoiceDate),
    documentKind: text(data.documentKind) || 'invoice',
    recordedAt: event.recordedAt.toISOString(),
    status: 'pending',
    label: 'pending match',
    reason: 'none',
    reasons: [],
    heldSince: null,
    since: event.recordedAt.toISOString(),
    poNumbers: [...new Set(lines.map((line) => text(line.poNumber)))],
    lines: lines.map((line) => ({
      lineNumber: Number(line.lineNumber),
      poNumber: text(line.poNumber),
      poLineNumber: Number(line.poLineNumber),
      result: 'pending',
    })),
  };
};
