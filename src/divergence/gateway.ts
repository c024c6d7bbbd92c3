/**
 * The dual-write comparer as the gateway starts it: beside the dispatcher, on the same
 * consumer state (its own checkpoint and lease), with the comparison profiles of
 * COEXIST_DUAL_WRITE_CONFIG when set (see docs/migration.md).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConsumerLog, RunningConsumer } from '../consumers/definition.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventStore } from '../ports/eventStore.js';
import { startComparer } from './comparer.js';
import { readComparisonSettingsFile } from './settings.js';

export const startGatewayComparer = (
  store: EventStore,
  state: ConsumerStateStore,
  env: NodeJS.ProcessEnv,
  log?: ConsumerLog,
): RunningConsumer =>
  startComparer({
    store,
    state,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ...(env.COEXIST_DUAL_WRITE_CONFIG
      ? { settings: readComparisonSettingsFile(env.COEXIST_DUAL_WRITE_CONFIG) }
      : {}),
    ...(log ? { log } : {}),
  });
