/**
 * The match process as the gateway starts it: always (holds must be visible whether or not a
 * connector delivers), with its checkpoint and lease beside the events (a SQLite file in the
 * data directory shared by every process on it, or EventStoreDB streams), so one process per
 * data directory or cluster matches at a time and the others stand by.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/config.js';
import type { ConsumerLog } from '../consumers/definition.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventStore } from '../ports/eventStore.js';
import { openConsumerState } from '../stores.js';
import { type MatchProcess, startMatchProcess } from './process.js';
import type { ToleranceRegistry } from './tolerances.js';

export interface RunningMatching {
  process: MatchProcess;
  state: ConsumerStateStore;
  stop(): Promise<void>;
}

export const startMatching = (
  config: Pick<Config, 'eventStore' | 'dataDir'>,
  store: EventStore,
  tolerances: ToleranceRegistry,
  log?: ConsumerLog,
): RunningMatching => {
  const { state, close: closeState } = openConsumerState(config);
  const process = startMatchProcess({
    store,
    state,
    owner: `${hostname()}:${globalThis.process.pid}:${randomUUID().slice(0, 8)}`,
    tolerances,
    ...(log ? { log } : {}),
  });
  return {
    process,
    state,
    stop: async () => {
      await process.stop();
      await closeState();
    },
  };
};
