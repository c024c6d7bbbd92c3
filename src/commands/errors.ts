/**
 * Refusals of the write path itself (the domain's own are in domain/errors.ts). Each carries a
 * literal `type` that http/problem.ts maps to a problem; `retryable` ones say the same request
 * may succeed if sent again unchanged.
 */

/** The client's key may not act on documents like this one (HTTP 403). */
export class ScopeForbiddenError extends Error {
  readonly type = 'scope-forbidden' as const;
  override name = 'ScopeForbiddenError';
}

/**
 * The document changed under every attempt to decide the command (other writers kept winning
 * the race). Nothing was recorded; unlike a conflict with the document's state, sending the
 * same request again may succeed.
 */
export class ConcurrencyConflictError extends Error {
  readonly type = 'concurrency-conflict' as const;
  override name = 'ConcurrencyConflictError';
  constructor(readonly attempts: number) {
    super(
      `The document changed ${attempts} times while this command was being decided; nothing was recorded. Send the same request again.`,
    );
  }
}

/** The Idempotency-Key was used before, by this client, for a different request. */
export class IdempotencyKeyReusedError extends Error {
  readonly type = 'idempotency-key-reused' as const;
  override name = 'IdempotencyKeyReusedError';
  constructor(readonly firstUsedAt: Date) {
    super(
      `Idempotency-Key was already used at ${firstUsedAt.toISOString()} for a different request; use a new key for a new request.`,
    );
  }
}

/**
 * The key's claim is recorded but its events are not readable yet: only a store without
 * transactions (EventStoreDB) shows this, while the first request is still in flight (or died
 * mid-way). Sending the request again later gets the first answer.
 */
export class IdempotencyKeyInProgressError extends Error {
  readonly type = 'idempotency-key-in-progress' as const;
  override name = 'IdempotencyKeyInProgressError';
  constructor() {
    super('A request with this Idempotency-Key is still being processed; retry it in a moment.');
  }
}

export type WritePathError =
  | ScopeForbiddenError
  | ConcurrencyConflictError
  | IdempotencyKeyReusedError
  | IdempotencyKeyInProgressError;
