/**
 * The document types the gateway fronts, their business keys and their stream names.
 * A document is one event stream; clients address it by its business key.
 */

export const documentTypes = [
  'purchaseOrder',
  'shipmentNotice',
  'goodsReceipt',
  'supplierInvoice',
  'journalEntry',
] as const;
export type DocumentType = (typeof documentTypes)[number];

interface DocumentTypeInfo {
  /** Key fields, in URL order. */
  keyFields: readonly [string, string];
  /** Collection segment of the v1 URL and the stream category. */
  collection: string;
  streamCategory: string;
}

export const documentTypeInfo: Record<DocumentType, DocumentTypeInfo> = {
  purchaseOrder: {
    keyFields: ['company', 'poNumber'],
    collection: 'purchase-orders',
    streamCategory: 'PurchaseOrder',
  },
  shipmentNotice: {
    keyFields: ['supplier', 'asnNumber'],
    collection: 'shipment-notices',
    streamCategory: 'ShipmentNotice',
  },
  goodsReceipt: {
    keyFields: ['site', 'receiptNumber'],
    collection: 'goods-receipts',
    streamCategory: 'GoodsReceipt',
  },
  supplierInvoice: {
    keyFields: ['supplier', 'invoiceNumber'],
    collection: 'supplier-invoices',
    streamCategory: 'SupplierInvoice',
  },
  journalEntry: {
    keyFields: ['company', 'entryNumber'],
    collection: 'journal-entries',
    streamCategory: 'JournalEntry',
  },
};

/** A document's business key, e.g. `{ company: 'ACME-US', poNumber: '4500012345' }`. */
export type DocumentKey = Record<string, string>;

export interface DocumentRef {
  type: DocumentType;
  key: DocumentKey;
}

export const keyOf = (type: DocumentType, source: Record<string, unknown>): DocumentKey => {
  const [a, b] = documentTypeInfo[type].keyFields;
  return { [a]: String(source[a]), [b]: String(source[b]) };
};

const typesByCategory = new Map<string, DocumentType>(
  documentTypes.map((type) => [documentTypeInfo[type].streamCategory, type]),
);

/**
 * The document type whose stream this is (its category, the name up to the first `-`), or
 * undefined for any other stream (deliveries, registries).
 */
export const documentTypeOfStream = (streamName: string): DocumentType | undefined => {
  const dash = streamName.indexOf('-');
  return typesByCategory.get(dash < 0 ? streamName : streamName.slice(0, dash));
};

/**
 * `PurchaseOrder-ACME-US/4500012345`: the category before the first `-` (EventStoreDB's
 * category convention), key parts URI-encoded so no key can collide with another.
 */
export const streamNameOf = (ref: DocumentRef): string => {
  const { keyFields, streamCategory } = documentTypeInfo[ref.type];
  return `${streamCategory}-${encodedKey(ref, keyFields)}`;
};

/** `/v1/purchase-orders/ACME-US/4500012345` */
export const urlOf = (ref: DocumentRef): string => {
  const { keyFields, collection } = documentTypeInfo[ref.type];
  return `/v1/${collection}/${encodedKey(ref, keyFields)}`;
};

/** Both key parts, URI-encoded, joined by `/` (one string, no arrays: it runs per write). */
const encodedKey = (ref: DocumentRef, [a, b]: readonly [string, string]): string =>
  `${encodeURIComponent(ref.key[a] ?? '')}/${encodeURIComponent(ref.key[b] ?? '')}`;
