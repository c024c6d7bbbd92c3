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

const problemRef = 'https://coexist.dev/contracts/problem.json#';

/** A realistic problem body for an example. */
export const problemExample = (
  status: number,
  code: string,
  title: string,
  detail: string,
  instance: string,
  extensions: object = {},
) => ({
  type: `https://coexist.dev/problems/${code}`,
  title,
  status,
  detail,
  instance,
  code,
  ...extensions,
});

/** An error response in the OpenAPI document: problem+json, with an example of it. */
export const problemResponse = (
  description: string,
  ...examples: ReturnType<typeof problemExample>[]
) => ({
  description,
  // On the media type: next to a $ref, a schema's `examples` would be dropped from the document.
  content: {
    'application/problem+json': {
      schema: { $ref: problemRef },
      ...(examples.length === 1
        ? { example: examples[0] }
        : {
            examples: Object.fromEntries(
              examples.map((value, i) => [`example${i + 1}`, { value }]),
            ),
          }),
    },
  },
});

const po = '/v1/purchase-orders';

/** Problems any authenticated endpoint can answer. */
const commonProblems = {
  401: problemResponse(
    'No valid API key.',
    problemExample(
      401,
      'unauthenticated',
      'Authentication required',
      'Send an API key as "Authorization: Bearer <key>".',
      po,
    ),
  ),
  429: problemResponse(
    "Too many requests: the rate limit, or too many of this client's requests in progress. Retry after the Retry-After delay.",
    problemExample(
      429,
      'rate-limited',
      'Too many requests',
      'Rate limit of 6000 requests per minute exceeded; retry in 12 s.',
      po,
    ),
  ),
};

const invalidRequest = (instance: string, pointer: string, detail: string, where = 'body') =>
  problemExample(
    400,
    'invalid-request',
    'The request does not satisfy the contract',
    'See errors: each names the offending field.',
    instance,
    {
      errors: [{ pointer, detail, in: where }],
    },
  );

/** What a POST of a command can answer besides 202. */
export const problemResponses = {
  400: problemResponse(
    'The request does not satisfy the contract; `errors` lists every violation.',
    invalidRequest(
      po,
      '/lines/0/unitPrice',
      'unitPrice must be a decimal string of at least 0 such as "1.84" (up to 15 digits before the point and 6 after).',
    ),
  ),
  ...commonProblems,
  403: problemResponse(
    'The API key lacks the role or scope for this document.',
    problemExample(
      403,
      'out-of-scope',
      'Forbidden',
      'This key may not act on company ACME-DE.',
      po,
    ),
  ),
  404: problemResponse(
    'The document the command acts on has not been recorded.',
    problemExample(
      404,
      'document-not-found',
      'Document not found',
      'No purchaseOrder ACME-US/4500012399 has been recorded.',
      `${po}/ACME-US/4500012399/changes`,
    ),
  ),
  409: problemResponse(
    'The document is in a state that does not allow the command (final), or, with code `concurrent-modification`, `retryable: true` and `Retry-After`, it changed while the command was decided: nothing was recorded, send the same request again.',
    problemExample(
      409,
      'document-exists',
      'Conflict',
      'Purchase order ACME-US/4500012345 already exists.',
      po,
    ),
    problemExample(
      409,
      'concurrent-modification',
      'Conflict',
      'The document changed 8 times while this command was being decided; send the same request again.',
      `${po}/ACME-US/4500012345/changes`,
      { retryable: true },
    ),
  ),
  413: problemResponse(
    "Request body larger than this route's limit.",
    problemExample(
      413,
      'body-too-large',
      'Request body too large',
      'Request body is too large',
      po,
    ),
  ),
  415: problemResponse(
    'The body is not application/json in UTF-8, or has a Content-Encoding.',
    problemExample(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      'Content-Type text/plain is not accepted. Send the body as application/json; charset=utf-8.',
      po,
    ),
  ),
  422: problemResponse(
    'A business rule is broken, or the Idempotency-Key was used for another request.',
    problemExample(
      422,
      'idempotency-key-reused',
      'Idempotency key reused',
      'Idempotency-Key was already used at 2026-11-02T14:30:00.000Z for a different request; use a new key for a new request.',
      po,
    ),
  ),
  423: problemResponse(
    'The scope is frozen for a cutover window; `frozenUntil` and `reason` say until when and why.',
    problemExample(
      423,
      'scope-frozen',
      'Scope frozen for cutover',
      'Site DAL1 is frozen until 2026-11-08T06:00:00Z.',
      '/v1/goods-receipts',
      {
        frozenUntil: '2026-11-08T06:00:00Z',
        reason: 'Cutover of DAL1 to the cloud ERP',
      },
    ),
  ),
  503: problemResponse(
    'The event store is unavailable; nothing was recorded.',
    problemExample(
      503,
      'store-unavailable',
      'Service unavailable',
      'The event store is unavailable; nothing was recorded. Retry with the same Idempotency-Key.',
      po,
    ),
  ),
};

/** What a GET of a document can answer besides 200. */
export const readProblemResponses = {
  400: problemResponse(
    'A key in the path is not valid.',
    invalidRequest(
      `${po}/ACME%20US/4500012345`,
      '/company',
      'company must be 1 to 35 letters, digits and . _ / -, starting with a letter or digit (such as "ACME-US").',
      'path',
    ),
  ),
  ...commonProblems,
  403: problemResponses[403],
  404: problemResponse(
    'No such document.',
    problemExample(
      404,
      'document-not-found',
      'Document not found',
      'No purchaseOrder ACME-US/4500012399 has been recorded.',
      `${po}/ACME-US/4500012399`,
    ),
  ),
  503: problemResponse(
    'The event store is unavailable.',
    problemExample(
      503,
      'store-unavailable',
      'Service unavailable',
      'The event store is unavailable; retry later.',
      `${po}/ACME-US/4500012345`,
    ),
  ),
};

/** `minRevision` beyond the document's stream: where the document is, not retryable. */
export const revisionNotRecordedResponse = problemResponse(
  'A parameter is not valid, or minRevision is beyond the revision the document has reached (`revision-not-recorded`: no retry can satisfy it).',
  problemExample(
    400,
    'revision-not-recorded',
    'Revision not recorded',
    'purchase-orders ACME-US/4500012345 is at revision 4; revision 99 has not been recorded.',
    `${po}/ACME-US/4500012345?minRevision=99`,
    {
      streamRevision: 4,
      minRevision: 99,
      errors: [
        {
          pointer: '/minRevision',
          in: 'query',
          detail:
            'purchase-orders ACME-US/4500012345 is at revision 4; revision 99 has not been recorded.',
        },
      ],
    },
  ),
);

/** Singular names of the document types, for summaries. */
export const documentNouns: Record<DocumentType, string> = {
  purchaseOrder: 'purchase order',
  shipmentNotice: 'shipment notice',
  goodsReceipt: 'goods receipt',
  supplierInvoice: 'supplier invoice',
  journalEntry: 'journal entry',
};
