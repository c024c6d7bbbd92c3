/**
 * What a consumer is, as the code that runs one writes it (a name, a filter, a handler and
 * its mode) and as operators see it (its status). It stands apart from the runner
 * (consumer.ts) because every registry, projector and process defines and observes
 * consumers, and none of them needs to know how batches are retried, leases held or
 * checkpoints written.
 */

import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventFilter, EventStore, LogPosition, RecordedEvent } from '../ports/eventStore.js';

/** What an at-least-once handler answers when it looked at a batch and had nothing to do. */
export const noEffects = 'no-effects' as const;
type NoEffects = typeof noEffects;

export type ConsumerHandler =
  /**
   * Effects elsewhere (memory, an ERP, another store): must be idempotent. A handler that
   * answers `noEffects` (it looked and had nothing to do) lets its checkpoint trail as over a
   * window its filter emptied: handling those events again after a restart changes nothing.
   */
  | {
      mode: 'at-least-once';
      handle(
        events: readonly RecordedEvent[],
      ): Promise<void> | Promise<NoEffects | undefined> | void | NoEffects;
    }
  /** Effects in the consumer-state database, synchronous, committed with the checkpoint. */
  | { mode: 'transactional'; handle(events: readonly RecordedEvent[]): void };

export interface RetryOptions {
  /** Retries after the first attempt, for a batch and then for each of its events. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ConsumerDefinition {
  name: string;
  filter?: EventFilter;
  /** Where a consumer without a checkpoint starts. Default: the start of the log. */
  startFrom?: 'start' | 'end';
  /** Most events per batch. Default 500. */
  batchSize?: number;
  /** What to do with an event that fails every retry. Default: park it and go on. */
  poison?: 'park' | 'stop';
  retry?: Partial<RetryOptions>;
  handler: ConsumerHandler;
}

/** Minimal logger (pino's shape), so the process log shows leases, retries and parking. */
export interface ConsumerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ConsumerRuntime {
  store: EventStore;
  state: ConsumerStateStore;
  /** This process, as lease owner: e.g. `host:pid:random`. */
  owner: string;
  /** Lease period; null runs without a lease (state private to this process). */
  leaseTtlMs: number | null;
  log?: ConsumerLog;
  now?: () => Date;
}

export type ConsumerPhase =
  | 'starting'
  | 'standby'
  | 'catching-up'
  | 'live'
  | 'retrying'
  | 'stopped'
  | 'failed';

export interface ConsumerStatus {
  name: string;
  phase: ConsumerPhase;
  /** Everything up to here is handled (the checkpoint); null before the first batch. */
  position: LogPosition | null;
  caughtUp: boolean;
  /** Who runs it (with a lease), else this process. */
  owner: string | null;
  handled: number;
  parked: number;
  lastError: { message: string; at: string; attempt: number } | null;
}

export interface RunningConsumer {
  readonly name: string;
  status(): ConsumerStatus;
  /** Resolves once everything up to `position` is handled (read-your-writes after an append). */
  waitFor(position: LogPosition): Promise<void>;
  /** Resolves the first time the consumer has caught up with the log. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}
