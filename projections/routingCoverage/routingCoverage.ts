/**
 * Routing coverage: how many documents each ERP holds, as it changes per day, document type,
 * company and site — what an architect watches during a phased cutover. A document counts from
 * its recording command, whose metadata carries the route the write path decided.
 *
 * A migrated document (`DocumentOwnershipChanged`) moves on the day of the migration: that
 * day, the new owner's row counts it in (`migratedIn`) and the old owner's row counts it out
 * (`migratedOut`). `documents` is each row's net change (`recorded + migratedIn -
 * migratedOut`, negative on a day an owner lost more than it gained), so summing `documents`
 * over all days gives what each owner holds now, and the days before a migration still show
 * where documents were routed then. Moves recorded before they carried the site count under
 * no site.
 */
import { type DocumentType, documentTypeInfo, documentTypes } from '../../src/domain/documents.js';
import { ownershipChangedEventType } from '../../src/domain/events/registry.js';
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
  /** Net documents the owner gained that day: `recorded + migratedIn - migratedOut`. */
  documents: number;
  /** Documents recorded that day and routed to the owner. */
  recorded: number;
  /** Documents migrated to the owner that day. */
  migratedIn: number;
  /** Documents migrated away from the owner that day. */
  migratedOut: number;
};

type RowKey = Pick<CoverageRow, 'id' | 'day' | 'documentType' | 'company' | 'site' | 'owner'>;
type Count = 'recorded' | 'migratedIn' | 'migratedOut';

/** The command that records each document type (its first command, after ownership). */
const recordingEvents = new Map<string, DocumentType>([
  ['PurchaseOrderSubmitted', 'purchaseOrder'],
  ['ShipmentNoticeSubmitted', 'shipmentNotice'],
  ['GoodsReceiptRecorded', 'goodsReceipt'],
  ['SupplierInvoiceReceived', 'supplierInvoice'],
  ['JournalEntrySubmitted', 'journalEntry'],
]);

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const objectOr = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const keyOf = (
  day: string,
  documentType: DocumentType,
  company: string | null,
  site: string | null,
  owner: string,
): RowKey => ({
  id: [day, documentType, company ?? '', site ?? '', owner].join('|'),
  day,
  documentType,
  company,
  site,
  owner,
});

/** The rows an event counts in, each with what it adds there. */
const countsOf = (event: RecordedEvent): Array<{ key: RowKey; count: Count }> => {
  const day = event.recordedAt.toISOString().slice(0, 10);
  const recording = recordingEvents.get(event.type);
  if (recording) {
    const route = event.metadata.route;
    if (!route || typeof route !== 'object' || Array.isArray(route)) return [];
    const owner = text(route.owner) ?? 'unknown';
    const key = keyOf(day, recording, text(event.data.company), text(event.data.site), owner);
    return [{ key, count: 'recorded' }];
  }
  if (event.type !== ownershipChangedEventType) return [];
  const document = objectOr(event.data.document);
  const documentType = text(document.type) as DocumentType | null;
  const from = text(objectOr(event.data.previous).owner);
  const to = text(objectOr(event.data.route).owner);
  if (!documentType || !documentTypes.includes(documentType) || !from || !to || from === to) {
    return [];
  }
  const company = text(objectOr(document.key).company);
  const site = text(event.data.site);
  return [
    { key: keyOf(day, documentType, company, site, from), count: 'migratedOut' },
    { key: keyOf(day, documentType, company, site, to), count: 'migratedIn' },
  ];
};

export const routingCoverage: Projection<CoverageRow> = {
  name: 'routingCoverage',
  // 2: migrated documents follow DocumentOwnershipChanged (recorded / migratedIn / migratedOut).
  version: 2,
  filter: {
    streamCategories: documentTypes.map((type) => documentTypeInfo[type].streamCategory),
    eventTypes: [...recordingEvents.keys(), ownershipChangedEventType],
  },
  indexes: [{ field: 'day' }, { field: 'owner' }, { field: 'company' }],
  idsOf: (event) => countsOf(event).map(({ key }) => key.id),
  evolve: (current, event, id) => {
    const counted = countsOf(event).find(({ key }) => key.id === id);
    if (!counted) return current;
    const row: CoverageRow = current ?? {
      ...counted.key,
      documents: 0,
      recorded: 0,
      migratedIn: 0,
      migratedOut: 0,
    };
    const next = { ...row, [counted.count]: row[counted.count] + 1 };
    return { ...next, documents: next.recorded + next.migratedIn - next.migratedOut };
  },
};
