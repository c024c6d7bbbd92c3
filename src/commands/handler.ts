/**
 * The write path after contract validation: authorise the document scope, replay or reject a
 * reused idempotency key, load state, decide, route, append with the expected revision, and
 * describe the outcome. Protocol-free: the HTTP layer maps its results and errors.
 */
import { randomUUID } from 'node:crypto';
import { type Principal, type ScopedAttributes, scopeViolation } from '../auth/principal.js';
import type { DocumentException } from '../domain/children/types.js';
import { type DocumentRef, streamNameOf, urlOf } from '../domain/documents.js';
import { DocumentStateConflictError } from '../domain/errors.js';
import { type DomainEvent, foldDocument } from '../domain/fold.js';
import {
  type EventStore,
  type IdempotencyRecord,
  type JsonObject,
  type NewEvent,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import type { RouteDecision, Router } from '../routing/route.js';
import type { CommandSpec } from './catalog.js';
import { loadParents, ownershipEvent, recordedRoute } from './ownership.js';

/** Refuses commands in a frozen scope (throws); see routing/freezes.ts. */
export interface FreezeCheck {
  check(scope: ScopedAttributes, at: Date): void;
}

export interface CommandEnvelope {
  spec: CommandSpec;
  params: Record<string, string>;
  body: unknown;
  principal: Principal;
  /** The client's Idempotency-Key header, if sent. */
  idempotencyKey?: string;
  /** Hash of what makes two requests "the same" (method, path, canonical body). */
  fingerprint: string;
  correlationId: string;
  traceparent?: string;
  receivedAt: Date;
}

/** What the client is told; identical for the original request and any replay of it. */
export interface CommandAccepted {
  status: 'accepted';
  document: DocumentRef & { url: string };
  eventIds: string[];
  eventTypes: string[];
  streamRevision: number;
  route: RouteDecision;
  exceptions: DocumentException[];
  correlationId: string;
}

export type CommandOutcome =
  | { kind: 'accepted'; response: CommandAccepted }
  | { kind: 'replayed'; response: CommandAccepted }
  /** The idempotency key was used before for a different request. */
  | { kind: 'key-reused'; original: IdempotencyRecord };

export class ScopeForbiddenError extends Error {
  override name = 'ScopeForbiddenError';
}

/** Attempts before a document that keeps changing under us is reported as a conflict. */
const maxAttempts = 5;

export class CommandHandler {
  constructor(
    private readonly store: EventStore,
    private readonly router: Router,
    private readonly freezes?: FreezeCheck,
  ) {}

  async handle(envelope: CommandEnvelope): Promise<CommandOutcome> {
    const { spec, principal } = envelope;
    const ref: DocumentRef = {
      type: spec.documentType,
      key: spec.keyOf(envelope.params, envelope.body),
    };
    const scopedKey =
      envelope.idempotencyKey === undefined
        ? undefined
        : `${principal.clientId}\u0000${envelope.idempotencyKey}`;
    const streamName = streamNameOf(ref);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(streamName);
      const state = foldDocument(ref.type, recorded);
      const attributes = spec.attributes(envelope.body, state);
      const forbidden = scopeViolation(principal, { documentType: ref.type, ...attributes });
      if (forbidden) throw new ScopeForbiddenError(forbidden);

      const parents = await loadParents(
        this.store,
        attributes.company,
        spec.parentPoNumbers(envelope.body),
      );
      let events: DomainEvent[];
      try {
        this.freezes?.check({ documentType: ref.type, ...attributes }, envelope.receivedAt);
        events = spec.decide({ key: ref.key, body: envelope.body, state, parents: parents.states });
      } catch (error) {
        // A retry of a command that already succeeded is usually refused by the new state
        // (the order exists now), or by a freeze declared since. Only then is the key looked
        // up: the happy path skips it, and a retry that still decides cleanly is caught by the
        // append's claim instead.
        const previous = scopedKey ? await this.store.findIdempotencyRecord(scopedKey) : null;
        if (previous) return this.replay(previous, envelope);
        throw error;
      }
      const existingRoute = recordedRoute(recorded);
      const route =
        existingRoute ??
        this.router.decide({ document: ref, ...attributes }, parents.routes, envelope.receivedAt);
      const commandId = randomUUID();
      const metadata = this.metadata(envelope, route, commandId);
      const newEvents: NewEvent[] = [
        // A document's first command records its owner, once, ahead of the command itself.
        ...(existingRoute ? [] : [ownershipEvent(ref, route, metadata)]),
        ...events.map((event) => ({
          id: randomUUID(),
          type: event.type,
          data: event.data as JsonObject,
          metadata,
        })),
      ];
      const response: Omit<CommandAccepted, 'streamRevision'> = {
        status: 'accepted',
        document: { ...ref, url: urlOf(ref) },
        eventIds: newEvents.map((event) => event.id),
        eventTypes: newEvents.map((event) => event.type),
        route,
        exceptions: events.flatMap(
          (event) => (event.data as { exceptions?: DocumentException[] }).exceptions ?? [],
        ),
        correlationId: envelope.correlationId,
      };
      const last = recorded.at(-1);
      try {
        const result = await this.store.appendToStream(streamName, newEvents, {
          expectedRevision: last ? last.revision : 'no_stream',
          idempotency: scopedKey
            ? {
                key: scopedKey,
                fingerprint: envelope.fingerprint,
                result: response as unknown as JsonObject,
              }
            : undefined,
        });
        if (result.kind === 'duplicate') return this.replay(result.record, envelope);
        return {
          kind: 'accepted',
          response: { ...response, streamRevision: Number(result.nextExpectedRevision) },
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        // Someone else appended first: decide again on the new state.
        if (attempt >= maxAttempts) {
          throw new DocumentStateConflictError(
            'concurrent-modification',
            `The document changed ${maxAttempts} times while this command was being decided; retry it.`,
          );
        }
      }
    }
  }

  private replay(record: IdempotencyRecord, envelope: CommandEnvelope): CommandOutcome {
    if (record.fingerprint !== envelope.fingerprint)
      return { kind: 'key-reused', original: record };
    const original = record.result as unknown as Omit<CommandAccepted, 'streamRevision'>;
    return {
      kind: 'replayed',
      response: { ...original, streamRevision: Number(record.revision) },
    };
  }

  private metadata(envelope: CommandEnvelope, route: RouteDecision, commandId: string): JsonObject {
    const metadata: JsonObject = {
      clientId: envelope.principal.clientId,
      contractVersion: envelope.spec.contractVersion,
      contract: envelope.spec.contract,
      command: envelope.spec.name,
      commandId,
      correlationId: envelope.correlationId,
      causationId: commandId,
      receivedAt: envelope.receivedAt.toISOString(),
      route: route as unknown as JsonObject,
    };
    if (envelope.idempotencyKey !== undefined) metadata.idempotencyKey = envelope.idempotencyKey;
    if (envelope.traceparent !== undefined) metadata.traceparent = envelope.traceparent;
    return metadata;
  }
}
