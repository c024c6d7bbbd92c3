/**
 * The auditors' questions, answered from the log and the event index, without scanning the
 * log: a document's events come from its own stream, everything else through the `eventIndex`
 * read model (by client, correlation id, type and time), each event then read by stream and
 * revision. As-of answers fold the document's stream up to the instant with the domain's
 * own fold; rules and freezes in force fold their registry streams up to the instant.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { createGraphQLError } from 'graphql-yoga';
import type { IndexedEvent } from '../../projections/eventIndex/eventIndex.js';
import { recordedRoute } from '../commands/ownership.js';
import {
  type DocumentRef,
  type DocumentType,
  documentTypeInfo,
  documentTypes,
  streamNameOf,
} from '../domain/documents.js';
import { foldDocument } from '../domain/fold.js';
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import {
  type Condition,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  ReadModelNotReadyError,
  type ReadModelStore,
} from '../ports/readModelStore.js';
import { inForceFrom, type PublishedRuleSet } from '../registries/ruleSets.js';
import type { Freeze } from '../routing/freezes.js';
import type { RouteDecision } from '../routing/route.js';
import { argumentError, checkCode, checkCorrelationId, invalidCursor } from './arguments.js';

export interface AuditSources {
  events: EventStore;
  readModels: ReadModelStore;
}

export type Order = 'NEWEST_FIRST' | 'OLDEST_FIRST';

export interface EventQuery {
  document?: DocumentRef;
  clientId?: string;
  correlationId?: string;
  type?: string;
  from?: Date;
  to?: Date;
  order: Order;
  first: number;
  after?: string;
}

export interface EventPage {
  edges: { cursor: string; node: RecordedEvent }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const ruleSetStream = 'coexist-routing-rules';
const freezeStream = 'coexist-routing-freezes';

/**
 * An expected failure, shown to the client with its code. Created through yoga's own
 * graphql module, so yoga recognises it and never masks it (graphql 16 ships CJS and ESM
 * builds, and a bundler may load both).
 */
export const userError = (message: string, code = 'BAD_USER_INPUT') =>
  createGraphQLError(message, { extensions: { code } });

/** A document reference from arguments; `argument` names them (e.g. `ref`) when refused. */
export const documentRef = (
  type: string,
  key: readonly string[],
  argument: string,
): DocumentRef => {
  if (!(documentTypes as readonly string[]).includes(type)) {
    throw argumentError(`${argument}.type`, `is not a document type: ${JSON.stringify(type)}.`);
  }
  const { keyFields } = documentTypeInfo[type as DocumentType];
  if (key.length !== 2) {
    throw argumentError(`${argument}.key`, `of a ${type} has two parts: ${keyFields.join(', ')}.`);
  }
  // The parts of the REST document URLs, validated by the same pattern.
  for (const part of key) checkCode(`${argument}.key`, part);
  return {
    type: type as DocumentType,
    key: { [keyFields[0]]: key[0] as string, [keyFields[1]]: key[1] as string },
  };
};

const page = <T>(
  items: T[],
  limit: number,
  cursorOf: (item: T) => string,
): { edges: { cursor: string; node: T }[]; hasNextPage: boolean } => {
  const hasNextPage = items.length > limit;
  const edges = items.slice(0, limit).map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, hasNextPage };
};

const cursorValue = (after: string | undefined): number | string | undefined => {
  if (after === undefined) return undefined;
  try {
    const { value } = decodeCursor(after);
    if (typeof value === 'boolean') throw new InvalidCursorError();
    return value;
  } catch {
    throw invalidCursor();
  }
};

const inTimeRange = (event: RecordedEvent, query: EventQuery) =>
  (!query.from || event.recordedAt >= query.from) && (!query.to || event.recordedAt < query.to);

