/**
 * A consumer's lease, so that of several processes only one runs the consumer and the others
 * stand by. It stands apart from the run loop (consumer.ts) because holding a lease (taking
 * it, renewing it every third of its period, noticing that another process took it, giving it
 * up) is the same whatever the consumer does with its batches: the loop only asks whether it
 * may run, and hears when it must stop.
 */
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { ConsumerLog } from './definition.js';

export interface LeaseOptions {
  /** The consumer the lease is for. */
  name: string;
  state: ConsumerStateStore;
  /** This process, as lease owner. */
  owner: string;
  /** Lease period; null runs without a lease (state private to this process). */
  ttlMs: number | null;
  log: ConsumerLog;
  now: () => Date;
  /** Called when a renewal finds the lease taken by another process. */
  onLost: () => void;
}

export type LeaseHold = { held: true } | { held: false; holder: string | null };

export interface ConsumerLease {
  /** Takes the lease and renews it until `drop`, or answers who holds it instead. */
  hold(): Promise<LeaseHold>;
  /** Stops renewing and gives the lease up, so a standby takes over at once. */
  drop(): Promise<void>;
}

export const consumerLease = (options: LeaseOptions): ConsumerLease => {
  const { name, state, owner, ttlMs, log, now } = options;
  let renewTimer: NodeJS.Timeout | null = null;
  /** Said once per spell on standby, not at every try. */
  let standingBy = false;
  return {
    async hold() {
      if (ttlMs === null) return { held: true };
      const grant = await state.acquireLease(name, owner, ttlMs, now());
      if (!grant) {
        const holder = await state.leaseHolder(name, now());
        if (!standingBy) {
          log.info(
            { consumer: name, holder: holder?.owner },
            'consumer on standby: lease held elsewhere',
          );
        }
        standingBy = true;
        return { held: false, holder: holder?.owner ?? null };
      }
      standingBy = false;
      log.info({ consumer: name, owner }, 'consumer lease acquired');
      renewTimer = setInterval(
        () => {
          state.acquireLease(name, owner, ttlMs, now()).then(
            (renewed) => {
              if (!renewed) {
                log.warn({ consumer: name, owner }, 'consumer lease lost');
                options.onLost();
              }
            },
            (error: unknown) => log.warn({ consumer: name, err: error }, 'lease renewal failed'),
          );
        },
        Math.max(50, Math.floor(ttlMs / 3)),
      );
      renewTimer.unref();
      return { held: true };
    },
    async drop() {
      if (renewTimer) clearInterval(renewTimer);
      renewTimer = null;
      standingBy = false;
      if (ttlMs !== null) await state.releaseLease(name, owner).catch(() => undefined);
    },
  };
};
