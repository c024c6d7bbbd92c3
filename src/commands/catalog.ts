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

/** What a command's decide function receives. */
export interface DecideInput<Body = unknown, State = object> {
  key: DocumentKey;
  /** The request body, valid against the spec's `contract`. */
  body: Body;
  /** `foldDocument` of the spec's document type; null before its first event. */
  state: State | null;
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
  referencedDocuments(body: unknown): DocumentRef[];
  attributes(body: unknown, state: object | null): DocumentAttributes;
  /** Other documents the command names, which must be recorded (a reversal's original). */
  references?(body: unknown): { pointer: string; document: DocumentRef }[];
  decide(input: DecideInput): CoexistEvent[];
}

/** A command spec written against its request body's type and its document's state type. */
interface TypedSpec<Body, State>
  extends Pick<
    CommandSpec,
    'name' | 'documentType' | 'contract' | 'contractVersion' | 'creates' | 'summary'
  > {
  keyOf(params: Record<string, string>, body: Body): DocumentKey;
  parentPoNumbers?(body: Body): string[];
  referencedDocuments?(body: Body): DocumentRef[];
  references?(body: Body): { pointer: string; document: DocumentRef }[];
  attributes(body: Body, state: State | null): DocumentAttributes;
  decide(input: DecideInput<Body, State>): CoexistEvent[];
}

/**
 * The one place where a request body and a folded state get their types. It holds because
 * the routes validate every body against the spec's `contract` before the handler sees it,
 * and the handler folds the state with `foldDocument(spec.documentType)`, the decider of the
 * very document type the spec names.
 */
const typed = <Body, State>(spec: TypedSpec<Body, State>): CommandSpec => ({
  ...spec,
  keyOf: (params, body) => spec.keyOf(params, body as Body),
  parentPoNumbers: (body) => spec.parentPoNumbers?.(body as Body) ?? [],
  referencedDocuments: (body) => spec.referencedDocuments?.(body as Body) ?? [],
  references: (body) => spec.references?.(body as Body) ?? [],
  attributes: (body, state) => spec.attributes(body as Body, state as State | null),
  // The same input, typed (not copied: this runs on every command).
  decide: (input) => spec.decide(input as DecideInput<Body, State>),
});

const purchaseOrderCommand = <Body>(
  name: string,
  file: string,
  summary: string,
  command: (key: PurchaseOrderKey, body: Body) => PurchaseOrderCommand,
): CommandSpec =>
  typed<Body, PurchaseOrderState>({
    name,
    documentType: 'purchaseOrder',
    contract: `${contractBase}${file}`,
    contractVersion: 'v1',
    creates: false,
    summary,
    keyOf: (params) => keyOf('purchaseOrder', params),
    attributes: (_body, po) => ({ company: po?.company, supplier: po?.supplier, site: po?.site }),
    decide: ({ state, key, body }) =>
      purchaseOrder.decide(
        command({ company: key.company ?? '', poNumber: key.poNumber ?? '' }, body),
        state,
      ),
  });

type ChildBody = { company: string; supplier: string; site?: string } & {
  lines: { poNumber: string }[];
};

const childCommand = <Body extends ChildBody, State>(
  name: string,
  documentType: DocumentType,
  file: string,
  summary: string,
  decider: Decider<State | null, ChildCommand<Body>, CoexistEvent>,
  /** The shipment notice the document names, if it names one (receipts). */
  shipmentNoticeOf: (body: Body) => DocumentRef | null = () => null,
): CommandSpec =>
  typed<Body, State>({
    name,
    documentType,
    contract: `${contractBase}${file}`,
    contractVersion: 'v1',
    creates: true,
    summary,
    keyOf: (_params, body) => keyOf(documentType, body),
    parentPoNumbers: (body) => referencedPoNumbers(body.lines),
    referencedDocuments: (body) => {
      const notice = shipmentNoticeOf(body);
      return notice ? [notice] : [];
    },
    attributes: ({ company, supplier, site }) => ({ company, supplier, site }),
    decide: ({ state, body, parents, documents }) => {
      const notice = shipmentNoticeOf(body);
      const loaded = notice ? documents?.get(streamNameOf(notice)) : undefined;
      // A shipment notice's state, folded by foldDocument('shipmentNotice') (see `typed`).
      const shipmentNotice = loaded as ShipmentNoticeState | null | undefined;
      return decider.decide({ data: body, parents, shipmentNotice }, state);
    },
  });

export const commands = {
  submitPurchaseOrder: typed<SubmitPurchaseOrder, PurchaseOrderState>({
    name: 'submitPurchaseOrder',
    documentType: 'purchaseOrder',
    contract: `${contractBase}purchase-order-submit.json`,
    contractVersion: 'v1',
    creates: true,
    summary: 'Submit a purchase order',
    keyOf: (_params, { company, poNumber }) => ({ company, poNumber }),
    attributes: ({ company, supplier, site }) => ({ company, supplier, site }),
    decide: ({ state, body }) =>
      purchaseOrder.decide({ type: 'SubmitPurchaseOrder', data: body }, state),
  }),
  changePurchaseOrder: purchaseOrderCommand<ChangePurchaseOrder>(
    'changePurchaseOrder',
    'purchase-order-change.json',
    'Change a purchase order (header fields, add, update or cancel lines)',
    (key, data) => ({ type: 'ChangePurchaseOrder', key, data }),
  ),
  cancelPurchaseOrder: purchaseOrderCommand<CancelPurchaseOrder>(
    'cancelPurchaseOrder',
    'purchase-order-cancellation.json',
    'Cancel a purchase order',
    (key, data) => ({ type: 'CancelPurchaseOrder', key, data }),
  ),
  acknowledgePurchaseOrder: purchaseOrderCommand<AcknowledgePurchaseOrder>(
    'acknowledgePurchaseOrder',
    'purchase-order-acknowledgement.json',
    "Record the supplier's acknowledgement of a purchase order",
    (key, data) => ({ type: 'AcknowledgePurchaseOrder', key, data }),
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
  submitJournalEntry: typed<SubmitJournalEntry, JournalEntryState>({
    name: 'submitJournalEntry',
    documentType: 'journalEntry',
    contract: `${contractBase}journal-entry.json`,
    contractVersion: 'v1',
    creates: true,
    summary: 'Submit a GL journal entry',
    keyOf: (_params, { company, entryNumber }) => ({ company, entryNumber }),
    attributes: ({ company }) => ({ company }),
    references: ({ company, reversalOf }) => {
      if (reversalOf === undefined) return [];
      const document = { type: 'journalEntry' as const, key: { company, entryNumber: reversalOf } };
      return [{ pointer: '/reversalOf', document }];
    },
    decide: ({ state, body }) => journalEntry.decide(body, state),
  }),
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;
