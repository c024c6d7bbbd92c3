/**
 * The auditors' GraphQL schema: read-only questions about who did what, under which rules,
 * and what a document looked like at any instant. Relay connections with opaque cursors.
 */
import { createSchema } from 'graphql-yoga';
import type { JsonObject, RecordedEvent } from '../ports/eventStore.js';
import { afterCursor, defaultPageSize, pageSize } from './arguments.js';
import {
  type AuditSources,
  documentAsOf,
  documentRef,
  findEvents,
  freezesInForce,
  isDateTime,
  type Order,
  routingCoverage,
  ruleSetInForce,
  userError,
} from './audit.js';
import { dualWriteResolvers, dualWriteTypeDefs } from './dualWrites.js';
import { operationsResolvers, operationsTypeDefs } from './operations.js';

export const typeDefs = /* GraphQL */ `
  "An instant, ISO 8601 with a time zone (e.g. 2026-12-01T10:00:00Z)."
  scalar DateTime
  "Any JSON value: event payloads, document states, rule sets."
  scalar JSON

  enum Order {
    NEWEST_FIRST
    OLDEST_FIRST
  }

  enum DocumentType {
    purchaseOrder
    shipmentNotice
    goodsReceipt
    supplierInvoice
    journalEntry
  }

  "A document by type and its two key parts, in URL order (e.g. company, poNumber)."
  input DocumentRefInput {
    type: DocumentType!
    key: [String!]!
  }

  "All given conditions must hold. Without document, the event index answers."
  input EventFilter {
    document: DocumentRefInput
    clientId: String
    correlationId: String
    type: String
    "Recorded at or after."
    from: DateTime
    "Recorded before."
    to: DateTime
  }

  type Query {
    "Events, newest first by default: of a document, a client, a correlation id, a type, a time range."
    events(filter: EventFilter, order: Order = NEWEST_FIRST, first: Int = ${defaultPageSize}, after: String): EventConnection!
    "A document as it was at asOf (now when omitted): null if it did not exist yet."
    document(ref: DocumentRefInput!, asOf: DateTime): DocumentSnapshot
    "The routing rule set in force at an instant, who published it, when and why."
    ruleSetInForce(at: DateTime!): RuleSetVersion
    "The cutover freezes in force at an instant."
    freezesInForce(at: DateTime!): [Freeze!]!
    "What each ERP holds, as it changed per day, type, company and site, days from..to (YYYY-MM-DD), at most 1,000 rows: documents recorded and routed to it, migrated to it and away from it. owner: legacy, cloud, dual or unresolved."
    routingCoverage(from: String!, to: String!, owner: String): [CoverageRow!]!
  }

  type CoverageRow {
    day: String!
    documentType: DocumentType!
    company: String
    site: String
    owner: String!
    "The day's net change: recorded + migratedIn - migratedOut (negative when the owner lost more than it gained). Summed over every day: what the owner holds."
    documents: Int!
    "Documents recorded that day and routed to the owner."
    recorded: Int!
    "Documents migrated to the owner that day."
    migratedIn: Int!
    "Documents migrated away from the owner that day."
    migratedOut: Int!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type EventConnection {
    edges: [EventEdge!]!
    pageInfo: PageInfo!
  }

  type EventEdge {
    cursor: String!
    node: Event!
  }

  "A recorded event and who caused it."
  type Event {
    eventId: ID!
    type: String!
    streamName: String!
    revision: Int!
    "Position in the log, as a decimal string."
    position: String!
    recordedAt: DateTime!
    data: JSON!
    actor: Actor!
    command: CommandInfo
    correlationId: String
    "The routing decision the write path recorded with a command's events."
    route: JSON
    metadata: JSON!
  }

  "The client (API key) behind an event."
  type Actor {
    clientId: String
    "Recorded when the write path records it in the event metadata."
    keyId: String
  }

  "The API command an event records: contract, version and idempotency key."
  type CommandInfo {
    name: String
    commandId: String
    contract: String
    contractVersion: String
    idempotencyKey: String
    receivedAt: DateTime
  }

  type DocumentSnapshot {
    type: DocumentType!
    key: JSON!
    streamName: String!
    "The instant asked for; null for now."
    asOf: DateTime
    "Revision of the last event folded."
    revision: Int!
    lastEventAt: DateTime
    owner: String
    route: JSON
    status: String
    "The state the domain folds from the events up to asOf."
    state: JSON
    "The events folded into this snapshot."
    events(order: Order = OLDEST_FIRST, first: Int = ${defaultPageSize}, after: String): EventConnection!
  }

  type RuleSetVersion {
    version: Int!
    name: String
    author: String!
    reason: String!
    publishedAt: DateTime!
    effectiveFrom: DateTime!
    "The client that published it."
    publishedBy: String
    digest: String!
    ruleSet: JSON!
    "The freezes in force at the same instant."
    freezes: [Freeze!]!
  }

  type Freeze {
    freezeId: ID!
    scope: JSON!
    from: DateTime!
    until: DateTime!
    reason: String!
    frozenBy: String!
    frozenAt: DateTime!
  }
`;

