/**
 * Opens the stores the configuration names: the embedded SQLite file by default, the real
 * server when one is configured. Used by the gateway and by the CLI.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { getEventStoreDBConsumerState } from './adapters/consumerState/eventStoreDB.js';
import { getSqliteConsumerState, openConsumerDatabase } from './adapters/consumerState/sqlite.js';
import { getEventStoreDBEventStore } from './adapters/eventStore/esdb/index.js';
import { getSqliteEventStore } from './adapters/eventStore/sqlite/index.js';
import type { Config } from './config/config.js';
import type { ConsumerStateStore } from './ports/consumerState.js';
import type { EventStore } from './ports/eventStore.js';

export const openEventStore = async (
  config: Pick<Config, 'eventStore' | 'dataDir'>,
): Promise<EventStore> => {
  if (config.eventStore.kind === 'eventstoredb') {
    return getEventStoreDBEventStore(config.eventStore.url);
  }
  mkdirSync(config.dataDir, { recursive: true });
  const { file, idempotencyRetentionDays: days } = config.eventStore;
  return getSqliteEventStore({
    file: file ?? join(config.dataDir, 'events.sqlite'),
    ...(days === undefined ? {} : { idempotencyRetentionMs: days * 24 * 3_600_000 }),
  });
};

export interface OpenConsumerState {
  state: ConsumerStateStore;
  close(): Promise<void>;
}

/**
 * Where consumers keep their checkpoints, leases and parked events: beside the events (a
 * SQLite file in the data directory, shared by every process on it; or EventStoreDB streams,
 * shared by every instance), so a lease keeps one of them running per data directory or cluster.
 */
export const openConsumerState = (
  config: Pick<Config, 'eventStore' | 'dataDir'>,
): OpenConsumerState => {
  if (config.eventStore.kind === 'eventstoredb') {
    const client = EventStoreDBClient.connectionString(config.eventStore.url);
    return { state: getEventStoreDBConsumerState(client), close: () => client.dispose() };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const sqlite = getSqliteConsumerState(
    openConsumerDatabase(join(config.dataDir, 'consumers.sqlite')),
  );
  return { state: sqlite, close: async () => sqlite.close() };
};
