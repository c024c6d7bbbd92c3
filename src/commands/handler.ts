/**
 * The write path after contract validation, as one pipeline:
 *
 *   load (document, parents, references) → authorise scope → freeze check → decide → route → append
 *
 * with idempotency (idempotency.ts) answering a request seen before, and optimistic
 * concurrency deciding again when another writer appended first. Protocol-free: the HTTP layer
 * maps its outcomes, and its errors by their `type` (http/problem.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Principal, type ScopedAttributes, scopeViolation } from '../auth/principal.js';
import { type DocumentRef, streamNameOf } from '../domain/documents.js';
import { BusinessRuleError, type Violation } from '../domain/errors.js';
import { type DocumentState, type DomainEvent, foldDocument } from '../domain/fold.js';
import type { PurchaseOrderState } from '../domain/purchaseOrder/types.js';
import { type Clock, type IdGenerator, randomIds, systemClock } from '../ports/clock.js';
import {
  type EventStore,
  type ExpectedRevision,
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import type { ParentRoute, RouteDecision, Router } from '../routing/route.js';
import type { CommandSpec } from './catalog.js';
import { ConcurrencyConflictError, ScopeForbiddenError } from './errors.js';
import { IdempotencyKey } from './idempotency.js';
import {
  loadParents,
  noParents,
  ownershipEvent,
  type Parents,
  recordedRoute,
} from './ownership.js';
import { acceptedResponse, type CommandAccepted } from './response.js';
import { authoriseDocumentType, documentNotFound } from './scope.js';
import { Turns } from './turns.js';

export type { CommandAccepted } from './response.js';

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
  /** Hash of what makes two requests "the same" (method, route path, canonical body). */
  fingerprint: string;
  correlationId: string;
  traceparent?: string;
}

export type CommandOutcome =
  | { kind: 'accepted'; response: CommandAccepted }
  /** A retry of a request accepted before: its original answer. */
  | { kind: 'replayed'; response: CommandAccepted };

export interface CommandHandlerOptions {
  store: EventStore;
  router: Router;
  freezes?: FreezeCheck;
  clock?: Clock;
  newId?: IdGenerator;
}

/** One command, worked out once before any attempt to decide it. */
interface Command {
  envelope: CommandEnvelope;
  spec: CommandSpec;
  ref: DocumentRef;
  streamName: string;
  idempotency: IdempotencyKey | null;
  receivedAt: Date;
}

/** What one attempt knows: the document as read, and what the command references. */
interface Loaded {
  /** The document's events; none when the document is new, or was not read. */
  events: readonly RecordedEvent[];
  state: DocumentState | null;
  /** The owner recorded at the document's first command; null for a new document. */
  route: RouteDecision | null;
  expectedRevision: ExpectedRevision;
  parents: Parents;
  /** Referenced documents the gateway has not recorded. */
  unknownReferences: Violation[];
  /** Documents the decision reads (a receipt's shipment notice), folded, by stream name. */
  documents: ReadonlyMap<string, DocumentState | null>;
}

/**
 * Attempts before a command whose document keeps changing under it is refused as retryable.
 * Commands on one document in this process take turns, so only writers in other processes
 * (other instances on EventStoreDB) can race it.
 */
const maxAttempts = 8;

const noDocuments: ReadonlyMap<string, DocumentState | null> = new Map();
const noEvents: readonly RecordedEvent[] = [];
const noReferences: readonly Reference[] = [];
const noViolations: Violation[] = [];
const noParentStates: readonly (PurchaseOrderState | null)[] = [];

/** A document a command names, which must have been recorded (see CommandSpec.references). */
type Reference = ReturnType<NonNullable<CommandSpec['references']>>[number];

/**
 * The parent orders a document may follow: not another supplier's. Following one would tell
 * the client, in its answer's route, that the order exists and which ERP owns it; the domain
 * flags such a document (SUPPLIER_MISMATCH) and it is never delivered, so the rules route it.
 */
const ownParents = (parents: Parents, supplier: string | undefined): ParentRoute[] | null => {
  if (parents.routes === null || supplier === undefined) return parents.routes;
  return parents.routes.filter(({ poNumber }) => {
    const state = parents.states.get(poNumber);
    return !state || state.supplier === supplier;
  });
};

