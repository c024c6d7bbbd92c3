/**
 * The v1 commands: for each, its contract, the document it targets, and how it decides.
 * The HTTP routes and the command handler are both driven by this table, so adding a
 * command (or a contract version with its upcaster) is one entry here.
 */

import {
  type ChildCommand,
  goodsReceipt,
  type ParentOrders,
  referencedPoNumbers,
  shipmentNotice,
  supplierInvoice,
} from '../domain/children/children.js';
import type {
  GoodsReceiptState,
  RecordGoodsReceipt,
  ShipmentNoticeState,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
  SupplierInvoiceState,
} from '../domain/children/types.js';
import type { Decider } from '../domain/decider.js';
import {
  type DocumentKey,
  type DocumentRef,
  type DocumentType,
  keyOf,
  streamNameOf,
} from '../domain/documents.js';
import type { CoexistEvent } from '../domain/events/registry.js';
import {
  type JournalEntryState,
  journalEntry,
  type SubmitJournalEntry,
} from '../domain/journalEntry/journalEntry.js';
import { purchaseOrder } from '../domain/purchaseOrder/purchaseOrder.js';
import type {
  AcknowledgePurchaseOrder,
  CancelPurchaseOrder,
  ChangePurchaseOrder,
  PurchaseOrderCommand,
  PurchaseOrderKey,
  PurchaseOrderState,
  SubmitPurchaseOrder,
} from '../domain/purchaseOrder/types.js';

const contractBase = 'https://coexist.dev/contracts/http/v1/';

/**
 * What a command's decide function receives. The body has passed validation against the
 * spec's `contract`, so it is that contract's type; the state is `foldDocument` of the spec's
 * document type, so it is that document's decider state. The casts below rest on those two.
 */
export interface DecideInput {
  key: DocumentKey;
  body: unknown;
  state: object | null;
  parents: ParentOrders;
  /**
   * The states of the spec's `referencedDocuments`, by stream name (null: no such document).
   * A document missing here was not looked up, and the checks that need it are skipped.
   */
  documents?: ReadonlyMap<string, object | null>;
}

/** Attributes used for routing and scope checks: from the body, else the current state. */
export interface DocumentAttributes {
  company?: string;
  supplier?: string;
  site?: string;
}

export interface CommandSpec {
  name: string;
  documentType: DocumentType;
  /** `$id` of the request schema. */
  contract: string;
  contractVersion: 'v1';
  /** True when the command creates its document (its key comes from the body). */
  creates: boolean;
  /** HTTP summary, shown in the OpenAPI docs. */
  summary: string;
  keyOf(params: Record<string, string>, body: unknown): DocumentKey;
  /** Purchase orders the command references (same company), loaded as `parents`. */
  parentPoNumbers(body: unknown): string[];
  /** Other documents the decision reads (a receipt's shipment notice), for `documents`. */
  referencedDocuments?(body: unknown): DocumentRef[];
  attributes(body: unknown, state: object | null): DocumentAttributes;
  decide(input: DecideInput): CoexistEvent[];
}

type Body = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const noParents = (): string[] => [];

const purchaseOrderCommand = (
  name: string,
  file: string,
  summary: string,
  command: (key: PurchaseOrderKey, body: unknown) => PurchaseOrderCommand,
): CommandSpec => ({
  name,
  documentType: 'purchaseOrder',
  contract: `${contractBase}${file}`,
  contractVersion: 'v1',
  creates: false,
  summary,
  keyOf: (params) => keyOf('purchaseOrder', params),
  parentPoNumbers: noParents,
  attributes: (_body, state) => {
    const po = state as PurchaseOrderState | null;
    return { company: po?.company, supplier: po?.supplier, site: po?.site };
  },
  decide: ({ state, key, body }) =>
    purchaseOrder.decide(
      command({ company: key.company ?? '', poNumber: key.poNumber ?? '' }, body),
      state as PurchaseOrderState | null,
    ),
});

