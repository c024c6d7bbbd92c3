/**
 * Idempotency: a request sent again with its Idempotency-Key gets the first answer, and
 * nothing is recorded twice. Keys are scoped to the client. Two records answer "was this
 * request accepted before?", and the write path consults both, each where it is free:
 *
 * - the store's claim, taken atomically with the append: of concurrent duplicates exactly one
 *   appends, the others get the claim back (`duplicate`) and are answered from it. This is
 *   what lets a create skip reading its stream.
 * - the document's own events, whose metadata record client, key and request fingerprint.
 *   They outlive the store's claim (SQLite keeps claims for a retention window) and are
 *   checked whenever the stream has been read for deciding, so an old retry is answered, not
 *   applied twice.
 *
 * The same key with a different request (another fingerprint) is refused.
 */
import type { DocumentRef } from '../domain/documents.js';
import type {
  EventStore,
  IdempotencyClaim,
  IdempotencyRecord,
  RecordedEvent,
} from '../ports/eventStore.js';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from './errors.js';
import { type CommandAccepted, replayedResponse } from './response.js';

export class IdempotencyKey {
  /** What the append claims: the key scoped to its client, and what identifies the request. */
  readonly claim: IdempotencyClaim;

  constructor(
    private readonly clientId: string,
    /** The client's Idempotency-Key header. */
    readonly key: string,
    /** Hash of what makes two requests "the same" (method, path, canonical body). */
    readonly fingerprint: string,
  ) {
    this.claim = { key: `${clientId}\u0000${key}`, fingerprint };
  }

  /** The first answer, if this client sent this key to this document before. */
  answerFromDocument(ref: DocumentRef, events: readonly RecordedEvent[]): CommandAccepted | null {
    const first = events.find(
      (event) =>
        event.metadata.idempotencyKey === this.key && event.metadata.clientId === this.clientId,
    );
    if (!first) return null;
    const fingerprint = first.metadata.requestFingerprint;
    // Events recorded before fingerprints were kept: the same key on the same document is
    // taken at its word.
    if (typeof fingerprint === 'string' && fingerprint !== this.fingerprint) {
      throw new IdempotencyKeyReusedError(first.recordedAt);
    }
    const { commandId } = first.metadata;
    return replayedResponse(
      ref,
      events.filter((event) => event.metadata.commandId === commandId),
    );
  }

  /** The first answer, from the claim an append found already taken. */
  async answerFromClaim(
    store: EventStore,
    ref: DocumentRef,
    record: IdempotencyRecord,
  ): Promise<CommandAccepted> {
    if (record.fingerprint !== this.fingerprint) {
      throw new IdempotencyKeyReusedError(record.recordedAt);
    }
    const count = record.eventIds.length;
    const events = await store.readStream(record.streamName, {
      fromRevision: record.revision - BigInt(count - 1),
      maxCount: count,
    });
    if (events.length !== count || events.some((event, i) => event.id !== record.eventIds[i])) {
      throw new IdempotencyKeyInProgressError();
    }
    return replayedResponse(ref, events);
  }
}
