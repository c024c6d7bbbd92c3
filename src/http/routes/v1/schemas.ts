/**
 * Schemas of the v1 envelope (path keys, the 202 receipt, the document view), used for
 * validation of path parameters and for the OpenAPI document. The problems the endpoints
 * answer are in problemResponses.ts.
 */
import { type DocumentType, documentTypeInfo } from '../../../domain/documents.js';

const paramsBase = 'https://coexist.dev/contracts/http/v1/params.json#/$defs/';
const paramsDefs: Record<DocumentType, string> = {
  purchaseOrder: 'purchaseOrderKey',
  shipmentNotice: 'shipmentNoticeKey',
  goodsReceipt: 'goodsReceiptKey',
  supplierInvoice: 'supplierInvoiceKey',
  journalEntry: 'journalEntryKey',
};

/** Path parameters of a document URL: its two key fields. */
export const documentParamsSchema = (type: DocumentType) => {
  const [a, b] = documentTypeInfo[type].keyFields;
  return {
    type: 'object',
    required: [a, b],
    properties: {
      [a]: { $ref: `${paramsBase}${paramsDefs[type]}/properties/${a}` },
      [b]: { $ref: `${paramsBase}${paramsDefs[type]}/properties/${b}` },
    },
  };
};

const routeSchema = {
  type: 'object',
  description: 'Which ERP owns the document, and which rule decided it.',
  required: ['owner', 'basis', 'reason'],
  properties: {
    owner: {
      enum: ['legacy', 'cloud', 'dual', 'unresolved'],
      description:
        '`unresolved`: lines reference orders owned by different ERPs; held for an operator.',
    },
    basis: {
      enum: ['rule', 'parent', 'unknownParent', 'default', 'migration'],
      description:
        "A rule matched; the parent order decided; the parent is unknown and the rule's unknownParent decided; no rule set is published; an architect migrated the open document to this owner.",
    },
    primary: { enum: ['legacy', 'cloud'] },
    shadow: { enum: ['legacy', 'cloud'] },
    ruleId: { type: ['string', 'null'] },
    ruleSetVersion: { type: ['integer', 'null'] },
    reason: { type: 'string' },
  },
};

const documentRefSchema = {
  type: 'object',
  required: ['type', 'key', 'url'],
  properties: {
    type: { enum: Object.keys(documentTypeInfo) },
    key: { type: 'object', additionalProperties: { type: 'string' } },
    url: { type: 'string' },
  },
};

const exceptionsSchema = {
  type: 'array',
  description: 'Facts recorded with a flagged problem (unknown purchase order, over-receipt, …).',
  items: { $ref: 'https://coexist.dev/contracts/events/v1/common.json#/$defs/exception' },
};

export const acceptedResponseSchema = {
  description:
    'Accepted: validated, recorded durably as events and routed (`route` names the ERP that owns the document). Delivery to that ERP follows separately; this answer does not wait for it.',
  type: 'object',
  required: ['status', 'document', 'eventIds', 'streamRevision', 'route', 'correlationId'],
  properties: {
    status: { const: 'accepted' },
    document: documentRefSchema,
    eventIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
    eventTypes: { type: 'array', items: { type: 'string' } },
    streamRevision: { type: 'integer', description: 'Revision of the last recorded event.' },
    route: routeSchema,
    exceptions: exceptionsSchema,
    correlationId: { type: 'string' },
  },
  examples: [
    {
      status: 'accepted',
      document: {
        type: 'purchaseOrder',
        key: { company: 'ACME-US', poNumber: '4500012345' },
        url: '/v1/purchase-orders/ACME-US/4500012345',
      },
      eventIds: ['0b9d7c1e-5f3a-4e8b-9a61-2f4c8d7e6a10'],
      eventTypes: ['PurchaseOrderSubmitted'],
      streamRevision: 0,
      route: {
        owner: 'legacy',
        basis: 'rule',
        primary: 'legacy',
        ruleId: 'default-legacy',
        ruleSetVersion: 1,
        reason: 'Rule default-legacy of rule set v1 matched.',
      },
      exceptions: [],
      correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
    },
  ],
};

export const documentViewSchema = {
  description: "The document's current state and its event timeline.",
  type: 'object',
  required: ['document', 'status', 'streamRevision', 'state', 'events'],
  properties: {
    document: documentRefSchema,
    status: { type: 'string' },
    route: routeSchema,
    streamRevision: { type: 'integer' },
    state: { type: 'object', additionalProperties: true },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          eventId: { type: 'string' },
          type: { type: 'string' },
          revision: { type: 'integer' },
          recordedAt: { type: 'string', format: 'date-time' },
          clientId: { type: 'string' },
          correlationId: { type: 'string' },
          contractVersion: { type: 'string' },
          idempotencyKey: { type: 'string' },
          data: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
  examples: [
    {
      document: {
        type: 'journalEntry',
        key: { company: 'ACME-US', entryNumber: 'JE-2026-11-00412' },
        url: '/v1/journal-entries/ACME-US/JE-2026-11-00412',
      },
      status: 'submitted',
      route: {
        owner: 'cloud',
        basis: 'rule',
        primary: 'cloud',
        ruleId: 'finance-to-cloud',
        ruleSetVersion: 2,
        reason: 'Rule finance-to-cloud of rule set v2 matched.',
      },
      streamRevision: 0,
      state: {
        company: 'ACME-US',
        entryNumber: 'JE-2026-11-00412',
        postingDate: '2026-11-30',
        status: 'submitted',
        lines: [
          { lineNumber: 1, account: '6410-100', currency: 'USD', debit: '14280.25' },
          { lineNumber: 2, account: '2150-000', currency: 'USD', credit: '14280.25' },
        ],
      },
      events: [
        {
          eventId: '7d0c2a4e-1b9f-4c3d-8e5a-6f2b1c0d9e87',
          type: 'JournalEntrySubmitted',
          revision: 0,
          recordedAt: '2026-11-30T18:04:11.532Z',
          clientId: 'fin-close',
          correlationId: 'close-2026-11',
          contractVersion: 'v1',
          idempotencyKey: 'je-2026-11-00412',
          data: { company: 'ACME-US', entryNumber: 'JE-2026-11-00412', postingDate: '2026-11-30' },
        },
      ],
    },
  ],
};

/** Singular names of the document types, for summaries. */
export const documentNouns: Record<DocumentType, string> = {
  purchaseOrder: 'purchase order',
  shipmentNotice: 'shipment notice',
  goodsReceipt: 'goods receipt',
  supplierInvoice: 'supplier invoice',
  journalEntry: 'journal entry',
};