/** A document's events, from its stream (filtered by type and time), by revision. */
const documentEvents = async (
  sources: AuditSources,
  query: EventQuery & { document: DocumentRef },
): Promise<EventPage> => {
  const all = await sources.events.readStream(streamNameOf(query.document));
  const after = cursorValue(query.after);
  const newestFirst = query.order === 'NEWEST_FIRST';
  const selected = all
    .filter(
      (event) =>
        (!query.type || event.type === query.type) &&
        (!query.clientId || event.metadata.clientId === query.clientId) &&
        (!query.correlationId || event.metadata.correlationId === query.correlationId) &&
        inTimeRange(event, query) &&
        (after === undefined ||
          (newestFirst
            ? Number(event.revision) < Number(after)
            : Number(event.revision) > Number(after))),
    )
    .sort((a, b) =>
      newestFirst ? Number(b.revision - a.revision) : Number(a.revision - b.revision),
    );
  const { edges, hasNextPage } = page(selected, query.first, (event) =>
    encodeCursor(Number(event.revision), event.streamName),
  );
  return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
};

/** Events found through the event index, then read from their streams. */
const indexedEvents = async (sources: AuditSources, query: EventQuery): Promise<EventPage> => {
  const where: Record<string, Condition> = {};
  if (query.clientId) where.clientId = query.clientId;
  if (query.correlationId) where.correlationId = query.correlationId;
  if (query.type) where.type = query.type;
  if (query.from || query.to) {
    where.recordedAt = {
      ...(query.from ? { gte: query.from.toISOString() } : {}),
      ...(query.to ? { lt: query.to.toISOString() } : {}),
    };
  }
  const after = cursorValue(query.after);
  const result = await sources.readModels
    .find('eventIndex', {
      where,
      orderBy: { field: 'id', direction: query.order === 'NEWEST_FIRST' ? 'desc' : 'asc' },
      after: after === undefined ? undefined : encodeCursor(String(after), String(after)),
      limit: query.first,
    })
    .catch((error: unknown) => {
      if (error instanceof ReadModelNotReadyError) {
        throw userError('The event index is still being built; retry shortly.', 'NOT_READY');
      }
      throw error;
    });
  const entries = result.items as unknown as IndexedEvent[];
  const events = await Promise.all(
    entries.map(async (entry) => {
      const [event] = await sources.events.readStream(entry.streamName, {
        fromRevision: BigInt(entry.revision),
        maxCount: 1,
      });
      return event;
    }),
  );
  const edges = entries.flatMap((entry, index) => {
    const node = events[index];
    return node ? [{ cursor: encodeCursor(entry.id, entry.id), node }] : [];
  });
  return {
    edges,
    pageInfo: { hasNextPage: result.next !== null, endCursor: edges.at(-1)?.cursor ?? null },
  };
};

export const findEvents = (sources: AuditSources, query: EventQuery): Promise<EventPage> => {
  if (query.from && query.to && query.from >= query.to) {
    throw argumentError('filter.from', 'must be before `filter.to`.');
  }
  if (query.correlationId != null) {
    checkCorrelationId('filter.correlationId', query.correlationId);
  }
  return query.document
    ? documentEvents(sources, { ...query, document: query.document })
    : indexedEvents(sources, query);
};

/** A document as it was at `asOf` (now when omitted): its events up to then, folded. */
export const documentAsOf = async (sources: AuditSources, ref: DocumentRef, asOf?: Date) => {
  const streamName = streamNameOf(ref);
  const all = await sources.events.readStream(streamName);
  const events = asOf ? all.filter((event) => event.recordedAt <= asOf) : all;
  if (events.length === 0) return null;
  // The owner then: the latest migration's by that instant, else the one assigned at the start.
  const route = recordedRoute(events);
  const state = foldDocument(ref.type, events);
  return {
    type: ref.type,
    key: ref.key,
    streamName,
    asOf: asOf ?? null,
    revision: Number(events.at(-1)?.revision ?? 0n),
    owner: route ? route.owner : null,
    route: route ?? null,
    status: state?.status ?? null,
    state,
    lastEventAt: events.at(-1)?.recordedAt ?? null,
  };
};

/** Events of a small registry stream recorded up to `at`. */
const registryEventsUpTo = async (sources: AuditSources, stream: string, at: Date) =>
  (await sources.events.readStream(stream)).filter((event) => event.recordedAt <= at);

