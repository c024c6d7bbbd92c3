/**
 * The delivery backlog, from the `deliveries` read model: per target and recorded state, how
 * many deliveries there are and the age of the oldest still to deliver; and the dead letters,
 * newest first. Counts and the oldest come from indexes: no stream is read.
 */
import type { DeliveryRecord } from '../../projections/deliveries/deliveries.js';
import type { RecordedDeliveryState } from '../delivery/records.js';
import type { Page, ReadModelStore } from '../ports/readModelStore.js';

const model = 'deliveries';
/** What the backlog is made of: every recorded state but the settled ones. */
export const backlogStates: readonly RecordedDeliveryState[] = [
  'pending',
  'in-flight',
  'retrying',
  'held',
  'dead-lettered',
];
/** Every state a delivery's own events record, each counted (zero included). */
const recordedStates: readonly RecordedDeliveryState[] = ['delivered', 'skipped', ...backlogStates];
/** The ERPs deliveries go to (the routing's targets). */
export const backlogTargets = ['legacy', 'cloud'] as const;

export interface TargetBacklog {
  target: string;
  /** Deliveries per state (every state listed, zero included). */
  states: Record<RecordedDeliveryState, number>;
  /** Pending, in flight or retrying: still to be delivered (held ones wait on their gate). */
  outstanding: number;
  deadLettered: number;
  oldestOutstanding: {
    deliveryId: string;
    documentStream: string;
    requestedAt: string;
    ageSeconds: number;
  } | null;
}

export const deliveryBacklog = async (
  readModels: ReadModelStore,
  now: Date,
  targets: readonly string[] = backlogTargets,
): Promise<TargetBacklog[]> =>
  Promise.all(
    targets.map(async (target) => {
      const states = Object.fromEntries(
        await Promise.all(
          recordedStates.map(async (state) => [
            state,
            await readModels.countMatching(model, { target, state }),
          ]),
        ),
      ) as Record<RecordedDeliveryState, number>;
      const oldest = (
        await readModels.find(model, {
          where: { target, outstanding: true },
          orderBy: { field: 'requestedAt', direction: 'asc' },
          limit: 1,
        })
      ).items[0] as DeliveryRecord | undefined;
      return {
        target,
        states,
        outstanding: states.pending + states['in-flight'] + states.retrying,
        deadLettered: states['dead-lettered'],
        oldestOutstanding: oldest
          ? {
              deliveryId: oldest.id,
              documentStream: oldest.documentStream,
              requestedAt: oldest.requestedAt,
              ageSeconds: Math.max(0, (now.getTime() - Date.parse(oldest.requestedAt)) / 1000),
            }
          : null,
      };
    }),
  );

/** Dead-lettered deliveries, the most recently dead-lettered first. */
export const deadLetters = async (
  readModels: ReadModelStore,
  query: { target?: string; after?: string; limit: number },
): Promise<Page<DeliveryRecord>> =>
  (await readModels.find(model, {
    where: { state: 'dead-lettered', ...(query.target ? { target: query.target } : {}) },
    orderBy: { field: 'deadLetteredAt', direction: 'desc' },
    after: query.after,
    limit: query.limit,
  })) as Page<DeliveryRecord>;
