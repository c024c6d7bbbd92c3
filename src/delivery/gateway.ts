/**
 * The dispatcher as the gateway starts it: connectors from their configuration files, the
 * delivery settings, and consumer state beside the events (a SQLite file in the data
 * directory, shared by every process on it; or EventStoreDB streams, shared by every
 * instance), so the lease keeps one dispatcher running per data directory or cluster.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  loadRestConnectorConfig,
  type RestConnectorConfig,
} from '../adapters/connectors/rest/config.js';
import { RestConnector } from '../adapters/connectors/rest/connector.js';
import { loadTrytonConnectorConfig } from '../adapters/connectors/tryton/config.js';
import { TrytonConnector } from '../adapters/connectors/tryton/connector.js';
import type { Config } from '../config/config.js';
import type { ConsumerLog } from '../consumers/definition.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { ErpConnector } from '../ports/erpConnector.js';
import type { EventStore } from '../ports/eventStore.js';
import { openConsumerState } from '../stores.js';
import { type Dispatcher, startDispatcher } from './dispatcher.js';
import { gatesOf, registeredGates } from './gates.js';
import {
  defaultDeliverySettings,
  readDeliverySettingsFile,
  withPublishedQuota,
} from './settings.js';

/** Where the gateway finds what delivery needs (environment variables, see docs/delivery.md). */
export interface DeliveryEnvironment {
  /** The Tryton connector's file (e.g. `.tryton/connector.json`): delivers to `legacy`. */
  trytonConfigFile?: string;
  /** The REST connector's file for the cloud ERP (vendor profile, URLs, client): delivers to `cloud`. */
  cloudErpConfigFile?: string;
  /** A cloud-ERP connector configuration already made (the in-process sandbox of `npm start`). */
  cloudErp?: RestConnectorConfig;
  /** Retry policies, concurrency and breakers (JSON or YAML); defaults otherwise. */
  settingsFile?: string;
}

export const deliveryEnvironment = (env: NodeJS.ProcessEnv): DeliveryEnvironment => ({
  ...(env.COEXIST_TRYTON_CONFIG ? { trytonConfigFile: env.COEXIST_TRYTON_CONFIG } : {}),
  ...(env.COEXIST_CLOUD_ERP_CONFIG ? { cloudErpConfigFile: env.COEXIST_CLOUD_ERP_CONFIG } : {}),
  ...(env.COEXIST_DELIVERY_CONFIG ? { settingsFile: env.COEXIST_DELIVERY_CONFIG } : {}),
});

export interface RunningDelivery {
  dispatcher: Dispatcher;
  /** Where the dispatcher keeps its checkpoint, lease and parked events. */
  state: ConsumerStateStore;
  targets: string[];
  stop(): Promise<void>;
}

/** Starts the dispatcher when a connector is configured; null when none is. */
export const startDelivery = (
  config: Pick<Config, 'eventStore' | 'dataDir'>,
  store: EventStore,
  environment: DeliveryEnvironment,
  log?: ConsumerLog,
): RunningDelivery | null => {
  const connectors: ErpConnector[] = [];
  if (environment.trytonConfigFile) {
    connectors.push(new TrytonConnector(loadTrytonConnectorConfig(environment.trytonConfigFile)));
  }
  const cloudErp =
    environment.cloudErp ??
    (environment.cloudErpConfigFile
      ? loadRestConnectorConfig(environment.cloudErpConfigFile)
      : undefined);
  const cloud = cloudErp ? new RestConnector(cloudErp) : undefined;
  if (cloud) connectors.push(cloud);
  if (connectors.length === 0) return null;
  let settings = environment.settingsFile
    ? readDeliverySettingsFile(environment.settingsFile)
    : defaultDeliverySettings;
  if (cloud?.quota) {
    const { requests, windowMs, concurrency } = cloud.quota;
    settings = withPublishedQuota(settings, cloud.target, {
      requests,
      windowMs,
      concurrent: concurrency,
    });
  }
  const { state, close: closeState } = openConsumerState(config);
  const dispatcher = startDispatcher({
    store,
    state,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    connectors,
    settings,
    gates: gatesOf(registeredGates),
    ...(log ? { log } : {}),
  });
  return {
    dispatcher,
    state,
    targets: connectors.map((c) => c.target),
    stop: async () => {
      await dispatcher.stop();
      await Promise.all(connectors.map((c) => c.close()));
      await closeState();
    },
  };
};
