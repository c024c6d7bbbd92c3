/**
 * One circuit breaker per target (cockatiel): consecutive transient failures open it, so a
 * down ERP is not hammered by every queued document; after `halfOpenAfterMs` one trial
 * delivery goes through. An operator can hold it open (isolate) or close it again; that
 * setting is an event (DeliveryControl-<target>), so it survives restarts and reaches the
 * instance holding the dispatcher's lease.
 */

import { randomUUID } from 'node:crypto';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleType,
  IsolatedCircuitError,
} from 'cockatiel';
import type { ConsumerLog } from '../consumers/definition.js';
import type { ErpResult } from '../ports/erpConnector.js';
import type { EventStore } from '../ports/eventStore.js';
import { breakerChangedEventType, deliveryControlStreamOf } from './records.js';
import { type DeliverySettings, type TargetSettings, targetSettingsOf } from './settings.js';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const names: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Carries a transient answer through the breaker so it counts as a failure. */
class TransientAnswer extends Error {
  constructor(readonly result: ErpResult) {
    super('transient ERP answer');
  }
}

export interface BreakerView {
  target: string;
  state: BreakerState;
  /** The operator's last setting, if any. */
  setBy: { state: 'open' | 'closed'; by: string; reason: string; at: string } | null;
}

export class TargetBreaker {
  private policy: CircuitBreakerPolicy;
  private isolation: { dispose(): void } | null = null;
  /** When it last opened: cockatiel moves to half-open only when called after the wait. */
  private openedAt = 0;
  setBy: BreakerView['setBy'] = null;

  constructor(
    readonly target: string,
    private readonly settings: TargetSettings['breaker'],
    /** Told of every change of state (the dispatcher records it for every instance to see). */
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {
    this.policy = this.create();
  }

  private create(): CircuitBreakerPolicy {
    const policy = circuitBreaker(handleType(TransientAnswer), {
      halfOpenAfter: this.settings.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.settings.consecutiveFailures),
    });
    policy.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      if (this.policy === policy) this.onChange(names[state]);
    });
    return policy;
  }

  get state(): BreakerState {
    return names[this.policy.state];
  }

  /**
   * True while no delivery may start: isolated, or open and still within its wait. Once the
   * wait is over the next delivery goes through as the half-open trial.
   */
  get blocking(): boolean {
    const state = this.state;
    if (state === 'isolated') return true;
    return state === 'open' && Date.now() < this.openedAt + this.settings.halfOpenAfterMs;
  }

  /**
   * Runs a delivery through the breaker. Transient answers count against it; a call refused
   * because the breaker is open comes back as a transient `circuit-open` answer.
   */
  async run(deliver: () => Promise<ErpResult>): Promise<ErpResult> {
    try {
      return await this.policy.execute(async () => {
        const result = await deliver();
        if (!result.ok && result.error.kind === 'transient') throw new TransientAnswer(result);
        return result;
      });
    } catch (error) {
      if (error instanceof TransientAnswer) return error.result;
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        return {
          ok: false,
          error: {
            kind: 'transient',
            code: 'circuit-open',
            message: `The circuit breaker of target ${this.target} is ${this.state}.`,
          },
        };
      }
      throw error;
    }
  }

  /** Operator: `open` holds it open until closed; `closed` closes it now (a fresh breaker). */
  set(state: 'open' | 'closed', setBy: NonNullable<BreakerView['setBy']>): void {
    this.setBy = setBy;
    if (state === 'open') {
      this.isolation ??= this.policy.isolate();
      return;
    }
    this.isolation?.dispose();
    this.isolation = null;
    if (this.policy.state !== CircuitState.Closed) {
      this.policy = this.create();
      this.onChange('closed');
    }
  }

  view(): BreakerView {
    return { target: this.target, state: this.state, setBy: this.setBy };
  }
}

/** The breakers of every target, created on first use; their changes recorded as events. */
export class TargetBreakers {
  private readonly breakers = new Map<string, TargetBreaker>();

  constructor(
    private readonly store: EventStore,
    private readonly settings: DeliverySettings,
    private readonly now: () => Date,
    private readonly log: ConsumerLog,
  ) {}

  of(target: string): TargetBreaker {
    let breaker = this.breakers.get(target);
    if (!breaker) {
      const settings = targetSettingsOf(this.settings, target).breaker;
      breaker = new TargetBreaker(target, settings, (state) => this.changed(target, state));
      this.breakers.set(target, breaker);
    }
    return breaker;
  }

  targets(): string[] {
    return [...this.breakers.keys()];
  }

  private changed(target: string, state: BreakerState) {
    this.log.warn({ target, breaker: state }, 'delivery circuit breaker changed');
    const data = { state, at: this.now().toISOString() };
    this.store
      .appendToStream(
        deliveryControlStreamOf(target),
        [{ id: randomUUID(), type: breakerChangedEventType, data, metadata: {} }],
        { expectedRevision: 'any' },
      )
      .catch((error: unknown) => this.log.warn({ err: error }, 'breaker change not recorded'));
  }
}
