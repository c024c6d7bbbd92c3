/**
 * EventStoreDB adapter over `@eventstore/db-client`. Streams, revisions and $all positions map
 * one to one; vendor errors are translated at this boundary (wrong expected version → the
 * port's WrongExpectedRevisionError, connection trouble → EventStoreUnavailableError).
 * Idempotency keys need a protocol of their own: see idempotency.ts.
 */
import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type AppendResult,
  type EventStore,
  EventStoreError,
  type ExpectedRevision,
  type IdempotencyRecord,
  type LogPosition,
  matchesFilter,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamRevision,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { appendOnce, type ClaimIo, findRecord } from './idempotency.js';
import {
  decodePosition,
  encodePosition,
  toAppendExpectedRevision,
  toEsdbEvents,
  toRecordedEvent,
  translateTransient,
} from './mapping.js';
import { subscribeToAll } from './subscription.js';

export interface EventStoreDBEventStoreOptions {
  /**
   * How long an append with an already-claimed idempotency key waits for the first attempt
   * to become visible before answering `duplicate` anyway (see idempotency.ts). Default 5 s.
   */
  claimWaitMs?: number;
}

/**
 * @param connection an `esdb://…` connection string (the store then owns the client and
 *   disposes it on `close`), or a client the caller owns and disposes.
 */
export const getEventStoreDBEventStore = (
  connection: string | EventStoreDBClient,
  options: EventStoreDBEventStoreOptions = {},
): EventStore => {
  const ownsClient = typeof connection === 'string';
  const client =
    typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
  const timing = { waitMs: options.claimWaitMs ?? 5_000 };
  const subscriptions = new Set<Subscription>();

  /** The stream's last event, or null if the stream does not exist. */
  const lastEvent = async (streamName: string): Promise<RecordedEvent | null> => {
    try {
      for await (const resolved of client.readStream(streamName, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        return toRecordedEvent(resolved);
      }
      return null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw translateTransient(error);
    }
  };

  /** A plain append, with the port's result and errors. */
  const append = async (
    streamName: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<{ nextExpectedRevision: StreamRevision; position: LogPosition }> => {
    let result: Awaited<ReturnType<EventStoreDBClient['appendToStream']>>;
    try {
      result = await client.appendToStream(streamName, toEsdbEvents(events), {
        expectedRevision: toAppendExpectedRevision(expected),
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // Built from a raw gRPC error the versions can be missing: then ask the stream.
        const actual =
          error.actualVersion ?? (await lastEvent(streamName))?.revision ?? 'no_stream';
        throw new WrongExpectedRevisionError(streamName, expected, actual);
      }
      throw translateTransient(error);
    }
    if (!result.success) {
      // Only with a client created with `throwOnAppendFailure: false`.
      const actual = result.nextExpectedRevision;
      throw new WrongExpectedRevisionError(
        streamName,
        expected,
        actual < 0n ? 'no_stream' : actual,
      );
    }
    // Servers ≥ 21.10 always return the position; the read is a fallback for older ones.
    const position = result.position
      ? encodePosition(result.position)
      : (await lastEvent(streamName))?.position;
    if (!position) throw new EventStoreError(`No position returned for an append to ${streamName}`);
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  };

  const readStream = async (
    streamName: string,
    readOptions: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> => {
    if (readOptions.maxCount === 0) return [];
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of client.readStream(streamName, {
        direction: FORWARDS,
        fromRevision: readOptions.fromRevision ?? START,
        ...(readOptions.maxCount === undefined ? {} : { maxCount: readOptions.maxCount }),
      })) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translateTransient(error);
    }
    return events;
  };

  const io: ClaimIo = { append, readStream };

  /** The newest event the port shows (system events and claims are skipped). */
  const headPosition = async (): Promise<LogPosition | null> => {
    try {
      for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END })) {
        const event = toRecordedEvent(resolved as AllStreamResolvedEvent);
        if (event) return event.position;
      }
      return null;
    } catch (error) {
      throw translateTransient(error);
    }
  };

  return {
    async appendToStream(streamName, events, appendOptions): Promise<AppendResult> {
      if (events.length === 0) throw new EventStoreError('An append needs at least one event');
      const { idempotency } = appendOptions;
      if (idempotency) {
        const { expectedRevision } = appendOptions;
        return appendOnce(io, timing, { streamName, events, expectedRevision, claim: idempotency });
      }
      return {
        kind: 'appended',
        ...(await append(streamName, events, appendOptions.expectedRevision)),
      };
    },

    readStream,

    async *readAll(readOptions: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
      let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
      if (remaining <= 0) return;
      const { after, filter } = readOptions;
      // No server-side filter on reads: system and claim events are skipped here, so the
      // server's maxCount cannot be used; leaving the loop early cancels the read instead.
      const read = client.readAll({
        direction: FORWARDS,
        fromPosition: after ? decodePosition(after) : START,
      });
      try {
        for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
          const event = toRecordedEvent(resolved);
          // `fromPosition` is inclusive; the port's `after` is exclusive.
          if (!event || event.position === after || !matchesFilter(filter, event)) continue;
          yield event;
          if (--remaining <= 0) return;
        }
      } catch (error) {
        throw translateTransient(error);
      } finally {
        if (!read.readableEnded) await read.cancel().catch(() => undefined);
      }
    },

    headPosition,

    subscribeToAll(subscribeOptions: SubscribeOptions): Subscription {
      const subscription = subscribeToAll(client, subscribeOptions, headPosition());
      const tracked: Subscription = {
        unsubscribe: () => {
          subscriptions.delete(tracked);
          return subscription.unsubscribe();
        },
      };
      subscriptions.add(tracked);
      return tracked;
    },

    async findIdempotencyRecord(key: string): Promise<IdempotencyRecord | null> {
      return findRecord(io, key);
    },

    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.unsubscribe()));
      if (ownsClient) await client.dispose();
    },
  };
};
