/**
 * The dual-write comparer: a consumer of the delivery streams. When a delivery of a `dual`
 * document reaches an outcome (delivered or dead-lettered), it looks for the other side's
 * outcome of the same command; once both are there, it normalises both answers with their
 * targets' profiles, diffs them, and records `DualWriteAgreed` or `DualWriteDiverged` (with
 * the diff) in `DualWrite-<document stream>`.
 *
 * It only reads what the dispatcher recorded, so it can neither block nor slow a delivery:
 * the primary's outcome is the caller's whatever the shadow does. It reads both delivery
 * streams afresh for each outcome rather than remembering them, so a restart between the two
 * outcomes loses nothing; each comparison is appended with an idempotency claim naming the
 * two outcome events, so handling a batch again records nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { startConsumer } from '../consumers/consumer.js';
import type { ConsumerLog, RunningConsumer } from '../consumers/definition.js';
import {
  type DeliveryRequest,
  deliveryCategory,
  deliveryEventTypes,
  deliveryStreamOf,
} from '../delivery/records.js';
import { compareResults, type ResultObject } from '../domain/divergence/compare.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventStore, JsonObject, RecordedEvent } from '../ports/eventStore.js';
import {
  type DualWriteComparison,
  type DualWriteSide,
  dualWriteEventTypes,
  dualWriteStreamOf,
} from './records.js';
import { type ComparisonSettings, defaultComparisonSettings, profileOf } from './settings.js';

export const comparerConsumerName = 'dual-write-comparer';

export interface ComparerOptions {
  store: EventStore;
  state: ConsumerStateStore;
  owner: string;
  settings?: ComparisonSettings;
  /** null: no lease (tests with one process). */
  leaseTtlMs?: number | null;
  log?: ConsumerLog;
  now?: () => Date;
}

interface Outcome {
  side: DualWriteSide;
  /** The outcome event: the comparison of these two outcomes is recorded once. */
  eventId: string;
  details: ResultObject;
}

/** The final outcome of one delivery in its stream's events, or null while it is under way. */
export const outcomeOf = (
  events: readonly RecordedEvent[],
  target: string,
  deliveryId: string,
): Outcome | null => {
  let outcome: Outcome | null = null;
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    if (data.deliveryId !== deliveryId) continue;
    if (event.type === deliveryEventTypes.succeeded) {
      outcome = {
        side: {
          target,
          deliveryId,
          outcome: 'delivered',
          reference: typeof data.reference === 'string' ? data.reference : null,
          errorCode: null,
          errorMessage: null,
        },
        eventId: event.id,
        details: (data.details ?? {}) as ResultObject,
      };
    } else if (event.type === deliveryEventTypes.deadLettered) {
      const error = data.error as { code?: unknown; message?: unknown } | undefined;
      outcome = {
        side: {
          target,
          deliveryId,
          outcome: 'dead-lettered',
          reference: null,
          errorCode: typeof error?.code === 'string' ? error.code : null,
          errorMessage: typeof error?.message === 'string' ? error.message : null,
        },
        eventId: event.id,
        details: {},
      };
    } else if (event.type !== deliveryEventTypes.requested) {
      outcome = null; // replayed, or attempted again: under way
    }
  }
  return outcome;
};

/**
 * Compares both outcomes of the command a delivery delivers, if its document is `dual` and
 * both outcomes are there; null otherwise.
 */
