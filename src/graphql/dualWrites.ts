/**
 * The auditors' view of dual-write: for a document routed to both ERPs, each comparison of the
 * primary's and the shadow's answers (src/divergence), agreed or diverged with its field-level
 * diff, read from the document's `DualWrite-<stream>`; up to `asOf` when the snapshot has one.
 */
import { dualWriteEventTypes, dualWriteStreamOf } from '../divergence/records.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import type { AuditSources } from './audit.js';

export const dualWriteTypeDefs = /* GraphQL */ `
  "One comparison of a dual document's two ERP answers to the same command."
  type DualWriteComparison {
    comparisonId: String!
    "The command compared, by event type and revision in the document's stream."
    commandEventType: String!
    commandRevision: Int!
    agreed: Boolean!
    "Each side: target, delivery id, outcome, ERP reference or error code."
    primary: JSON!
    shadow: JSON!
    "Field-level differences of the normalised answers (path, primary, shadow); empty when agreed."
    differences: JSON!
    comparedAt: DateTime!
  }

  extend type DocumentSnapshot {
    "Dual-write comparisons of this document, oldest first (up to asOf when given)."
    dualWrites: [DualWriteComparison!]!
  }
`;

const comparisonNode = (event: RecordedEvent) => {
  const data = event.data as Record<string, unknown>;
  return {
    comparisonId: data.comparisonId,
    commandEventType: data.commandEventType,
    commandRevision: data.commandRevision,
    agreed: event.type === dualWriteEventTypes.agreed,
    primary: data.primary,
    shadow: data.shadow,
    differences: data.differences ?? [],
    comparedAt: new Date(String(data.comparedAt ?? event.recordedAt.toISOString())),
  };
};

const comparisonTypes = new Set<string>(Object.values(dualWriteEventTypes));

export const dualWriteResolvers = {
  DocumentSnapshot: {
    dualWrites: async (
      snapshot: { streamName: string; asOf: Date | null },
      _: unknown,
      { sources }: { sources: AuditSources },
    ) => {
      const events = await sources.events.readStream(dualWriteStreamOf(snapshot.streamName));
      return events
        .filter((event) => comparisonTypes.has(event.type))
        .filter((event) => !snapshot.asOf || event.recordedAt <= snapshot.asOf)
        .map(comparisonNode);
    },
  },
};
