/**
 * The registries (API keys, rule sets, freezes) keep state recorded in the event store folded
 * in memory, so the write path authenticates, routes and checks freezes without I/O. They
 * share one consumer (src/consumers/consumer.ts) that follows the log, filtered to their
 * event types, from the start at every boot (their state is in memory, so is the checkpoint):
 * a key, publish or freeze recorded through any instance reaches every instance as soon as
 * its subscription sees it (SQLite: within its poll interval, EventStoreDB: pushed).
 */
import { startConsumer } from '../consumers/consumer.js';
import type { ConsumerLog, ConsumerStatus, RunningConsumer } from '../consumers/definition.js';
import { inMemoryConsumerState } from '../ports/consumerState.js';
import type { EventStore, LogPosition, RecordedEvent } from '../ports/eventStore.js';

/** One registry's part: the stream it owns, the event types it folds, and the fold. */
export interface LogFollower {
  readonly streamName: string;
  readonly eventTypes: readonly string[];
  apply(event: RecordedEvent): void;
}

/**
 * Read-your-writes: resolves once the followers have folded `position` (an append's), or
 * everything the log held when called. The latter is bounded in time: a head outside the
 * filter may be reported late by EventStoreDB, and a miss path must not hang on it.
 */
export type Sync = (position?: LogPosition) => Promise<void>;

export interface Followers {
  readonly sync: Sync;
  /** Starts following; resolves once caught up with the log. */
  start(followers: readonly LogFollower[]): Promise<void>;
  status(): ConsumerStatus | null;
  stop(): Promise<void>;
}

const headWaitMs = 2_000;

export const createFollowers = (store: EventStore, log?: ConsumerLog): Followers => {
  let consumer: RunningConsumer | null = null;
  const sync: Sync = async (position) => {
    if (!consumer) return;
    if (position !== undefined) return consumer.waitFor(position);
    const head = await store.headPosition();
    if (head === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      consumer.waitFor(head),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, headWaitMs);
      }),
    ]);
    clearTimeout(timer);
  };
  return {
    sync,
    async start(followers) {
      const byStream = new Map(followers.map((follower) => [follower.streamName, follower]));
      // A batch retried after a failure must not be folded twice (versions are appended).
      let applied: LogPosition = -1n;
      consumer = startConsumer(
        {
          name: 'registries',
          filter: { eventTypes: [...new Set(followers.flatMap((f) => f.eventTypes))] },
          handler: {
            mode: 'at-least-once',
            handle: (events) => {
              for (const event of events) {
                if (event.position <= applied) continue;
                byStream.get(event.streamName)?.apply(event);
                applied = event.position;
              }
            },
          },
        },
        { store, state: inMemoryConsumerState(), owner: 'this-process', leaseTtlMs: null, log },
      );
      await consumer.caughtUp();
    },
    status: () => consumer?.status() ?? null,
    stop: async () => {
      await consumer?.stop();
    },
  };
};