const childCommand = <C extends { company: string; lines: { poNumber: string }[] }, S>(
  name: string,
  documentType: DocumentType,
  file: string,
  summary: string,
  decider: Decider<S | null, ChildCommand<C>, CoexistEvent>,
  shipmentNoticeOf: (body: C) => DocumentRef | null = () => null,
): CommandSpec => ({
  name,
  documentType,
  contract: `${contractBase}${file}`,
  contractVersion: 'v1',
  creates: true,
  summary,
  keyOf: (_params, body) => keyOf(documentType, body as Body),
  parentPoNumbers: (body) => referencedPoNumbers((body as C).lines),
  referencedDocuments: (body) => {
    const notice = shipmentNoticeOf(body as C);
    return notice ? [notice] : [];
  },
  attributes: (body) => {
    const b = body as Body;
    return { company: str(b.company), supplier: str(b.supplier), site: str(b.site) };
  },
  decide: ({ state, body, parents, documents }) => {
    const notice = shipmentNoticeOf(body as C);
    const loaded = notice ? documents?.get(streamNameOf(notice)) : undefined;
    return decider.decide(
      {
        data: body as C,
        parents,
        shipmentNotice: loaded as ShipmentNoticeState | null | undefined,
      },
      state as S | null,
    );
  },
});

export const commands = {
  submitPurchaseOrder: {
    name: 'submitPurchaseOrder',
    documentType: 'purchaseOrder',
    contract: `${contractBase}purchase-order-submit.json`,
    contractVersion: 'v1',
    creates: true,
    summary: 'Submit a purchase order',
    keyOf: (_params, body) => keyOf('purchaseOrder', body as Body),
    parentPoNumbers: noParents,
    attributes: (body) => {
      const b = body as SubmitPurchaseOrder;
      return { company: b.company, supplier: b.supplier, site: b.site };
    },
    decide: ({ state, body }) =>
      purchaseOrder.decide(
        { type: 'SubmitPurchaseOrder', data: body as SubmitPurchaseOrder },
        state as PurchaseOrderState | null,
      ),
  },
  changePurchaseOrder: purchaseOrderCommand(
    'changePurchaseOrder',
    'purchase-order-change.json',
    'Change a purchase order (header fields, add, update or cancel lines)',
    (key, body) => ({ type: 'ChangePurchaseOrder', key, data: body as ChangePurchaseOrder }),
  ),
  cancelPurchaseOrder: purchaseOrderCommand(
    'cancelPurchaseOrder',
    'purchase-order-cancellation.json',
    'Cancel a purchase order',
    (key, body) => ({ type: 'CancelPurchaseOrder', key, data: body as CancelPurchaseOrder }),
  ),
  acknowledgePurchaseOrder: purchaseOrderCommand(
    'acknowledgePurchaseOrder',
    'purchase-order-acknowledgement.json',
    "Record the supplier's acknowledgement of a purchase order",
    (key, body) => ({
      type: 'AcknowledgePurchaseOrder',
      key,
      data: body as AcknowledgePurchaseOrder,
    }),
  ),
  submitShipmentNotice: childCommand<SubmitShipmentNotice, ShipmentNoticeState>(
    'submitShipmentNotice',
    'shipmentNotice',
    'shipment-notice.json',
    'Submit an advance shipment notice (ASN)',
    shipmentNotice,
  ),
  recordGoodsReceipt: childCommand<RecordGoodsReceipt, GoodsReceiptState>(
    'recordGoodsReceipt',
    'goodsReceipt',
    'goods-receipt.json',
    'Record a goods receipt from the warehouse',
    goodsReceipt,
    ({ supplier, asnNumber }) =>
      asnNumber === undefined ? null : { type: 'shipmentNotice', key: { supplier, asnNumber } },
  ),
  submitSupplierInvoice: childCommand<SubmitSupplierInvoice, SupplierInvoiceState>(
    'submitSupplierInvoice',
    'supplierInvoice',
    'supplier-invoice.json',
    'Submit a supplier invoice',
    supplierInvoice,
  ),
  submitJournalEntry: {
    name: 'submitJournalEntry',
    documentType: 'journalEntry',
    contract: `${contractBase}journal-entry.json`,
    contractVersion: 'v1',
    creates: true,
    summary: 'Submit a GL journal entry',
    keyOf: (_params, body) => keyOf('journalEntry', body as Body),
    parentPoNumbers: noParents,
    attributes: (body) => ({ company: (body as SubmitJournalEntry).company }),
    decide: ({ state, body }) =>
      journalEntry.decide(body as SubmitJournalEntry, state as JournalEntryState | null),
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;
