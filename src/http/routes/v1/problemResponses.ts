/**
 * The problems v1 endpoints answer, as the OpenAPI document shows them: problem+json with a
 * realistic example each. They stand apart from the envelope schemas (schemas.ts) because
 * they are what every route shares (the admin API builds its own from the same parts), and
 * the endpoints differ only in which problems they list.
 */

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

/** A 400 `invalid-request` example naming one violation. */
export const invalidRequest = (instance: string, pointer: string, detail: string, where = 'body') =>
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
