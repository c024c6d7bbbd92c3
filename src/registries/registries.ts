/** The registries on their shared follower: what the gateway (and tests) start. */
import type { Principal } from '../auth/principal.js';
import type { ConsumerLog, ConsumerStatus } from '../consumers/definition.js';
import { ToleranceRegistry } from '../matching/tolerances.js';
import type { EventStore } from '../ports/eventStore.js';
import { ApiKeyRegistry } from './apiKeys.js';
import { createFollowers, type Sync } from './follower.js';
import { FreezeRegistry } from './freezes.js';
import { RuleSetRegistry } from './ruleSets.js';

export interface Registries {
  keys: ApiKeyRegistry;
  rules: RuleSetRegistry;
  freezes: FreezeRegistry;
  tolerances: ToleranceRegistry;
  /** Catch up with the log now (e.g. after another process issued a key). */
  sync: Sync;
  status(): ConsumerStatus | null;
  stop(): Promise<void>;
}

/** Resolves once every registry has caught up with the log. */
export const startRegistries = async (
  store: EventStore,
  options: { extraKeys?: ReadonlyMap<string, Principal>; log?: ConsumerLog } = {},
): Promise<Registries> => {
  const followers = createFollowers(store, options.log);
  const keys = new ApiKeyRegistry(followers.sync, options.extraKeys);
  const rules = new RuleSetRegistry(store, followers.sync);
  const freezes = new FreezeRegistry(store, followers.sync);
  const tolerances = new ToleranceRegistry(store, followers.sync);
  await followers.start([keys, rules, freezes, tolerances]);
  return {
    keys,
    rules,
    freezes,
    tolerances,
    sync: followers.sync,
    status: followers.status,
    stop: followers.stop,
  };
};
