/**
 * The v1 commands: for each, its contract, the document it targets, and how it decides.
 * The HTTP routes and the command handler are both driven by this table, so adding a
 * command (or a contract version with its upcaster) is one entry here.
 */

import type { ParentOrders } from '../domain/children/children.js';
import {
  recordGoodsReceipt,
  referencedPoNumbers,
  submitShipmentNotice,
  submitSupplierInvoice,
} from '../domain/children/children.js';
import type {
  ChildState,
  RecordGoodsReceipt,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
} from '../domain/children/types.js';
import {
  type DocumentKey,
  type DocumentRef,
  type DocumentType,
  keyOf,
} from '../domain/documents.js';
import type { DomainEvent } from '../domain/fold.js';
import {
  type JournalEntryState,
  type SubmitJournalEntry,
  submitJournalEntry,
} from '../domain/journalEntry/journalEntry.js';
import { acknowledge, cancel, change, submit } from '../domain/purchaseOrder/purchaseOrder.js';
import type {
  AcknowledgePurchaseOrder,
  CancelPurchaseOrder,
  ChangePurchaseOrder,
  PurchaseOrderKey,
  PurchaseOrderState,
  SubmitPurchaseOrder,
} from '../domain/purchaseOrder/types.js';

const contractBase = 'https://coexist.dev/contracts/http/v1/';

/** What a command's decide function receives. Bodies have passed contract validation. */
export interface DecideInput {
  key: DocumentKey;
  body: unknown;
  state: object | null;
  parents: ParentOrders;
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
  attributes(body: unknown, state: object | null): DocumentAttributes;
  /** Other documents the command names, which must be recorded (a reversal's original). */
  references?(body: unknown): { pointer: string; document: DocumentRef }[];
  decide(input: DecideInput): DomainEvent[];
}

type Body = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const noParents = (): string[] => [];

const purchaseOrderCommand = (
  name: string,
  file: string,
  summary: string,
  decide: (state: PurchaseOrderState | null, key: PurchaseOrderKey, body: unknown) => DomainEvent[],
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
    decide(
      state as PurchaseOrderState | null,
      { company: key.company ?? '', poNumber: key.poNumber ?? '' },
      body,
    ),
});

const childCommand = <C extends { company: string; lines: { poNumber: string }[] }>(
  name: string,
  documentType: DocumentType,
  file: string,
  summary: string,
  decide: (state: ChildState | null, command: C, parents: ParentOrders) => DomainEvent[],
): CommandSpec => ({
  name,
  documentType,
  contract: `${contractBase}${file}`,
  contractVersion: 'v1',
  creates: true,
  summary,
  keyOf: (_params, body) => keyOf(documentType, body as Body),
  parentPoNumbers: (body) => referencedPoNumbers((body as C).lines),
  attributes: (body) => {
    const b = body as Body;
    return { company: str(b.company), supplier: str(b.supplier), site: str(b.site) };
  },
  decide: ({ state, body, parents }) => decide(state as ChildState | null, body as C, parents),
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
      submit(state as PurchaseOrderState | null, body as SubmitPurchaseOrder),
  },
  changePurchaseOrder: purchaseOrderCommand(
    'changePurchaseOrder',
    'purchase-order-change.json',
    'Change a purchase order (header fields, add, update or cancel lines)',
    (state, key, body) => change(state, key, body as ChangePurchaseOrder),
  ),
  cancelPurchaseOrder: purchaseOrderCommand(
    'cancelPurchaseOrder',
    'purchase-order-cancellation.json',
    'Cancel a purchase order',
    (state, key, body) => cancel(state, key, body as CancelPurchaseOrder),
  ),
  acknowledgePurchaseOrder: purchaseOrderCommand(
    'acknowledgePurchaseOrder',
    'purchase-order-acknowledgement.json',
    "Record the supplier's acknowledgement of a purchase order",
    (state, key, body) => acknowledge(state, key, body as AcknowledgePurchaseOrder),
  ),
  submitShipmentNotice: childCommand<SubmitShipmentNotice>(
    'submitShipmentNotice',
    'shipmentNotice',
    'shipment-notice.json',
    'Submit an advance shipment notice (ASN)',
    submitShipmentNotice,
  ),
  recordGoodsReceipt: childCommand<RecordGoodsReceipt>(
    'recordGoodsReceipt',
    'goodsReceipt',
    'goods-receipt.json',
    'Record a goods receipt from the warehouse',
    recordGoodsReceipt,
  ),
  submitSupplierInvoice: childCommand<SubmitSupplierInvoice>(
    'submitSupplierInvoice',
    'supplierInvoice',
    'supplier-invoice.json',
    'Submit a supplier invoice',
    submitSupplierInvoice,
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
    references: (body) => {
      const { company, reversalOf } = body as SubmitJournalEntry;
      if (reversalOf === undefined) return [];
      const document = { type: 'journalEntry' as const, key: { company, entryNumber: reversalOf } };
      return [{ pointer: '/reversalOf', document }];
    },
    decide: ({ state, body }) =>
      submitJournalEntry(state as JournalEntryState | null, body as SubmitJournalEntry),
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commands;
