/**
 * The consumers this process runs, for operators: each one's phase, checkpoint, lag, lease
 * holder and last error, and the events they parked. The composition root adds every consumer
 * it starts; the admin API and `coexist consumers` read it.
 */
import type { ConsumerStateStore, ParkedEvent } from '../ports/consumerState.js';
import type { EventStore, LogPosition } from '../ports/eventStore.js';
import type { ConsumerStatus } from './definition.js';

/** Anything that reports a consumer's status (a RunningConsumer, or the registries). */
export interface ObservedConsumer {
  status(): ConsumerStatus | null;
}

export interface ConsumerReport extends ConsumerStatus {
  /** The log's head when asked. */
  head: LogPosition | null;
  /**
   * How far the checkpoint is behind the head, in positions. On the embedded store positions
   * are consecutive, so this is a count of events (an upper bound for a filtered consumer).
   */
  behind: LogPosition | null;
}

export interface ConsumerDirectory {
  add(consumer: ObservedConsumer, state?: ConsumerStateStore): void;
  report(): Promise<ConsumerReport[]>;
  /** Events parked by the consumers listed, oldest first. */
  parked(): Promise<ParkedEvent[]>;
}

export const createConsumerDirectory = (store: EventStore): ConsumerDirectory => {
  const entries: Array<{ consumer: ObservedConsumer; state?: ConsumerStateStore }> = [];
  return {
    add(consumer, state) {
      entries.push({ consumer, ...(state ? { state } : {}) });
    },
    async report() {
      const head = await store.headPosition();
      return entries.flatMap(({ consumer }) => {
        const status = consumer.status();
        if (!status) return [];
        const behind =
          head === null ? 0n : status.position === null ? head : head - status.position;
        return [{ ...status, head, behind: behind < 0n ? 0n : behind }];
      });
    },
    async parked() {
      const names = new Set(entries.map(({ consumer }) => consumer.status()?.name));
      const states = new Set(entries.flatMap(({ state }) => (state ? [state] : [])));
      const found = (await Promise.all([...states].map((state) => state.parked()))).flat();
      return found
        .filter((event) => names.has(event.consumer))
        .sort((a, b) => a.parkedAt.getTime() - b.parkedAt.getTime());
    },
  };
};
