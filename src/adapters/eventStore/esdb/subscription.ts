/**
 * Catch-up subscriptions to $all on EventStoreDB, filtered and batched as the port describes.
 *
 * - Filters run on the server where EventStoreDB can express them (stream categories as a
 *   stream-name regex, else event types as an event-type regex) and again here, exactly.
 *   The server reports its progress through filtered-out events (`checkpointReached`); those
 *   positions are handed over as empty batches, so a consumer's checkpoint moves past them.
 * - Batches gather the events the client already has buffered, up to `maxBatchSize`: a
 *   catch-up hands over large batches, a live subscription small ones, without waiting.
 * - "Caught up" comes from the server (≥ 23.10 sends it), or, with older servers, from
 *   reaching the head the log had when the subscription started.
 */
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  END,
  type EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  type Position,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import {
  type EventFilter,
  EventStoreUnavailableError,
  type LogPosition,
  matchesFilter,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../../../ports/eventStore.js';
import { decodePosition, encodePosition, toRecordedEvent, translateTransient } from './mapping.js';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (values: readonly string[]) => values.map(escapeRegex).join('|');

/** The server-side part of a filter (the exact one is applied again on the client). */
const serverFilter = (filter: EventFilter | undefined, onCheckpoint: (p: Position) => void) => {
  const checkpointReached = (_: AllStreamSubscription, position: Position) =>
    onCheckpoint(position);
  if (filter?.streamCategories) {
    const regex = `^(?:${anyOf(filter.streamCategories)})(?:-|$)`;
    return streamNameFilter({ regex, checkpointReached });
  }
  if (filter?.eventTypes) {
    return eventTypeFilter({ regex: `^(?:${anyOf(filter.eventTypes)})$`, checkpointReached });
  }
  return excludeSystemEvents({ checkpointReached });
};

export const subscribeToAll = (
  client: EventStoreDBClient,
  options: SubscribeOptions,
  headAtStartOrError: Promise<LogPosition | null>,
): Subscription => {
  // Only a fallback for servers without a caught-up signal; the subscription reports its own
  // connection errors.
  const headAtStart = headAtStartOrError.catch(() => null);
  const { after, filter, onBatch, onCaughtUp, onError } = options;
  const maxBatchSize = Math.max(1, Math.trunc(options.maxBatchSize ?? 500));
  // Progress reported for filtered-out stretches of the log, handed over between batches.
  let skippedTo: LogPosition | null = null;
  const source = client.subscribeToAll({
    fromPosition: after === 'end' ? END : after === undefined ? START : decodePosition(after),
    filter: serverFilter(filter, (position) => {
      skippedTo = encodePosition(position);
      // Idle between events: hand the progress over now rather than with the next event.
      if (!flushing && source.readableLength === 0) void flushIdle();
    }),
  });
  let serverSaysCaughtUp = false;
  source.on('caughtUp', () => {
    serverSaysCaughtUp = true;
  });

  let stopped = false;
  let caughtUp = false;
  let flushing = false;
  let delivered: LogPosition | null = after === undefined || after === 'end' ? null : after;

  const flush = async (events: RecordedEvent[]) => {
    flushing = true;
    try {
      await handOver(events);
    } finally {
      flushing = false;
    }
  };
  const flushIdle = () =>
    flush([]).catch((error: unknown) => {
      if (!stopped) source.destroy(error as Error); // reported by the loop's catch
    });

  const handOver = async (events: RecordedEvent[]) => {
    const last = events.at(-1)?.position ?? null;
    const pending: LogPosition | null = skippedTo;
    let position = last;
    if (pending !== null && (position === null || pending > position)) position = pending;
    skippedTo = null;
    if (position === null || (delivered !== null && position <= delivered && events.length === 0)) {
      return;
    }
    await onBatch({ events, position });
    delivered = position;
  };

  const checkCaughtUp = async () => {
    if (caughtUp || stopped || flushing || source.readableLength > 0) return;
    const head = await headAtStart;
    if (serverSaysCaughtUp || head === null || (delivered !== null && delivered >= head)) {
      caughtUp = true;
      onCaughtUp?.();
    }
  };

  const running = (async () => {
    let batch: RecordedEvent[] = [];
    // Async iteration pulls one event at a time: the server is back-pressured while a batch
    // is being handled.
    for await (const resolved of source as AsyncIterable<AllStreamResolvedEvent>) {
      if (stopped) return;
      const event = toRecordedEvent(resolved);
      // Claim streams are hidden; `after` is exclusive (the server's `fromPosition` too, but
      // stay defensive).
      if (
        event &&
        matchesFilter(filter, event) &&
        (delivered === null || event.position > delivered)
      ) {
        batch.push(event);
      }
      if (batch.length >= maxBatchSize || source.readableLength === 0) {
        await flush(batch);
        batch = [];
        await checkCaughtUp();
      }
    }
    if (!stopped) throw new EventStoreUnavailableError('EventStoreDB ended the subscription');
  })().catch((error: unknown) => {
    if (stopped) return; // errors caused by unsubscribing
    stopped = true;
    void source.unsubscribe().catch(() => undefined);
    try {
      onError?.(translateTransient(error));
    } catch {
      // A throwing onError must not become an unhandled rejection.
    }
  });

  // With nothing to catch up on, the loop above never runs: the server's signal (or the
  // empty log) still has to be reported.
  source.once('caughtUp', () => void checkCaughtUp());
  void headAtStart.then((head) => {
    if (head === null) void checkCaughtUp();
  });

  return {
    async unsubscribe() {
      if (!stopped) {
        stopped = true;
        await source.unsubscribe().catch(() => undefined);
        // Cancelling the gRPC call need not end the readable: destroy it so a loop waiting
        // for the next event finishes now (with an error the loop ignores once stopped).
        source.destroy();
      }
      await running;
    },
  };
};
