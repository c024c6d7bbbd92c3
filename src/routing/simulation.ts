/**
 * Simulation: replays the recorded documents against a proposed rule set, as if it had been
 * in force when each was created, and reports what would be owned differently, which open
 * purchase orders would end up on another ERP than documents already recorded against them,
 * and which rules would never match. It only reads the log it is given.
 */
import type { DocumentRef, DocumentType } from '../domain/documents.js';
import { documentTypeInfo, documentTypeOfStream } from '../domain/documents.js';
import { ownershipChangedEventType, ownershipEventType } from '../domain/events/registry.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import { compileRuleSet } from './evaluator.js';
import type { RouteDecision } from './route.js';
import { ruleSetRouter } from './router.js';
import type { RuleSet } from './ruleSet.js';

export interface SimulationProgress {
  events: number;
  documents: number;
}

export interface ScopeLine {
  documentType: DocumentType;
  company: string | null;
  site: string | null;
  documents: number;
  changed: number;
  /** `from → to` owner moves and how many documents make each. */
  moves: Record<string, number>;
}

export interface SplitDocument {
  document: DocumentRef;
  owner: string;
  parent: { poNumber: string; proposedOwner: string };
}

export interface SimulationReport {
  ruleSet: string;
  since: string | null;
  documents: number;
  changed: number;
  byScope: ScopeLine[];
  splits: SplitDocument[];
  ruleHits: Record<string, number>;
  unmatchedRules: string[];
}

interface RecordedDocument {
  ref: DocumentRef;
  streamName: string;
  owner: string;
  company?: string;
  site?: string;
  supplier?: string;
  poNumbers: string[];
  cancelled: boolean;
  createdAt: Date;
}

const ownerLabel = (route: Pick<RouteDecision, 'owner'> & { primary?: string; shadow?: string }) =>
  route.owner === 'dual' ? `dual(${route.primary}+${route.shadow})` : route.owner;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Folds the log into one entry per document: its recorded owner and routing attributes. */
const collect = async (
  events: AsyncIterable<RecordedEvent>,
  onProgress: ((progress: SimulationProgress) => void) | undefined,
) => {
  const documents = new Map<string, RecordedDocument>();
  let count = 0;
  for await (const event of events) {
    count++;
    if (onProgress && count % 1_000 === 0) onProgress({ events: count, documents: documents.size });
    const type = documentTypeOfStream(event.streamName);
    if (!type) continue;
    if (event.type === ownershipEventType) {
      documents.set(event.streamName, {
        ref: event.data.document as unknown as DocumentRef,
        streamName: event.streamName,
        owner: ownerLabel(event.data as unknown as RouteDecision),
        poNumbers: [],
        cancelled: false,
        createdAt: event.recordedAt,
      });
      continue;
    }
    const doc = documents.get(event.streamName);
    if (!doc) continue;
    // A migration moved it: its owner now is the one the migration recorded.
    if (event.type === ownershipChangedEventType) {
      doc.owner = ownerLabel(event.data.route as unknown as RouteDecision);
      continue;
    }
    if (event.type === 'PurchaseOrderCancelled') doc.cancelled = true;
    if (doc.company === undefined && doc.poNumbers.length === 0) {
      const data = event.data;
      doc.company = str(data.company) ?? doc.ref.key.company;
      doc.site = str(data.site);
      doc.supplier = str(data.supplier);
      const lines = Array.isArray(data.lines) ? (data.lines as Array<{ poNumber?: unknown }>) : [];
      doc.poNumbers = [
        ...new Set(lines.flatMap((l) => (typeof l.poNumber === 'string' ? [l.poNumber] : []))),
      ];
    }
  }
  onProgress?.({ events: count, documents: documents.size });
  return documents;
};

export const simulate = async (
  events: AsyncIterable<RecordedEvent>,
  proposed: RuleSet,
  options: { since?: Date; onProgress?: (progress: SimulationProgress) => void } = {},
): Promise<SimulationReport> => {
  const documents = await collect(events, options.onProgress);
  const compiled = compileRuleSet(proposed, 0);
  // The production router, fed the proposed set instead of the published ones.
  const router = ruleSetRouter({ compiledInForceAt: () => compiled }, 'legacy');
  const proposedRoutes = new Map<string, RouteDecision>();
  const ruleHits: Record<string, number> = Object.fromEntries(proposed.rules.map((r) => [r.id, 0]));
  const scopes = new Map<string, ScopeLine>();
  const splits: SplitDocument[] = [];
  let considered = 0;
  const inWindow = (doc: RecordedDocument) => !options.since || doc.createdAt >= options.since;
  let changed = 0;
  const poStream = (company: string | undefined, poNumber: string) =>
    `${documentTypeInfo.purchaseOrder.streamCategory}-${encodeURIComponent(company ?? '')}/${encodeURIComponent(poNumber)}`;

  // Log order: a purchase order is always routed before the documents that reference it.
  for (const doc of documents.values()) {
    const parents = doc.poNumbers.length
      ? doc.poNumbers.map((poNumber) => ({
          poNumber,
          route: proposedRoutes.get(poStream(doc.company, poNumber)) ?? null,
        }))
      : null;
    const route = router.decide(
      { document: doc.ref, company: doc.company, site: doc.site, supplier: doc.supplier },
      parents,
      doc.createdAt,
    );
    proposedRoutes.set(doc.streamName, route);
    if (!inWindow(doc)) continue;
    considered++;
    if (route.ruleId && route.basis !== 'parent')
      ruleHits[route.ruleId] = (ruleHits[route.ruleId] ?? 0) + 1;
    const to = ownerLabel(route);
    const key = `${doc.ref.type}|${doc.company ?? ''}|${doc.site ?? ''}`;
    const line = scopes.get(key) ?? {
      documentType: doc.ref.type,
      company: doc.company ?? null,
      site: doc.site ?? null,
      documents: 0,
      changed: 0,
      moves: {},
    };
    line.documents++;
    if (to !== doc.owner) {
      line.changed++;
      changed++;
      line.moves[`${doc.owner} → ${to}`] = (line.moves[`${doc.owner} → ${to}`] ?? 0) + 1;
    }
    scopes.set(key, line);
  }

  // Documents already recorded against an open order the proposed set would route elsewhere:
  // publishing moves none of them (routes are recorded once, children follow their order), so
  // the report names them for an operator deciding whether to migrate. Only orders created in
  // the window are replayed under the proposed set (the others keep their owner here).
  for (const doc of documents.values()) {
    for (const poNumber of doc.poNumbers) {
      const parentStream = poStream(doc.company, poNumber);
      const parent = documents.get(parentStream);
      const parentRoute = proposedRoutes.get(parentStream);
      if (!parent || parent.cancelled || !parentRoute || !inWindow(parent)) continue;
      if (ownerLabel(parentRoute) !== doc.owner) {
        splits.push({
          document: doc.ref,
          owner: doc.owner,
          parent: { poNumber, proposedOwner: ownerLabel(parentRoute) },
        });
      }
    }
  }

  return {
    ruleSet: proposed.name,
    since: options.since?.toISOString() ?? null,
    documents: considered,
    changed,
    byScope: [...scopes.values()].sort(
      (a, b) =>
        a.documentType.localeCompare(b.documentType) ||
        (a.company ?? '').localeCompare(b.company ?? '') ||
        (a.site ?? '').localeCompare(b.site ?? ''),
    ),
    splits,
    ruleHits,
    // Over no document at all, no rule can be called unused.
    unmatchedRules: considered
      ? Object.entries(ruleHits)
          .filter(([, hits]) => hits === 0)
          .map(([id]) => id)
      : [],
  };
};
