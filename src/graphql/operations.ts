/**
 * The auditors' questions about money and deliveries, answered from read models: the trial
 * balance of a company and period (`generalLedger`), the delivery backlog per target, dead
 * letters, and each document's deliveries with their attempts and replays (`deliveries`).
 */
import type { DeliveryRecord } from '../../projections/deliveries/deliveries.js';
import {
  encodeCursor,
  InvalidCursorError,
  ReadModelNotReadyError,
  type ReadModelStore,
} from '../ports/readModelStore.js';
import { deadLetters, deliveryBacklog } from '../projection/deliveryBacklog.js';
import { trialBalance } from '../projection/trialBalance.js';
import {
  afterCursor,
  argumentError,
  checkCode,
  checkPeriod,
  defaultPageSize,
  invalidCursor,
  pageSize,
} from './arguments.js';
import { type AuditSources, userError } from './audit.js';

/** The delivery targets: the two ERPs. */
const erps: readonly string[] = ['legacy', 'cloud'];

export const operationsTypeDefs = /* GraphQL */ `
  extend type Query {
    "GL postings of a company in a period (YYYY-MM), per account and currency; balanced per currency. A company with no postings (or unknown) answers an empty, balanced trial balance."
    trialBalance(company: String!, period: String!): TrialBalance!
    "Deliveries per target and recorded state, and the oldest still to deliver."
    deliveryBacklog: [TargetBacklog!]!
    "Dead-lettered deliveries, the most recently dead-lettered first."
    deadLetters(target: String, first: Int = ${defaultPageSize}, after: String): DeliveryConnection!
  }

  type TrialBalance {
    company: String!
    period: String!
    balanced: Boolean!
    currencies: [CurrencyTotal!]!
    accounts: [AccountBalance!]!
  }

  type CurrencyTotal {
    currency: String!
    debit: String!
    credit: String!
    balanced: Boolean!
  }

  type AccountBalance {
    account: String!
    currency: String!
    debit: String!
    credit: String!
    "Debit minus credit."
    balance: String!
    lines: Int!
  }

  type TargetBacklog {
    target: String!
    pending: Int!
    inFlight: Int!
    retrying: Int!
    deadLettered: Int!
    delivered: Int!
    outstanding: Int!
    oldestOutstandingAt: DateTime
    oldestOutstandingAgeSeconds: Float
  }

  type DeliveryConnection {
    edges: [DeliveryEdge!]!
    pageInfo: PageInfo!
  }

  type DeliveryEdge {
    cursor: String!
    node: Delivery!
  }

  "One command of a document handed to one ERP: its attempts, dead letter and replays."
  type Delivery {
    deliveryId: ID!
    target: String!
    role: String!
    state: String!
    documentType: String!
    documentStream: String!
    commandEventType: String!
    action: String!
    requestedAt: DateTime!
    deliveredAt: DateTime
    reference: String
    attempts: JSON!
    lastError: JSON
    deadLetter: JSON
    replays: JSON!
  }

  extend type DocumentSnapshot {
    "Its deliveries to the ERPs, as they stand now (not as of asOf)."
    deliveries: [Delivery!]!
  }
`;

/** Read-model failures as coded GraphQL errors. */
const answer = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReadModelNotReadyError) {
      throw userError(`${error.message}`, 'NOT_READY');
    }
    // Only deadLetters passes a client's cursor to the store.
    if (error instanceof InvalidCursorError) throw invalidCursor();
    throw error;
  }
};

const deliveryNode = (record: DeliveryRecord) => {
  const delivery = record.delivery as Record<string, unknown>;
  return {
    deliveryId: record.id,
    target: record.target,
    role: record.role,
    state: record.state,
    documentType: record.documentType,
    documentStream: record.documentStream,
    commandEventType: record.commandEventType,
    action: record.action,
    requestedAt: record.requestedAt,
    deliveredAt: delivery.deliveredAt ?? null,
    reference: delivery.reference ?? null,
    attempts: delivery.attempts ?? [],
    lastError: delivery.lastError ?? null,
    deadLetter: delivery.deadLetter ?? null,
    replays: delivery.replays ?? [],
  };
};

const documentDeliveries = async (readModels: ReadModelStore, documentStream: string) => {
  const found: DeliveryRecord[] = [];
  let after: string | undefined;
  do {
    const page = await readModels.find('deliveries', {
      where: { documentStream },
      orderBy: { field: 'requestedAt', direction: 'asc' },
      after,
      limit: 1000,
    });
    found.push(...(page.items as DeliveryRecord[]));
    after = page.next ?? undefined;
  } while (after);
  return found.map(deliveryNode);
};

interface Context {
  sources: AuditSources;
}

export const operationsResolvers = {
  Query: {
    trialBalance: (
      _: unknown,
      { company, period }: { company: string; period: string },
      { sources }: Context,
    ) => {
      checkCode('company', company);
      checkPeriod('period', period);
      return answer(() => trialBalance(sources.readModels, company, period));
    },
    deliveryBacklog: async (_: unknown, __: unknown, { sources }: Context) => {
      const targets = await answer(() => deliveryBacklog(sources.readModels, new Date()));
      return targets.map((backlog) => ({
        target: backlog.target,
        pending: backlog.states.pending,
        inFlight: backlog.states['in-flight'],
        retrying: backlog.states.retrying,
        deadLettered: backlog.states['dead-lettered'],
        delivered: backlog.states.delivered,
        outstanding: backlog.outstanding,
        oldestOutstandingAt: backlog.oldestOutstanding?.requestedAt ?? null,
        oldestOutstandingAgeSeconds: backlog.oldestOutstanding?.ageSeconds ?? null,
      }));
    },
    deadLetters: async (
      _: unknown,
      args: { target?: string | null; first?: number | null; after?: string | null },
      { sources }: Context,
    ) => {
      // A client's null is the argument left out: every target, 20 a page, the first page.
      const target = args.target ?? undefined;
      if (target !== undefined && !erps.includes(target)) {
        throw argumentError('target', `is ${erps.join(' or ')}, not ${JSON.stringify(target)}.`);
      }
      const limit = pageSize(args.first);
      const after = afterCursor(args.after);
      const page = await answer(() => deadLetters(sources.readModels, { target, after, limit }));
      // Each edge's cursor is the keyset position after it: a page may start at any edge.
      return {
        edges: page.items.map((record) => ({
          cursor: encodeCursor(record.deadLetteredAt ?? '', record.id),
          node: deliveryNode(record),
        })),
        pageInfo: { hasNextPage: page.next !== null, endCursor: page.next },
      };
    },
  },
  DocumentSnapshot: {
    deliveries: (snapshot: { streamName: string }, _: unknown, { sources }: Context) =>
      answer(() => documentDeliveries(sources.readModels, snapshot.streamName)),
  },
};
