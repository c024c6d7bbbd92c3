/**
 * Migrating the open documents of a scope to another owner: plan (plan.ts), then, unless it
 * is a dry run, one `DocumentOwnershipChanged` event per document, appended to the document's
 * stream against the revision the plan read. The dispatcher turns each into deliveries
 * (deliveries.ts): the current state to the new owner, the old owner's copy as the policy says.
 * Later commands and children follow the new owner (commands/ownership.ts reads the latest).
 *
 * Idempotent: a document already owned as asked is not in the plan, so running the same
 * migration again moves nothing. A document changed by a client between the plan and its move
 * is read again and moved if it is still open and still owned otherwise.
 */
import { randomUUID } from 'node:crypto';
import { recordedRoute } from '../commands/ownership.js';
import { ownershipChangedEventType } from '../domain/events/registry.js';
import { foldDocument } from '../domain/fold.js';
import type { PurchaseOrderState } from '../domain/purchaseOrder/types.js';
import {
  type EventStore,
  type JsonObject,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import type { Target } from '../routing/ruleSet.js';
import type { OldOwnerPolicy } from './deliveries.js';
import {
  type CurrentRoute,
  type MigrationScope,
  type PlannedMove,
  type PlanProgress,
  planMigration,
  routeLabel,
  targetLabel,
} from './plan.js';

export interface MigrationRequest {
  scope: MigrationScope;
  to: Target;
  reason: string;
  oldOwnerPolicy: OldOwnerPolicy;
  dryRun: boolean;
  /** Client id of the architect's key. */
  by: string;
  /** The architect's API key id, when through the API (recorded, never the secret). */
  keyId?: string | undefined;
  correlationId: string;
}

export interface MovedDocument {
  document: PlannedMove['document'];
  from: string;
  to: string;
  carriedOver: PlannedMove['carriedOver'];
}

export interface MigrationResult {
  migrationId: string;
  dryRun: boolean;
  scope: MigrationScope;
  to: string;
  oldOwnerPolicy: OldOwnerPolicy;
  /** What moved (or, in a dry run, what would move), in log order. */
  moved: MovedDocument[];
  alreadyOwned: number;
  notOpen: number;
  /** Documents a client kept changing under the migration, or that closed meanwhile. */
  skipped: Array<{ document: PlannedMove['document']; reason: string }>;
  /** Simulating this rule set (`coexist rules simulate`) reports `moved` plus `notOpen`. */
  scopeRuleSet: object;
}

export type MigrationProgress =
  | ({ phase: 'reading' } & PlanProgress)
  | { phase: 'moving'; done: number; total: number };

const newRoute = (to: Target, by: string, migrationId: string, reason: string) => {
  const why = `Migrated by ${by} (migration ${migrationId}): ${reason}`;
  const common = { basis: 'migration', ruleId: null, ruleSetVersion: null, reason: why };
  return typeof to === 'string'
    ? { owner: to, primary: to, ...common }
    : { owner: 'dual', primary: to.dual.primary, shadow: to.dual.shadow, ...common };
};

export const migrate = async (
  store: EventStore,
  request: MigrationRequest,
  onProgress?: (progress: MigrationProgress) => void,
  now: () => Date = () => new Date(),
): Promise<MigrationResult> => {
  const migrationId = randomUUID();
  const plan = await planMigration(store, request.scope, request.to, (p) =>
    onProgress?.({ phase: 'reading', ...p }),
  );
  const wanted = targetLabel(request.to);
  const result: MigrationResult = {
    migrationId,
    dryRun: request.dryRun,
    scope: request.scope,
    to: wanted,
    oldOwnerPolicy: request.oldOwnerPolicy,
    moved: [],
    alreadyOwned: plan.alreadyOwned,
    notOpen: plan.notOpen,
    skipped: [],
    scopeRuleSet: plan.scopeRuleSet,
  };
  const moved = (move: PlannedMove, from: CurrentRoute) =>
    result.moved.push({
      document: move.document,
      from: routeLabel(from),
      to: wanted,
      carriedOver: move.carriedOver,
    });
  if (request.dryRun) {
    for (const move of plan.moves) moved(move, move.from);
    return result;
  }
  const route = newRoute(request.to, request.by, migrationId, request.reason);
  let done = 0;
  for (const move of plan.moves) {
    const outcome = await moveOne(store, request, migrationId, route, move, now);
    if (outcome.moved) moved(move, outcome.from);
    else result.skipped.push({ document: move.document, reason: outcome.reason });
    onProgress?.({ phase: 'moving', done: ++done, total: plan.moves.length });
  }
  return result;
};

type MoveOutcome = { moved: true; from: CurrentRoute } | { moved: false; reason: string };

const moveOne = async (
  store: EventStore,
  request: MigrationRequest,
  migrationId: string,
  route: ReturnType<typeof newRoute>,
  move: PlannedMove,
  now: () => Date,
): Promise<MoveOutcome> => {
  let revision = BigInt(move.revision);
  let from = move.from;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const at = now().toISOString();
    const data = {
      document: move.document,
      ...(move.site ? { site: move.site } : {}),
      route,
      previous: from,
      migrationId,
      by: request.by,
      reason: request.reason,
      at,
      oldOwnerPolicy: request.oldOwnerPolicy,
      carriedOver: move.carriedOver,
    };
    const commandId = randomUUID();
    try {
      await store.appendToStream(
        move.streamName,
        [
          {
            id: randomUUID(),
            type: ownershipChangedEventType,
            data: data as unknown as JsonObject,
            metadata: {
              clientId: request.by,
              ...(request.keyId ? { keyId: request.keyId } : {}),
              command: 'migrateOwnership',
              commandId,
              correlationId: request.correlationId,
              causationId: commandId,
              receivedAt: at,
              migrationId,
              route: route as unknown as JsonObject,
            },
          },
        ],
        { expectedRevision: revision },
      );
      return { moved: true, from };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      // A client changed the order since the plan read it: look at it again.
      const events = await store.readStream(move.streamName);
      const current = recordedRoute(events) as CurrentRoute | null;
      const state = foldDocument('purchaseOrder', events) as PurchaseOrderState | null;
      if (!current || !state) return { moved: false, reason: 'the order is no longer readable' };
      if (routeLabel(current) === routeLabel(route)) {
        return { moved: false, reason: 'already moved meanwhile' };
      }
      if (state.status !== 'open' && state.status !== 'acknowledged') {
        return { moved: false, reason: `it became ${state.status} meanwhile` };
      }
      from = current;
      revision = events.at(-1)?.revision ?? revision;
    }
  }
  return { moved: false, reason: 'clients kept changing it; freeze the scope and run again' };
};