/** Up to 10, 20, 40… ms (at most 250), at random so racing writers spread out. */
const backoff = (attempt: number): number => Math.random() * Math.min(250, 10 * 2 ** (attempt - 1));

export class CommandHandler {
  private readonly store: EventStore;
  private readonly router: Router;
  private readonly freezes: FreezeCheck | undefined;
  private readonly clock: Clock;
  private readonly newId: IdGenerator;
  private readonly turns = new Turns();

  constructor(options: CommandHandlerOptions) {
    this.store = options.store;
    this.router = options.router;
    this.freezes = options.freezes;
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? randomIds;
  }

  async handle(envelope: CommandEnvelope): Promise<CommandOutcome> {
    const { spec, principal } = envelope;
    // Answered before anything is read, so alike whether the document exists.
    authoriseDocumentType(principal, spec.documentType);
    const ref: DocumentRef = {
      type: spec.documentType,
      key: spec.keyOf(envelope.params, envelope.body),
    };
    const command: Command = {
      envelope,
      spec,
      ref,
      streamName: streamNameOf(ref),
      idempotency:
        envelope.idempotencyKey === undefined
          ? null
          : new IdempotencyKey(principal.clientId, envelope.idempotencyKey, envelope.fingerprint),
      receivedAt: this.clock.now(),
    };
    // Commands on one document take turns here, so they do not race each other for its next
    // revision through the retries below. A create does not wait for one: should another
    // command hold the document, the create's `no_stream` append fails at once and it is
    // decided on the stream as read, as after waiting; every write creating a document (most
    // of them) is spared the bookkeeping.
    if (command.spec.creates) return this.decideAndAppend(command);
    return this.turns.run(command.streamName, () => this.decideAndAppend(command));
  }

