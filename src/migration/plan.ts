/**
 * Which documents a migration moves: the open purchase orders of a scope whose owner is not
 * already the new one, each with what was received and invoiced against it so far. Read from
 * the log itself (not a read model that may lag): the documents projection's pure fold gives
 * each order's status and line balances, and the scope is matched by the same rule evaluator
 * the router and `rules simulate` use, so the plan agrees with a simulation of `scopeRuleSet`.
 */
import { type DocumentSummary, documents } from '../../projections/documents/documents.js';
import { decimal } from '../domain/decimal.js';
import { type DocumentRef, documentTypeInfo } from '../domain/documents.js';
import { ownershipChangedEventType, ownershipEventType } from '../domain/events/registry.js';
import type { EventStore, JsonObject } from '../ports/eventStore.js';
import { compileRuleSet, evaluate } from '../routing/evaluator.js';
import type { RuleSet, Target } from '../routing/ruleSet.js';
import type { CarriedOverLine } from './deliveries.js';

/** What to move: purchase orders of a company, and optionally of one site or supplier. */
export interface MigrationScope {
  documentType: 'purchaseOrder';
  company?: string;
  site?: string;
  supplier?: string;
}

export interface CurrentRoute {
  owner: string;
  primary?: string;
  shadow?: string;
}

export interface PlannedMove {
  document: DocumentRef;
  /** The order's site, recorded with the move (routing coverage counts the move under it). */
  site?: string;
  streamName: string;
  /** The order's stream revision the plan read: the move is appended against it. */
  revision: number;
  from: CurrentRoute;
  carriedOver: CarriedOverLine[];
}

export interface MigrationPlan {
  moves: PlannedMove[];
  /** Open orders of the scope already owned as asked: nothing to do (a second run). */
  alreadyOwned: number;
  /** Orders of the scope owned otherwise but not open (cancelled, closed, fully received and invoiced). */
  notOpen: number;
  /** The scope as a rule set: simulating it reports these moves plus the orders not open. */
  scopeRuleSet: RuleSet;
}

export interface PlanProgress {
  events: number;
}

export const routeLabel = (route: CurrentRoute): string =>
  route.owner === 'dual' ? `dual(${route.primary}+${route.shadow})` : route.owner;

export const targetLabel = (to: Target): string =>
  typeof to === 'string' ? to : `dual(${to.dual.primary}+${to.dual.shadow})`;

/** The scope as the first rule of a set (the last one routes everything else to legacy). */
export const scopeRuleSetOf = (scope: MigrationScope, to: Target): RuleSet => ({
  name: `Migration scope: ${describeScope(scope)}`,
  rules: [
    {
      id: 'migration-scope',
      match: {
        documentTypes: [scope.documentType],
        ...(scope.company ? { companies: [scope.company] } : {}),
        ...(scope.site ? { sites: [scope.site] } : {}),
        ...(scope.supplier ? { suppliers: [scope.supplier] } : {}),
      },
      target: to,
    },
    { id: 'elsewhere', match: {}, target: 'legacy' },
  ],
});

export const describeScope = (scope: MigrationScope): string =>
  (['documentType', 'company', 'site', 'supplier'] as const)
    .flatMap((name) => (scope[name] ? [`${name}=${scope[name]}`] : []))
    .join(',');

/** An order still has something to happen: a line to receive, or received goods to invoice. */
export const isOpen = (summary: DocumentSummary): boolean =>
  (summary.status === 'open' || summary.status === 'acknowledged') &&
  (summary.lines ?? []).some(
    (line) =>
      line.status === 'open' &&
      (decimal(line.received).lt(line.ordered) || decimal(line.invoiced).lt(line.received)),
  );

const categories = [
  documentTypeInfo.purchaseOrder.streamCategory,
  documentTypeInfo.shipmentNotice.streamCategory,
  documentTypeInfo.goodsReceipt.streamCategory,
  documentTypeInfo.supplierInvoice.streamCategory,
];

export const planMigration = async (
  store: EventStore,
  scope: MigrationScope,
  to: Target,
  onProgress?: (progress: PlanProgress) => void,
): Promise<MigrationPlan> => {
  const summaries = new Map<string, DocumentSummary>();
  const routes = new Map<string, CurrentRoute>();
  const revisions = new Map<string, number>();
  let count = 0;
  for await (const event of store.readAll({ filter: { streamCategories: categories } })) {
    if (++count % 1_000 === 0) onProgress?.({ events: count });
    for (const id of documents.idsOf(event)) {
      const next = documents.evolve(summaries.get(id) ?? null, event, id);
      if (next) summaries.set(id, next);
    }
    if (event.type === ownershipEventType) {
      const { document: _document, ...route } = event.data as JsonObject;
      routes.set(event.streamName, route as unknown as CurrentRoute);
    } else if (event.type === ownershipChangedEventType) {
      routes.set(event.streamName, (event.data as JsonObject).route as unknown as CurrentRoute);
    }
    revisions.set(event.streamName, Number(event.revision));
  }
  onProgress?.({ events: count });

  const scopeRuleSet = scopeRuleSetOf(scope, to);
  const compiled = compileRuleSet(scopeRuleSet, 0);
  const wanted = targetLabel(to);
  const plan: MigrationPlan = { moves: [], alreadyOwned: 0, notOpen: 0, scopeRuleSet };
  for (const [streamName, summary] of summaries) {
    if (summary.documentType !== scope.documentType) continue;
    const document: DocumentRef = { type: summary.documentType, key: summary.key };
    const decision = evaluate(compiled, {
      document,
      ...(summary.company ? { company: summary.company } : {}),
      ...(summary.site ? { site: summary.site } : {}),
      ...(summary.supplier ? { supplier: summary.supplier } : {}),
    });
    if (decision?.rule.id !== 'migration-scope') continue;
    const route = routes.get(streamName);
    if (!route) continue;
    const owned = routeLabel(route) === wanted;
    if (!isOpen(summary)) {
      if (!owned) plan.notOpen++;
      continue;
    }
    if (owned) {
      plan.alreadyOwned++;
      continue;
    }
    plan.moves.push({
      document,
      ...(summary.site ? { site: summary.site } : {}),
      streamName,
      revision: revisions.get(streamName) ?? 0,
      from: {
        owner: route.owner,
        ...(route.primary ? { primary: route.primary } : {}),
        ...(route.shadow ? { shadow: route.shadow } : {}),
      },
      carriedOver: (summary.lines ?? []).map((line) => ({
        lineNumber: line.lineNumber,
        ordered: { value: line.ordered, uom: line.uom },
        received: { value: line.received, uom: line.uom },
        invoiced: { value: line.invoiced, uom: line.uom },
      })),
    });
  }
  return plan;
};
