/**
 * Translation between `@eventstore/db-client` and the port: positions, events, errors.
 * Nothing vendor-shaped leaves the adapter.
 */
import {
  type AllStreamResolvedEvent,
  ANY,
  type AppendExpectedRevision,
  isCommandError,
  jsonEvent,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  STREAM_EXISTS,
} from '@eventstore/db-client';
import {
  EventStoreError,
  EventStoreUnavailableError,
  type ExpectedRevision,
  type JsonObject,
  type LogPosition,
  type NewEvent,
  type RecordedEvent,
} from '../../../ports/eventStore.js';

/** Streams that hold the adapter's idempotency claims (see idempotency.ts). */
export const claimStreamPrefix = 'coexist-idempotency-';
/** Streams that hold consumers' checkpoints, leases and parked events (consumerState/). */
export const consumerStreamPrefix = 'coexist-consumer-';

const prepareBits = 64n;
const prepareMask = (1n << prepareBits) - 1n;

/**
 * One bigint that orders as $all does: by commit position, then prepare position (the events
 * of one multi-event append share a commit position).
 */
export const encodePosition = (position: Position): LogPosition =>
  (position.commit << prepareBits) | position.prepare;

export const decodePosition = (position: LogPosition): Position => {
  if (position < 0n)
    throw new EventStoreError(`Not a position of the EventStoreDB store: ${position}`);
  return { commit: position >> prepareBits, prepare: position & prepareMask };
};

export const toAppendExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return expected;
  }
};

export const toEsdbEvents = (events: NewEvent[]) =>
  events.map((event) =>
    jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }),
  );

/**
 * The port's view of a recorded event, or null for what the port does not show: system
 * events (`$`-prefixed types or streams, e.g. links and stream metadata), non-JSON events,
 * the adapter's own idempotency claim streams, which the SQLite adapter keeps in a table, and
 * consumers' bookkeeping streams, which the SQLite gateway keeps in its consumer database.
 */
export const toRecordedEvent = (
  resolved: ResolvedEvent | AllStreamResolvedEvent,
): RecordedEvent | null => {
  const event = resolved.event;
  if (!event?.isJson) return null;
  if (event.type.startsWith('$') || event.streamId.startsWith('$')) return null;
  if (event.streamId.startsWith(claimStreamPrefix)) return null;
  if (event.streamId.startsWith(consumerStreamPrefix)) return null;
  // `position` is sent by servers ≥ 22.6 on every read; for older ones fall back to the
  // commit position, which equals the prepare position for all non-transactional writes.
  const commit = resolved.commitPosition ?? 0n;
  const position = event.position ?? { commit, prepare: commit };
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: event.revision,
    position: encodePosition(position),
    data: event.data as JsonObject,
    // The client drops empty metadata; the port always has an object.
    metadata: (event.metadata ?? {}) as JsonObject,
    recordedAt: event.created,
  };
};

/** Command error types that mean "not now" rather than "not this". */
const transientTypes = new Set([
  'unavailable',
  'deadline-exceeded',
  'timeout',
  'not-leader',
  'cancelled',
]);
/** gRPC status codes UNAVAILABLE (14), DEADLINE_EXCEEDED (4), RESOURCE_EXHAUSTED (8). */
const transientGrpcCodes = new Set([4, 8, 14]);

/** Connection trouble → EventStoreUnavailableError; anything else passes through unchanged. */
export const translateTransient = (error: unknown): unknown => {
  if (error instanceof EventStoreError) return error;
  if (error instanceof Error) {
    const transient =
      (isCommandError(error) && transientTypes.has(error.type)) ||
      transientGrpcCodes.has((error as { code?: unknown }).code as number) ||
      // Thrown by the client's node discovery when no server answers.
      /Failed to discover|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(error.message);
    if (transient) {
      return new EventStoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, {
        cause: error,
      });
    }
  }
  return error;
};
