/**
 * The consumer-state port: where a consumer keeps its checkpoint, the events it parked, and
 * the lease that lets only one process run it. Adapters: SQLite (src/adapters/consumerState/
 * sqlite.ts: transactional, so a handler writing to the same database commits its effects
 * and the checkpoint together) and in memory (below: for consumers whose state is rebuilt at
 * every start, such as the registries).
 */
import type { LogPosition } from './eventStore.js';

/** An event a consumer gave up on, kept with its error so an operator can see and replay it. */
export interface ParkedEvent {
  consumer: string;
  position: LogPosition;
  eventId: string;
  streamName: string;
  eventType: string;
  error: string;
  attempts: number;
  parkedAt: Date;
}

export interface LeaseGrant {
  consumer: string;
  owner: string;
  expiresAt: Date;
}

export interface ConsumerStateStore {
  /** True when `commit` can run an effect in the same transaction as the checkpoint. */
  readonly transactional: boolean;
  /** The consumer's checkpoint (exclusive: it has handled everything up to it), or null. */
  load(consumer: string): Promise<LogPosition | null>;
  /**
   * Moves the checkpoint from `expected` to `next`, only if it still is `expected`
   * (compare-and-set), else rejects with CheckpointConflictError. On a transactional store,
   * `effect` runs inside the same transaction (a synchronous function writing to the same
   * database): both commit, or neither.
   */
  commit(
    consumer: string,
    expected: LogPosition | null,
    next: LogPosition,
    effect?: () => void,
  ): Promise<void>;
  /** Records a parked event (recording the same position again replaces it). */
  park(event: ParkedEvent): Promise<void>;
  parked(consumer?: string): Promise<ParkedEvent[]>;
  /**
   * Takes the consumer's lease for `ttlMs` when it is free, expired or already `owner`'s
   * (renewal). Returns the grant, or null when another owner holds a live lease.
   */
  acquireLease(
    consumer: string,
    owner: string,
    ttlMs: number,
    now: Date,
  ): Promise<LeaseGrant | null>;
  /** Gives the lease up (only if `owner` holds it), so a standby takes over at once. */
  releaseLease(consumer: string, owner: string): Promise<void>;
  /** Who holds a live lease now, if anyone. */
  leaseHolder(consumer: string, now: Date): Promise<LeaseGrant | null>;
}

/** Someone else moved the checkpoint: this runner must stop (it lost its lease). */
export class CheckpointConflictError extends Error {
  override name = 'CheckpointConflictError';
  readonly type = 'checkpoint-conflict';
  constructor(
    readonly consumer: string,
    readonly expected: LogPosition | null,
    readonly actual: LogPosition | null,
  ) {
    super(
      `Checkpoint of consumer ${consumer} is ${actual ?? 'unset'}, not ${expected ?? 'unset'}: another runner moved it`,
    );
  }
}

/** State held in memory: lost on restart, so for consumers that rebuild from the start. */
export const inMemoryConsumerState = (): ConsumerStateStore => {
  const checkpoints = new Map<string, LogPosition>();
  const parkedEvents = new Map<string, ParkedEvent>();
  const leases = new Map<string, LeaseGrant>();
  return {
    transactional: false,
    async load(consumer) {
      return checkpoints.get(consumer) ?? null;
    },
    async commit(consumer, expected, next) {
      const actual = checkpoints.get(consumer) ?? null;
      if (actual !== expected) throw new CheckpointConflictError(consumer, expected, actual);
      checkpoints.set(consumer, next);
    },
    async park(event) {
      parkedEvents.set(`${event.consumer}\u0000${event.position}`, event);
    },
    async parked(consumer) {
      return [...parkedEvents.values()].filter((e) => !consumer || e.consumer === consumer);
    },
    async acquireLease(consumer, owner, ttlMs, now) {
      const held = leases.get(consumer);
      if (held && held.owner !== owner && held.expiresAt > now) return null;
      const grant = { consumer, owner, expiresAt: new Date(now.getTime() + ttlMs) };
      leases.set(consumer, grant);
      return grant;
    },
    async releaseLease(consumer, owner) {
      if (leases.get(consumer)?.owner === owner) leases.delete(consumer);
    },
    async leaseHolder(consumer, now) {
      const held = leases.get(consumer);
      return held && held.expiresAt > now ? held : null;
    },
  };
};