/**
 * The rule set in force at `at`, as the gateway applied it then and as the REST API's
 * `GET /v1/admin/routing-rules?at=` answers: the newest version whose time had come
 * (`inForceFrom`: its declared times, not the instant its event was recorded a few
 * milliseconds later, so the answer agrees with the `publishedAt` and `effectiveFrom` it shows).
 */
export const ruleSetInForce = async (
  sources: AuditSources,
  at: Date,
): Promise<(PublishedRuleSet & { recordedAt: Date; publishedBy: string | null }) | null> => {
  const published = await sources.events.readStream(ruleSetStream);
  for (let i = published.length - 1; i >= 0; i--) {
    const event = published[i] as RecordedEvent;
    if (event.type !== 'RoutingRuleSetPublished') continue;
    const version = event.data as unknown as PublishedRuleSet;
    if (inForceFrom(version) <= at.getTime()) {
      const by = event.metadata.clientId;
      return {
        ...version,
        recordedAt: event.recordedAt,
        publishedBy: typeof by === 'string' ? by : null,
      };
    }
  }
  return null;
};

/** The freezes in force at `at`: declared by then, their window open, not yet lifted then. */
export const freezesInForce = async (sources: AuditSources, at: Date): Promise<Freeze[]> => {
  const freezes = new Map<string, Freeze>();
  for (const event of await registryEventsUpTo(sources, freezeStream, at)) {
    if (event.type === 'ScopeFrozen') {
      const freeze = event.data as unknown as Freeze;
      freezes.set(freeze.freezeId, freeze);
    } else if (event.type === 'ScopeUnfrozen') {
      const freeze = freezes.get(String(event.data.freezeId));
      if (freeze) {
        freeze.lifted = {
          by: String(event.data.by),
          at: String(event.data.at),
          reason: String(event.data.reason),
        };
      }
    }
  }
  const now = at.getTime();
  return [...freezes.values()].filter(
    (freeze) => !freeze.lifted && Date.parse(freeze.from) <= now && now < Date.parse(freeze.until),
  );
};

/** ajv-formats' full checks: real calendar days (no 2026-11-31 rolling over to December). */
const formatCheck = (format: 'date-time' | 'date') => {
  const check = fullFormats[format];
  return (
    typeof check === 'function' ? check : (check as { validate: (s: string) => boolean }).validate
  ) as (text: string) => boolean;
};
export const isDateTime = formatCheck('date-time');
const isCalendarDay = formatCheck('date');

/**
 * The owners a route can name, as the REST lists take them: every one of the route's type
 * (`unresolved` too: documents held for an operator), checked by the compiler.
 */
const owners = Object.keys({
  legacy: true,
  cloud: true,
  dual: true,
  unresolved: true,
} satisfies Record<RouteDecision['owner'], true>);

/** What each ERP holds, as it changed per day, type, company and site, for days in [from, to]. */
export const routingCoverage = async (
  sources: AuditSources,
  range: { from: string; to: string; owner?: string | null },
) => {
  for (const argument of ['from', 'to'] as const) {
    if (!isCalendarDay(range[argument])) {
      throw argumentError(argument, `must be a day (YYYY-MM-DD) in the calendar.`);
    }
  }
  if (range.from > range.to) throw argumentError('from', 'must not be after `to`.');
  if (range.owner != null && !owners.includes(range.owner)) {
    throw argumentError('owner', `is ${owners.join(', ')}; not ${JSON.stringify(range.owner)}.`);
  }
  // Days are YYYY-MM-DD text: `to` followed by `~` sorts after it, so day `to` is included.
  const where: Record<string, Condition> = { day: { gte: range.from, lt: `${range.to}~` } };
  if (range.owner) where.owner = range.owner;
  const page = await sources.readModels
    .find('routingCoverage', { where, orderBy: { field: 'id', direction: 'asc' }, limit: 1000 })
    .catch((error: unknown) => {
      if (error instanceof ReadModelNotReadyError) {
        throw userError('Routing coverage is still being built; retry shortly.', 'NOT_READY');
      }
      throw error;
    });
  return page.items;
};