export const compareDelivery = async (
  store: EventStore,
  settings: ComparisonSettings,
  deliveryStream: string,
  deliveryId: string,
  now: Date,
): Promise<DualWriteComparison | null> => {
  const own = await store.readStream(deliveryStream);
  const request = own.find(
    (e) =>
      e.type === deliveryEventTypes.requested &&
      (e.data as { deliveryId?: unknown }).deliveryId === deliveryId,
  )?.data as unknown as DeliveryRequest | undefined;
  if (!request) return null;
  const { documentStream, commandEventId, commandRevision } = request;
  const [command] = await store.readStream(documentStream, {
    fromRevision: BigInt(commandRevision),
    maxCount: 1,
  });
  if (command?.id !== commandEventId) return null;
  const route = command.metadata.route as
    | { owner?: string; primary?: string; shadow?: string }
    | undefined;
  if (route?.owner !== 'dual' || !route.primary || !route.shadow) return null;
  const other = request.target === route.primary ? route.shadow : route.primary;
  const otherEvents = await store.readStream(deliveryStreamOf(other, documentStream));
  const eventsOf = (target: string) => (target === request.target ? own : otherEvents);
  const primary = outcomeOf(
    eventsOf(route.primary),
    route.primary,
    `${route.primary}.${commandEventId}`,
  );
  const shadow = outcomeOf(
    eventsOf(route.shadow),
    route.shadow,
    `${route.shadow}.${commandEventId}`,
  );
  if (!primary || !shadow) return null;
  const delivered = primary.side.outcome === 'delivered' && shadow.side.outcome === 'delivered';
  // Two ERPs' errors are never worded alike: when either refused, only the outcomes compare.
  const differences = delivered
    ? compareResults(
        { result: primary.details, profile: profileOf(settings, route.primary) },
        { result: shadow.details, profile: profileOf(settings, route.shadow) },
      )
    : compareResults(
        { result: { outcome: primary.side.outcome } },
        { result: { outcome: shadow.side.outcome } },
      );
  const company = (command.data as { company?: unknown }).company;
  return {
    comparisonId: `${commandEventId}.${primary.eventId}.${shadow.eventId}`,
    documentStream,
    documentType: request.documentType,
    documentKey: request.documentKey,
    company: typeof company === 'string' ? company : (request.documentKey.company ?? null),
    commandEventId,
    commandEventType: command.type,
    commandRevision,
    primary: primary.side,
    shadow: shadow.side,
    differences,
    comparedAt: now.toISOString(),
  };
};

export const recordComparison = async (
  store: EventStore,
  comparison: DualWriteComparison,
): Promise<void> => {
  const type =
    comparison.differences.length === 0 ? dualWriteEventTypes.agreed : dualWriteEventTypes.diverged;
  const claim = `dual-write:${comparison.comparisonId}`;
  await store.appendToStream(
    dualWriteStreamOf(comparison.documentStream),
    [{ id: randomUUID(), type, data: comparison as unknown as JsonObject, metadata: {} }],
    { expectedRevision: 'any', idempotency: { key: claim, fingerprint: claim } },
  );
};

export const startComparer = (options: ComparerOptions): RunningConsumer => {
  const { store } = options;
  const settings = options.settings ?? defaultComparisonSettings;
  const now = options.now ?? (() => new Date());
  return startConsumer(
    {
      name: comparerConsumerName,
      filter: {
        streamCategories: [deliveryCategory],
        eventTypes: [deliveryEventTypes.succeeded, deliveryEventTypes.deadLettered],
      },
      handler: {
        mode: 'at-least-once',
        handle: async (events) => {
          const outcomes = new Map<string, { stream: string; deliveryId: string }>();
          for (const event of events) {
            const deliveryId = String((event.data as { deliveryId?: unknown }).deliveryId);
            outcomes.set(`${event.streamName}|${deliveryId}`, {
              stream: event.streamName,
              deliveryId,
            });
          }
          for (const { stream, deliveryId } of outcomes.values()) {
            const comparison = await compareDelivery(store, settings, stream, deliveryId, now());
            if (comparison) await recordComparison(store, comparison);
          }
        },
      },
    },
    {
      store,
      state: options.state,
      owner: options.owner,
      leaseTtlMs: options.leaseTtlMs === undefined ? 10_000 : options.leaseTtlMs,
      ...(options.log ? { log: options.log } : {}),
      now,
    },
  );
};
