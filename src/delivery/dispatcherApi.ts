/** What starting a dispatcher takes, and what a running one answers (dispatcher.ts). */
import type { ConsumerLog, ConsumerStatus } from '../consumers/definition.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { ErpConnector } from '../ports/erpConnector.js';
import type { EventStore } from '../ports/eventStore.js';
import type { BreakerView } from './breakers.js';
import type { GateFor } from './gates.js';
import type { QuotaSettings } from './quota.js';
import type { DeliverySettings } from './settings.js';
import type { DeliveryView } from './view.js';

export interface DispatcherOptions {
  store: EventStore;
  /** Where the consumer keeps its checkpoint and lease (shared by every instance). */
  state: ConsumerStateStore;
  owner: string;
  /** Connectors by target; a target without one keeps its deliveries pending. */
  connectors: readonly ErpConnector[];
  settings: DeliverySettings;
  /** null: no lease (tests with one process). Default: the settings' lease period. */
  leaseTtlMs?: number | null;
  log?: ConsumerLog;
  now?: () => Date;
  random?: () => number;
  /** How long `stop` waits for attempts under way to finish. Default 10 s. */
  stopGraceMs?: number;
  /** Gates holding a document's delivery until its state allows it (gates.ts). */
  gates?: GateFor;
  /** How often the leader considers writing its snapshot (snapshot.ts). Default 5 s. */
  snapshotIntervalMs?: number;
}

export interface TargetStatus {
  target: string;
  connector: boolean;
  inFlight: number;
  concurrency: number;
  breaker: BreakerView;
  /** The request quota and how much of it is used now (counted: in the window or in flight). */
  quota: (QuotaSettings & { counted: number; waiting: number }) | null;
}

export interface DispatcherStatus {
  leader: boolean;
  consumer: ConsumerStatus;
  targets: TargetStatus[];
}

export interface Dispatcher {
  status(): DispatcherStatus;
  /**
   * The fold this dispatcher schedules from (current only while it holds the lease): the
   * delivery streams with a delivery not yet delivered, not the history.
   */
  readonly view: DeliveryView;
  /** Resolves when nothing is in flight and nothing is due now (tests, benchmarks). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}
