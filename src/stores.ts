/**
 * Opens the stores the configuration names: the embedded SQLite file by default, the real
 * server when one is configured. Used by the gateway and by the CLI.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getEventStoreDBEventStore } from './adapters/eventStore/esdb/index.js';
import { getSqliteEventStore } from './adapters/eventStore/sqlite/index.js';
import type { Config } from './config/config.js';
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
