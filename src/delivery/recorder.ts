/**
 * How the dispatcher writes delivery streams: one event at a time per stream, against the
 * revision it folded (so an instance that lost its lease cannot record over the new holder),
 * folding each append into its view as soon as it is durable; it never reads its own writes
 * back from the log.
 */
import { randomUUID } from 'node:crypto';
import {
  type EventStore,
  type JsonObject,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import type { DeliveryStream } from './records.js';
import type { DeliveryView } from './view.js';

export interface DeliveryRecorder {
  /**
   * Appends one event to a delivery stream. Resolves false when someone else wrote the stream
   * first (the fold is then reloaded), or when a claimed event was already recorded.
   */
  record(
    streamName: string,
    type: string,
    data: object,
    /** Requests and replays: claimed (recorded once ever), appended again after a lost race. */
    claim?: string,
  ): Promise<boolean>;
  /** Several events in one append (atomically, one durable write), in order. */
  recordAll(
    streamName: string,
    events: ReadonlyArray<{ type: string; data: object }>,
    claim?: string,
  ): Promise<boolean>;
  /** Resolves once every append asked for so far has settled. */
  settled(): Promise<void>;
  /** True while an append to the stream is asked for and not settled. */
  pending(streamName: string): boolean;
}

export const createRecorder = (
  store: EventStore,
  view: () => DeliveryView,
  /** Told of each stream an append (or a reload) changed. */
  changed: (stream: DeliveryStream) => void,
): DeliveryRecorder => {
  const chains = new Map<string, Promise<unknown>>();

  const append = async (
    streamName: string,
    events: ReadonlyArray<{ type: string; data: object }>,
    claim?: string,
  ) => {
    for (let tries = 0; ; tries++) {
      const stream = view().stream(streamName);
      try {
        const result = await store.appendToStream(
          streamName,
          events.map(({ type, data }) => ({
            id: randomUUID(),
            type,
            data: data as JsonObject,
            metadata: {},
          })),
          {
            expectedRevision: stream.revision < 0n ? 'no_stream' : stream.revision,
            ...(claim ? { idempotency: { key: claim, fingerprint: claim } } : {}),
          },
        );
        if (result.kind === 'duplicate') {
          // Recorded already, perhaps by an earlier holder of the lease: fold what it wrote.
          changed(await view().reload(store, streamName));
          return false;
        }
        const first = result.nextExpectedRevision - BigInt(events.length - 1);
        const position = result.position; // the last event's, and so the stream's
        for (const [i, { type, data }] of events.entries()) {
          const revision = first + BigInt(i);
          view().apply({ streamName, type, data: data as JsonObject, revision, position });
        }
        changed(stream);
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        changed(await view().reload(store, streamName));
        // An outcome raced by another writer is dropped: the delivery is looked at afresh. So
        // is a request with its first attempt: the caller records the request alone then.
        if (!claim || events.length > 1 || tries >= 5) return false;
      }
    }
  };

  const recordAll: DeliveryRecorder['recordAll'] = (streamName, events, claim) => {
    const previous = chains.get(streamName) ?? Promise.resolve();
    const next = previous.then(() => append(streamName, events, claim));
    const settled = next.catch(() => undefined);
    chains.set(streamName, settled);
    void settled.then(() => {
      if (chains.get(streamName) === settled) chains.delete(streamName);
    });
    return next;
  };

  return {
    recordAll,
    record: (streamName, type, data, claim) => recordAll(streamName, [{ type, data }], claim),
    settled: async () => {
      await Promise.all([...chains.values()]);
    },
    pending: (streamName) => chains.has(streamName),
  };
};
