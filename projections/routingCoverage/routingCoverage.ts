/**
 * Routing coverage: how many documents each ERP received, per day, document type, company
 * and site — what an architect watches during a phased cutover. Counted from each document's
 * recording command, whose metadata carries the route the write path decided.
 */
import { type DocumentType, documentTypeInfo, documentTypes } from '../../src/domain/documents.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';

export type CoverageRow = {
  /** `day|documentType|company|site|owner` */
  id: string;
  day: string;
  documentType: DocumentType;
  company: string | null;
  site: string | null;
  owner: string;
  documents: number;
};

/** The command that records each document type (its first command, after ownership). */
const recordingEvents = new Map<string, DocumentType>([
  ['PurchaseOrderSubmitted', 'purchaseOrder'],
  ['ShipmentNoticeSubmitted', 'shipmentNotice'],
  ['GoodsReceiptRecorded', 'goodsReceipt'],
  ['SupplierInvoiceReceived', 'supplierInvoice'],
  ['JournalEntrySubmitted', 'journalEntry'],
]);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const rowOf = (event: RecordedEvent): Omit<CoverageRow, 'documents'> | null => {
  const documentType = recordingEvents.get(event.type);
  const route = event.metadata.route;
  if (!documentType || !route || typeof route !== 'object' || Array.isArray(route)) return null;
  const day = event.recordedAt.toISOString().slice(0, 10);
  const company = text(event.data.company);
  const site = text(event.data.site);
  const owner = text(route.owner) ?? 'unknown';
  return {
    id: [day, documentType, company ?? '', site ?? '', owner].join('|'),
    day,
    documentType,
    company,
    site,
    owner,
  };
};

export const routingCoverage: Projection<CoverageRow> = {
  name: 'routingCoverage',
  version: 1,
  filter: {
    streamCategories: documentTypes.map((type) => documentTypeInfo[type].streamCategory),
    eventTypes: [...recordingEvents.keys()],
  },
  indexes: [{ field: 'day' }, { field: 'owner' }, { field: 'company' }],
  idsOf: (event) => {
    const row = rowOf(event);
    return row ? [row.id] : [];
  },
  evolve: (current, event) => {
    const row = rowOf(event);
    if (!row) return current;
    return { ...row, documents: (current?.documents ?? 0) + 1 };
  },
};
