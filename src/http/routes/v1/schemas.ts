/**
 * Schemas of the v1 envelope (path keys, the 202 receipt, the document view, problems),
 * used for validation of path parameters and for the OpenAPI document.
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
      enum: ['rule', 'parent', 'unknownParent', 'default'],
      description:
        "A rule matched; the parent order decided; the parent is unknown and the rule's unknownParent decided; no rule set is published.",
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
    'Accepted and durably recorded. Delivery to the ERP follows asynchronously; the document URL shows its progress.',
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
};

const problemRef = { $ref: 'https://coexist.dev/contracts/problem.json#' };
const problem = (description: string) => ({ description, ...problemRef });

export const problemResponses = {
  400: problem('The request does not satisfy the contract; `errors` lists every violation.'),
  401: problem('No valid API key.'),
  403: problem('The API key lacks the role or scope for this document.'),
  404: problem('No such document.'),
  409: problem(
    'The document is in a state that does not allow the command (final), or, with code `concurrent-modification`, `retryable: true` and `Retry-After`, it changed while the command was decided: nothing was recorded, send the same request again.',
  ),
  413: problem('Request body too large.'),
  415: problem('Content-Type must be application/json.'),
  422: problem('A business rule is broken, or the Idempotency-Key was used for another request.'),
  423: problem(
    'The scope is frozen for a cutover window; `frozenUntil` and `reason` say until when and why.',
  ),
  429: problem('Rate limit exceeded; retry after the Retry-After delay.'),
  503: problem('The event store is unavailable; nothing was recorded.'),
};