  /** Runs the pipeline until its append holds, deciding again when another writer won. */
  private async decideAndAppend(command: Command): Promise<CommandOutcome> {
    if (command.spec.creates) {
      // A create is first decided against "no document yet" without reading its stream: the
      // append's `no_stream` expectation and idempotency claim check that assumption
      // atomically. If this shortcut fails for any reason (the document exists, the request
      // was accepted before and is refused now, …), the command is decided as any other, on
      // the stream as read, and that outcome stands.
      try {
        return await this.attempt(command, await this.load(command, false));
      } catch {
        // decided again below
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(command, await this.load(command, true));
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt === maxAttempts) throw new ConcurrencyConflictError(attempt);
        await sleep(backoff(attempt));
      }
    }
  }

  /** Load: the document (unless `read` is false), the orders and documents it references. */
  private async load(command: Command, read: boolean): Promise<Loaded> {
    const { spec, envelope, streamName } = command;
    const { body } = envelope;
    // Most commands reference nothing: each read below is skipped, not awaited empty.
    const events = read ? await this.store.readStream(streamName) : noEvents;
    const references = spec.references?.(body) ?? noReferences;
    const unknownReferences =
      references.length === 0 ? noViolations : await this.unknownReferences(references);
    const referenced = spec.referencedDocuments(body);
    const documents = referenced.length === 0 ? noDocuments : await this.readDocuments(referenced);
    const state = foldDocument(spec.documentType, events);
    const poNumbers = spec.parentPoNumbers(body);
    const parents =
      poNumbers.length === 0
        ? noParents
        : await loadParents(this.store, spec.attributes(body, state).company, poNumbers);
    return {
      events,
      state,
      route: recordedRoute(events),
      expectedRevision: events.at(-1)?.revision ?? 'no_stream',
      parents,
      unknownReferences,
      documents,
    };
  }

  /** Folds the documents a decision reads; none for most commands, and then no read. */
  private async readDocuments(
    refs: readonly DocumentRef[],
  ): Promise<ReadonlyMap<string, DocumentState | null>> {
    const folded = await Promise.all(
      refs.map(async (ref) => {
        const name = streamNameOf(ref);
        return [name, foldDocument(ref.type, await this.store.readStream(name))] as const;
      }),
    );
    return new Map(folded);
  }

  /** One pass of the pipeline against the document as loaded. */
  private async attempt(command: Command, loaded: Loaded): Promise<CommandOutcome> {
    const { spec, envelope, ref, receivedAt } = command;
    if (!spec.creates && loaded.state === null) throw documentNotFound(ref);
    const attributes = spec.attributes(envelope.body, loaded.state);
    const scope: ScopedAttributes = { documentType: ref.type, ...attributes };
    this.authorise(command, scope, loaded.parents);

    const earlier = command.idempotency?.answerFromDocument(ref, loaded.events);
    if (earlier) return { kind: 'replayed', response: earlier };

    this.freezes?.check(scope, receivedAt);
    if (loaded.unknownReferences.length > 0) {
      throw new BusinessRuleError('unknown-reference', loaded.unknownReferences);
    }
    const events = spec.decide({
      key: ref.key,
      body: envelope.body,
      state: loaded.state,
      parents: loaded.parents.states,
      documents: loaded.documents,
    });
    const route =
      loaded.route ??
      this.router.decide(
        { document: ref, ...attributes },
        ownParents(loaded.parents, attributes.supplier),
        receivedAt,
      );
    return this.append(command, loaded, route, events);
  }

  /** A key outside its scope is refused a create (403); for an existing document see scope.ts. */
  private authorise(command: Command, scope: ScopedAttributes, parents: Parents): void {
    const { principal } = command.envelope;
    const states = parents.states.size === 0 ? noParentStates : [...parents.states.values()];
    const violation = scopeViolation(principal, scope, states);
    if (violation === null) return;
    throw command.spec.creates ? new ScopeForbiddenError(violation) : documentNotFound(command.ref);
  }

  private async append(
    command: Command,
    loaded: Loaded,
    route: RouteDecision,
    decided: DomainEvent[],
  ): Promise<CommandOutcome> {
    const { ref, idempotency } = command;
    const metadata = this.metadata(command, route);
    const events: NewEvent[] = [];
    // A document's first command records its owner, once, ahead of the command itself.
    if (!loaded.route) events.push(ownershipEvent(this.newId(), ref, route, metadata));
    for (const event of decided) {
      events.push({ id: this.newId(), type: event.type, data: event.data as JsonObject, metadata });
    }
    const result = await this.store.appendToStream(command.streamName, events, {
      expectedRevision: loaded.expectedRevision,
      idempotency: idempotency?.claim,
    });
    if (result.kind === 'appended') {
      const revision = Number(result.nextExpectedRevision);
      const { correlationId } = command.envelope;
      return {
        kind: 'accepted',
        response: acceptedResponse(ref, events, revision, route, correlationId),
      };
    }
    if (!idempotency) throw new Error('The store found a claim taken by an append that made none.');
    const response = await idempotency.answerFromClaim(this.store, ref, result.record);
    return { kind: 'replayed', response };
  }

  /** The referenced documents (spec.references) the gateway has not recorded, as violations. */
  private async unknownReferences(references: readonly Reference[]): Promise<Violation[]> {
    const found = await Promise.all(
      references.map(({ document }) =>
        this.store.readStream(streamNameOf(document), { maxCount: 1 }),
      ),
    );
    return references
      .filter((_, i) => found[i]?.length === 0)
      .map(({ pointer, document }) => ({
        pointer,
        detail: `No ${document.type} ${Object.values(document.key).join('/')} has been recorded.`,
      }));
  }

  private metadata(command: Command, route: RouteDecision): JsonObject {
    const { envelope, spec, receivedAt } = command;
    const commandId = this.newId();
    const metadata: JsonObject = {
      clientId: envelope.principal.clientId,
      // Which of the client's keys (never its secret), so a leaked or misused key's writes
      // can be found.
      keyId: envelope.principal.keyId,
      contractVersion: spec.contractVersion,
      contract: spec.contract,
      command: spec.name,
      commandId,
      correlationId: envelope.correlationId,
      causationId: commandId,
      receivedAt: receivedAt.toISOString(),
      route: route as unknown as JsonObject,
    };
    if (command.idempotency) {
      metadata.idempotencyKey = command.idempotency.key;
      metadata.requestFingerprint = command.idempotency.fingerprint;
    }
    if (envelope.traceparent !== undefined) metadata.traceparent = envelope.traceparent;
    return metadata;
  }
}
