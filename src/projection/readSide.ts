/**
 * The read side of one gateway process: its read-model store and a projector per read
 * model (projections/). The gateway starts it after the registries; the CLI opens the same
 * stores to report status and rebuild.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { projections as allProjections } from '../../projections/index.js';
import { getSqliteConsumerState, openConsumerDatabase } from '../adapters/consumerState/sqlite.js';
import { getMongoReadModelStore } from '../adapters/readModels/mongo.js';
import { getSqliteReadModelStore, openReadModelDatabase } from '../adapters/readModels/sqlite.js';
import type { ConsumerLog, ConsumerStatus } from '../consumers/definition.js';
import type { ObservedConsumer } from '../consumers/directory.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventStore } from '../ports/eventStore.js';
import type { Projection, ReadModelStore } from '../ports/readModelStore.js';
import {
  consumerNameOf,
  type ProjectorRuntime,
  type ProjectorStatus,
  type RunningProjector,
  startProjector,
} from './projector.js';

export interface ReadModelLocation {
  /** The embedded store's folder: read models go to `read-models.sqlite` in it. */
  dataDir: string;
  /** A MongoDB URL: read models go there instead. */
  mongoUrl?: string;
}

export const openReadModelStore = async ({
  dataDir,
  mongoUrl,
}: ReadModelLocation): Promise<ReadModelStore> => {
  if (mongoUrl) return getMongoReadModelStore(mongoUrl);
  mkdirSync(dataDir, { recursive: true });
  return getSqliteReadModelStore(openReadModelDatabase(join(dataDir, 'read-models.sqlite')));
};

export interface ReadSide {
  readModels: ReadModelStore;
  projectors: readonly RunningProjector[];
  status(): ProjectorStatus[];
  /** Resolves once every read model has been built and promoted. */
  ready(): Promise<void>;
  /** Stops the projectors (the store stays open: its owner closes it). */
  stop(): Promise<void>;
}

export const startReadSide = async (
  runtime: ProjectorRuntime,
  projections: readonly Projection[] = allProjections,
): Promise<ReadSide> => {
  const projectors = await Promise.all(
    projections.map((projection) => startProjector(projection, runtime)),
  );
  return {
    readModels: runtime.readModels,
    projectors,
    status: () => projectors.map((projector) => projector.status()),
    ready: async () => {
      await Promise.all(projectors.map((projector) => projector.ready()));
    },
    stop: async () => {
      await Promise.all(projectors.map((projector) => projector.stop()));
    },
  };
};

/** This process, as lease owner of its projectors. */
export const processOwner = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/**
 * The gateway's read side: the read-model store the location names and a projector per
 * read model. On MongoDB, projectors checkpoint in `consumers.sqlite` of the data folder.
 */
export const startGatewayReadSide = async (
  events: EventStore,
  location: ReadModelLocation,
  options: {
    log?: ConsumerLog;
    /**
     * Run the projectors here (the default), or only open the read models, their projectors
     * running in another process (`coexist projections run`), so that projection work does
     * not share the serving process's CPU with the write path.
     */
    projectorsHere?: boolean;
  } = {},
): Promise<
  ReadSide & {
    /**
     * Each read model's projector for the consumer directory (`/metrics`, admin API), named
     * `projection:<model>`: the projectors here, or, when they run in another process, their
     * checkpoints in the shared store, read every second.
     */
    observers: ObservedConsumer[];
    close(): Promise<void>;
  }
> => {
  const { log, projectorsHere = true } = options;
  const readModels = await openReadModelStore(location);
  const ownState = readModels.checkpoints
    ? null
    : getSqliteConsumerState(openConsumerDatabase(join(location.dataDir, 'consumers.sqlite')));
  const readSide = await startReadSide(
    {
      events,
      readModels,
      consumerState: checkpointsOf(readModels, ownState),
      owner: processOwner(),
      leaseTtlMs: 10_000,
      log,
    },
    projectorsHere ? allProjections : [],
  );
  const observed = projectorsHere
    ? readSide.projectors.map(
        (projector): ObservedConsumer => ({
          status: () => ({ ...projector.status(), name: `projection:${projector.model}` }),
        }),
      )
    : checkpointObservers(readModels, checkpointsOf(readModels, ownState));
  return {
    ...readSide,
    observers: observed,
    close: async () => {
      for (const observer of observed) (observer as { stop?: () => void }).stop?.();
      await readSide.stop();
      await readModels.close();
      ownState?.close();
    },
  };
};

const checkpointsOf = (readModels: ReadModelStore, own: ConsumerStateStore | null) =>
  (readModels.checkpoints ?? own) as ConsumerStateStore;

/**
 * Projectors running elsewhere, observed through their checkpoints: the position of each
 * model's live generation (or of the build under way, before the first promotion).
 */
const checkpointObservers = (
  readModels: ReadModelStore,
  checkpoints: ConsumerStateStore,
  projections: readonly Projection[] = allProjections,
): Array<ObservedConsumer & { stop(): void }> =>
  projections.map((projection) => {
    let status: ConsumerStatus | null = null;
    let busy = false;
    const refresh = async () => {
      if (busy) return;
      busy = true;
      try {
        const generations = await readModels.generations(projection.name);
        const followed =
          generations.find((g) => g.state === 'live') ??
          generations.find((g) => g.state === 'building');
        if (!followed) return;
        const name = consumerNameOf(followed.storage);
        const now = new Date();
        const [position, parked, holder] = await Promise.all([
          checkpoints.load(name),
          checkpoints.parked(name),
          checkpoints.leaseHolder(name, now),
        ]);
        status = {
          name: `projection:${projection.name}`,
          phase: holder ? 'live' : 'stopped', // as far as another process's lease tells
          position,
          caughtUp: false,
          owner: holder?.owner ?? null,
          handled: 0,
          parked: parked.length,
          lastError: null,
        };
      } catch {
        // The store is unavailable for a moment: keep the last figures.
      } finally {
        busy = false;
      }
    };
    void refresh();
    const timer = setInterval(refresh, 1_000);
    timer.unref();
    return { status: () => status, stop: () => clearInterval(timer) };
  });
