/**
 * Document states: each business document's state exactly as the write path folds it (the
 * domain's deciders, events upcast first), with its route and stream revision. The document
 * GETs (`GET /v1/{collection}/{key1}/{key2}`) answer from it instead of replaying the stream,
 * in the same shape as before. Events no decider handles leave the state as it was but still
 * move the revision, which read-your-writes waits on.
 */
import {
  goodsReceipt,
  shipmentNotice,
  supplierInvoice,
} from '../../src/domain/children/children.js';
import {
  type DocumentType,
  documentTypeInfo,
  documentTypeOfStream,
  documentTypes,
} from '../../src/domain/documents.js';
import type { CoexistEvent } from '../../src/domain/events/registry.js';
import { upcast } from '../../src/domain/events/upcast.js';
import { journalEntry } from '../../src/domain/journalEntry/journalEntry.js';
import { purchaseOrder } from '../../src/domain/purchaseOrder/purchaseOrder.js';
import type { JsonObject } from '../../src/ports/eventStore.js';
import type { Projection } from '../../src/ports/readModelStore.js';

export type DocumentStateRecord = {
  /** The document's stream name. */
  id: string;
  documentType: DocumentType;
  /** The domain's state; null while no event has created the document. */
  state: JsonObject | null;
  /** The route the write path recorded last: the first event's, or a migration's since. */
  route: JsonObject | null;
  /** Revision of the stream's last event applied. */
  streamRevision: number;
};

interface Fold {
  initialState(): unknown;
  evolve(state: unknown, event: CoexistEvent): unknown;
}

const deciders: Record<DocumentType, Fold> = {
  purchaseOrder: purchaseOrder as unknown as Fold,
  shipmentNotice: shipmentNotice as unknown as Fold,
  goodsReceipt: goodsReceipt as unknown as Fold,
  supplierInvoice: supplierInvoice as unknown as Fold,
  journalEntry: journalEntry as unknown as Fold,
};

const objectOrNull = (value: unknown): JsonObject | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;

export const documentStates: Projection<DocumentStateRecord> = {
  name: 'documentStates',
  version: 2,
  filter: { streamCategories: documentTypes.map((type) => documentTypeInfo[type].streamCategory) },
  indexes: [],
  idsOf: (event) => (documentTypeOfStream(event.streamName) ? [event.streamName] : []),
  evolve(current, event, id) {
    const documentType = documentTypeOfStream(event.streamName);
    if (!documentType) return current;
    const fold = deciders[documentType];
    const before = current ? current.state : fold.initialState();
    const typed = upcast(event);
    const state = typed ? fold.evolve(before, typed) : before;
    return {
      id,
      documentType,
      state: (state ?? null) as JsonObject | null,
      // Events recorded by processes (e.g. the match's) carry no route: the last one stands.
      route: objectOrNull(event.metadata.route) ?? current?.route ?? null,
      streamRevision: Number(event.revision),
    };
  },
};
