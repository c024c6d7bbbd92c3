/**
 * A projector keeps one read model up to date: a consumer (src/consumers) whose handler is
 * the read-model store's, writing the projection into the model's generation for the
 * projection's version.
 *
 * - The live generation has this version: the projector follows it.
 * - It has none, or an older version: the projector builds the new version beside it and
 *   promotes it once caught up (reads answer from the old generation meanwhile; it stops
 *   advancing, since its code is gone).
 * - Another process promoted a new generation (`coexist projections rebuild`): the projector
 *   notices within `pollMs`, and moves to it, resuming from that generation's checkpoint.
 *
 * On SQLite the checkpoint lives in the read-model database and commits with the writes
 * (exactly once); on MongoDB it lives in the gateway's consumer state (at least once, the
 * store skipping what a document already reflects).
 */
import { startConsumer } from '../consumers/consumer.js';
import type { ConsumerLog, ConsumerStatus, RunningConsumer } from '../consumers/definition.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventStore, LogPosition } from '../ports/eventStore.js';
import type {
  Generation,
  Projection,
  ProjectionHandler,
  ReadModelStore,
} from '../ports/readModelStore.js';

export interface ProjectorRuntime {
  events: EventStore;
  readModels: ReadModelStore;
  /** Checkpoints for stores that cannot keep their own (MongoDB). */
  consumerState: ConsumerStateStore;
  /** This process, as lease owner. */
  owner: string;
  /** Lease period, so a rebuild and a gateway never run the same generation at once. */
  leaseTtlMs: number | null;
  log?: ConsumerLog;
  /** How often to look for a generation promoted by another process. Default 2 s. */
  pollMs?: number;
  batchSize?: number;
}

export interface ProjectorStatus extends ConsumerStatus {
  model: string;
  version: number;
  storage: string;
}

export interface RunningProjector {
  readonly model: string;
  status(): ProjectorStatus;
  /** Resolves once the projection reflects everything up to `position`. */
  waitFor(position: LogPosition): Promise<void>;
  /** Resolves once the projector has caught up and its generation is live. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/** The consumer that writes a generation: named after its storage, so each has its checkpoint. */
export const consumerNameOf = (storage: string) => `projection:${storage}`;

/**
 * Runs `projection` into `storage` on a consumer; `handler` replaces the store's (a rebuild
 * pass writing several generations at once).
 */
export const runGeneration = (
  projection: Projection,
  storage: string,
  runtime: ProjectorRuntime,
  handler: ProjectionHandler = runtime.readModels.handler(storage, projection),
): RunningConsumer => {
  return startConsumer(
    {
      name: consumerNameOf(storage),
      filter: projection.filter,
      batchSize: runtime.batchSize ?? 1_000,
      poison: 'park',
      handler,
    },
    {
      // The embedded log's catch-up yields to the event loop between windows itself.
      store: runtime.events,
      state: runtime.readModels.checkpoints ?? runtime.consumerState,
      owner: runtime.owner,
      leaseTtlMs: runtime.leaseTtlMs,
      log: runtime.log,
    },
  );
};

/** The generation this version should write: the live one, a build under way, or a new one. */
const targetGeneration = async (
  projection: Projection,
  readModels: ReadModelStore,
): Promise<Generation> => {
  const generations = await readModels.generations(projection.name);
  const live = generations.find((g) => g.state === 'live');
  if (live?.version === projection.version) return live;
  const building = generations.find(
    (g) => g.state === 'building' && g.version === projection.version,
  );
  return building ?? readModels.createGeneration(projection);
};

export const startProjector = async (
  projection: Projection,
  runtime: ProjectorRuntime,
): Promise<RunningProjector> => {
  const { readModels, log } = runtime;
  let generation = await targetGeneration(projection, readModels);
  let consumer = runGeneration(projection, generation.storage, runtime);
  let stopped = false;
  let live: Promise<void>;

  const follow = (target: Generation) => {
    generation = target;
    const running = consumer;
    live =
      target.state === 'live'
        ? running.caughtUp()
        : running.caughtUp().then(async () => {
            if (stopped || running !== consumer) return;
            await readModels.promote(target.storage);
            generation = { ...target, state: 'live' };
            log?.info({ model: projection.name, storage: target.storage }, 'read model promoted');
          });
    live.catch((error: unknown) =>
      log?.error({ model: projection.name, err: error }, 'read model promotion failed'),
    );
  };
  follow(generation);

  /** Moves to the generation another process promoted, if any. */
  const check = async () => {
    const generations = await readModels.generations(projection.name);
    const current = generations.find((g) => g.storage === generation.storage);
    const promoted = generations.find((g) => g.state === 'live');
    if (current?.state !== 'retired' || !promoted || promoted.version !== projection.version) {
      return;
    }
    log?.info(
      { model: projection.name, from: generation.storage, to: promoted.storage },
      'read model rebuilt elsewhere; following the new generation',
    );
    const previous = consumer;
    consumer = runGeneration(projection, promoted.storage, runtime);
    follow(promoted);
    await previous.stop();
  };
  let checking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    checking = checking
      .then(check)
      .catch((error: unknown) =>
        log?.warn({ model: projection.name, err: error }, 'read model check failed'),
      );
  }, runtime.pollMs ?? 2_000);
  timer.unref();

  return {
    model: projection.name,
    status: () => ({
      ...consumer.status(),
      model: projection.name,
      version: projection.version,
      storage: generation.storage,
    }),
    waitFor: (position) => consumer.waitFor(position),
    ready: () => live,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await checking;
      await consumer.stop();
    },
  };
};
