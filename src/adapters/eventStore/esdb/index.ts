/**
 * EventStoreDB adapter (`@eventstore/db-client`). A thin translation: streams, revisions and
 * $all positions map one to one; vendor errors become the port's errors at this boundary.
 *
 * Idempotency: EventStoreDB has no cross-stream transaction, and its own event-id dedupe
 * holds only within a window. So a key is claimed first, by appending to a stream of its own
 * with `no_stream` (the server lets exactly one claimant win), and the document's events are
 * appended after the claim. See `claim.ts` for the failure cases.
 */
import { createHash } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  isCommandError,
  jsonEvent,
  type Position,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  EventStoreUnavailableError,
  type ExpectedRevision,
  type JsonObject,
  type LogPosition,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { claimKey, readClaim } from './claim.js';

export const encodePosition = (position: Position): LogPosition =>
  `${position.commit}/${position.prepare}` as LogPosition;

export const decodePosition = (position: LogPosition): Position => {
  const match = /^(\d+)\/(\d+)$/.exec(position);
  if (!match) throw new Error(`Not an EventStoreDB position: ${position}`);
  return { commit: BigInt(match[1] as string), prepare: BigInt(match[2] as string) };
};

/** The stream that holds the claim of one idempotency key. */
export const claimStreamOf = (key: string): string =>
  `coexist-idempotency-${createHash('sha256').update(key).digest('hex')}`;

/** Vendor errors → port errors; anything unknown passes through unchanged. */
export const translateError = (error: unknown, streamName?: string): unknown => {
  if (error instanceof WrongExpectedVersionError) {
    return new WrongExpectedRevisionError(
      error.streamName ?? streamName ?? '',
      error.expectedVersion as ExpectedRevision,
      error.actualVersion,
    );
  }
  if (error instanceof Error && isCommandError(error)) {
    if (['unavailable', 'deadline-exceeded', 'timeout', 'not-leader'].includes(error.type)) {
      return new EventStoreUnavailableError(error.message);
    }
  }
  return error;
};

const toRecorded = (
  resolved: AllStreamResolvedEvent | { event?: unknown },
): RecordedEvent | null => {
  const event = resolved.event as
    | {
        streamId: string;
        id: string;
        isJson: boolean;
        revision: bigint;
        type: string;
        created: Date;
        data: unknown;
        metadata: unknown;
        position?: Position;
      }
    | undefined;
  if (!event?.isJson || event.type.startsWith('$')) return null;
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: event.revision,
    position: event.position ? encodePosition(event.position) : ('' as LogPosition),
    data: event.data as JsonObject,
    metadata: (event.metadata ?? {}) as JsonObject,
    recordedAt: event.created,
  };
};

const toEsdbEvents = (events: NewEvent[]) =>
  events.map((event) =>
    jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }),
  );

export const getEventStoreDBEventStore = (connection: string | EventStoreDBClient): EventStore => {
  const client =
    typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;

  const append = async (streamName: string, events: NewEvent[], expected: ExpectedRevision) => {
    try {
      const result = await client.appendToStream(streamName, toEsdbEvents(events), {
        expectedRevision: expected,
      });
      return {
        kind: 'appended' as const,
        nextExpectedRevision: result.nextExpectedRevision,
        position: result.position ? encodePosition(result.position) : ('' as LogPosition),
      };
    } catch (error) {
      throw translateError(error, streamName);
    }
  };

  const readStream = async (streamName: string, options: ReadStreamOptions = {}) => {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of client.readStream(streamName, {
        fromRevision: options.fromRevision ?? START,
        direction: FORWARDS,
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      })) {
        const event = toRecorded(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw translateError(error, streamName);
    }
    return events;
  };

  const store: EventStore = {
    async appendToStream(streamName, events, options: AppendOptions): Promise<AppendResult> {
      const claim = options.idempotency;
      if (!claim) return append(streamName, events, options.expectedRevision);
      const claimStream = claimStreamOf(claim.key);
      const claimed = await claimKey(
        { append, readStream },
        claimStream,
        claim,
        streamName,
        events.map((event) => event.id),
      );
      if (claimed.kind === 'duplicate') return claimed;
      try {
        const result = await append(streamName, events, options.expectedRevision);
        await append(
          claimStream,
          [
            {
              id: crypto.randomUUID(),
              type: 'IdempotencyKeyCompleted',
              data: { revision: result.nextExpectedRevision.toString() },
              metadata: {},
            },
          ],
          'any',
        );
        return result;
      } catch (error) {
        // The document append failed: give the key back so the client can retry with it.
        await append(
          claimStream,
          [{ id: crypto.randomUUID(), type: 'IdempotencyKeyReleased', data: {}, metadata: {} }],
          'any',
        ).catch(() => undefined);
        throw error;
      }
    },

    readStream,

    async *readAll(options: ReadAllOptions = {}) {
      let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
      try {
        for await (const resolved of client.readAll({
          fromPosition: options.after ? decodePosition(options.after) : START,
          direction: FORWARDS,
        })) {
          const event = toRecorded(resolved);
          // `fromPosition` is inclusive; the port's `after` is not.
          if (!event || event.position === options.after) continue;
          if (remaining-- <= 0) return;
          yield event;
        }
      } catch (error) {
        throw translateError(error);
      }
    },

    subscribeToAll(options: SubscribeOptions): Subscription {
      const subscription = client.subscribeToAll({
        fromPosition: options.after ? decodePosition(options.after) : START,
        filter: excludeSystemEvents(),
      });
      let stopping = false;
      const loop = (async () => {
        for await (const resolved of subscription) {
          const event = toRecorded(resolved);
          if (!event || event.position === options.after) continue;
          await options.onEvent(event);
          if (stopping) return;
        }
      })();
      loop.catch(async (error: unknown) => {
        await subscription.unsubscribe().catch(() => undefined);
        if (!stopping) options.onError?.(translateError(error));
      });
      return {
        async unsubscribe() {
          stopping = true;
          await subscription.unsubscribe();
          await loop.catch(() => undefined);
        },
      };
    },

    async findIdempotencyRecord(key) {
      return readClaim(readStream, claimStreamOf(key), key);
    },

    async close() {
      await client.dispose();
    },
  };
  return store;
};
