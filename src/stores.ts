/**
 * Opens the stores the configuration names: the embedded SQLite file by default, the real
 * server when one is configured. Used by the gateway and by the CLI.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventStoreDBClient } from '@eventstore/db-client';
import { getEventStoreDBConsumerState } from './adapters/consumerState/eventStoreDB.js';
import { getSqliteConsumerState, openConsumerDatabase } from './adapters/consumerState/sqlite.js';
import { getEventStoreDBEventStore } from './adapters/eventStore/esdb/index.js';
import { getSqliteEventStore } from './adapters/eventStore/sqlite/index.js';
import type { Config } from './config/config.js';
import type { ConsumerStateStore } from './ports/consumerState.js';
import type { EventStore } from './ports/eventStore.js';

/** An operator command pointed at a data directory that holds no events. */
export class NoEventStoreError extends Error {
  override name = 'NoEventStoreError';
}

export const openEventStore = async (
  config: Pick<Config, 'eventStore' | 'dataDir'>,
  options: {
    /**
     * Refuse a data directory without an event store instead of creating an empty one: an
     * operator's command with a mistyped `--data-dir` must not report "nothing there".
     */
    existing?: boolean;
  } = {},
): Promise<EventStore> => {
  if (config.eventStore.kind === 'eventstoredb') {
    return getEventStoreDBEventStore(config.eventStore.url);
  }
  const { file: configured, idempotencyRetentionDays: days } = config.eventStore;
  const file = configured ?? join(config.dataDir, 'events.sqlite');
  if (options.existing && !existsSync(file)) {
    throw new NoEventStoreError(
      `No event store at ${file}: check --data-dir (or COEXIST_DATA_DIR); a gateway creates it when it first starts.`,
    );
  }
  mkdirSync(config.dataDir, { recursive: true });
  return getSqliteEventStore({
    file,
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