const parseInstant = (value: unknown): Date => {
  // ajv-formats' full check: a real calendar day (no 2026-11-31 rolling over to December).
  if (typeof value !== 'string' || !isDateTime(value)) {
    throw userError(`Not an ISO 8601 instant with a time zone: ${JSON.stringify(value)}.`);
  }
  return new Date(value);
};

/** Scalars as graphql-tools resolver maps, built by yoga's own graphql module. */
const DateTime = {
  __serialize: (value: unknown) => (value instanceof Date ? value.toISOString() : String(value)),
  __parseValue: parseInstant,
  __parseLiteral: (ast: { kind: string; value?: unknown }) =>
    parseInstant(ast.kind === 'StringValue' ? ast.value : undefined),
};

const JSONScalar = {
  __serialize: (value: unknown) => value,
  __parseValue: (value: unknown) => value,
};

export interface AuditContext {
  sources: AuditSources;
}

interface FilterInput {
  document?: { type: string; key: string[] };
  clientId?: string;
  correlationId?: string;
  type?: string;
  from?: Date;
  to?: Date;
}

/** A connection's arguments as a client may send them: any of them null. */
interface ConnectionArgs {
  order?: Order | null;
  first?: number | null;
  after?: string | null;
}

/** A client's null is the argument left out: the default order and size, the first page. */
const connection = (args: ConnectionArgs, order: Order) => ({
  order: args.order ?? order,
  first: pageSize(args.first),
  after: afterCursor(args.after),
});

const text = (metadata: JsonObject, field: string) => {
  const value = metadata[field];
  return typeof value === 'string' ? value : null;
};

export const resolvers = {
  DateTime,
  JSON: JSONScalar,
  Query: {
    events: (
      _: unknown,
      args: { filter?: FilterInput | null } & ConnectionArgs,
      { sources }: AuditContext,
    ) => {
      const { document, ...filter } = args.filter ?? {};
      return findEvents(sources, {
        ...filter,
        document: document
          ? documentRef(document.type, document.key, 'filter.document')
          : undefined,
        ...connection(args, 'NEWEST_FIRST'),
      });
    },
    document: (
      _: unknown,
      args: { ref: { type: string; key: string[] }; asOf?: Date | null },
      { sources }: AuditContext,
    ) =>
      documentAsOf(
        sources,
        documentRef(args.ref.type, args.ref.key, 'ref'),
        args.asOf ?? undefined,
      ),
    ruleSetInForce: async (_: unknown, { at }: { at: Date }, { sources }: AuditContext) => {
      const version = await ruleSetInForce(sources, at);
      return version && { ...version, name: version.ruleSet.name ?? null, at };
    },
    freezesInForce: (_: unknown, { at }: { at: Date }, { sources }: AuditContext) =>
      freezesInForce(sources, at),
    routingCoverage: (
      _: unknown,
      range: { from: string; to: string; owner?: string },
      { sources }: AuditContext,
    ) => routingCoverage(sources, range),
  },
  Event: {
    eventId: (event: RecordedEvent) => event.id,
    revision: (event: RecordedEvent) => Number(event.revision),
    position: (event: RecordedEvent) => event.position.toString(),
    actor: (event: RecordedEvent) => ({
      clientId: text(event.metadata, 'clientId'),
      keyId: text(event.metadata, 'keyId'),
    }),
    command: (event: RecordedEvent) => {
      const name = text(event.metadata, 'command');
      if (name === null) return null;
      return {
        name,
        commandId: text(event.metadata, 'commandId'),
        contract: text(event.metadata, 'contract'),
        contractVersion: text(event.metadata, 'contractVersion'),
        idempotencyKey: text(event.metadata, 'idempotencyKey'),
        receivedAt: text(event.metadata, 'receivedAt'),
      };
    },
    correlationId: (event: RecordedEvent) => text(event.metadata, 'correlationId'),
    route: (event: RecordedEvent) => event.metadata.route ?? null,
  },
  DocumentSnapshot: {
    events: (
      snapshot: { type: string; key: Record<string, string>; asOf: Date | null },
      args: ConnectionArgs,
      { sources }: AuditContext,
    ) =>
      findEvents(sources, {
        document: documentRef(snapshot.type, Object.values(snapshot.key), 'ref'),
        ...(snapshot.asOf ? { to: new Date(snapshot.asOf.getTime() + 1) } : {}),
        ...connection(args, 'OLDEST_FIRST'),
      }),
  },
  RuleSetVersion: {
    freezes: (version: { at: Date }, _: unknown, { sources }: AuditContext) =>
      freezesInForce(sources, version.at),
  },
};

/** The executable schema, for a server whose own context is `ServerContext`. */
export const auditSchema = <ServerContext extends object>() =>
  createSchema<ServerContext & AuditContext>({
    typeDefs: [typeDefs, operationsTypeDefs, dualWriteTypeDefs],
    resolvers: [resolvers, operationsResolvers, dualWriteResolvers],
  });
