/**
 * Liveness and readiness for load balancers and orchestrators: public, and telling nothing
 * an anonymous caller should not know (read-model names and log positions, no documents).
 *
 * Ready means every route answers: the event store is reachable and every read model the
 * API serves has a live generation. Until then (a first build under way, or, with
 * COEXIST_PROJECTORS=separate, no `coexist projections run` yet) lists, summaries and
 * /graphql could only answer 503, so the instance says it is not ready. A live read model
 * that lags is ready: its lag is reported, and reads wait for `minRevision` themselves.
 */
import type { FastifyInstance } from 'fastify';
import { projections } from '../../../projections/index.js';
import type { ConsumerDirectory } from '../../consumers/directory.js';
import type { EventStore } from '../../ports/eventStore.js';
import type { Generation, ReadModelStore } from '../../ports/readModelStore.js';
import { HttpProblem } from '../problem.js';

export interface HealthOptions {
  store: EventStore;
  /** The read models the API serves from, when it serves any. */
  readModels?: ReadModelStore;
  /** Where the projectors' positions are read (here, or their checkpoints when separate). */
  consumers?: ConsumerDirectory;
}

/** One read model as readiness reports it; positions as text (JSON has no bigint). */
export interface ReadModelHealth {
  name: string;
  /** live: serving reads; building: first build under way; none: no projector has started it. */
  state: 'live' | 'building' | 'none';
  /** Version of the live generation, or of the one being built. */
  version: number | null;
  /** The projector's checkpoint: everything up to it is reflected. */
  position: string | null;
  /** Log positions between the checkpoint and the head (events, on the embedded store). */
  lag: string | null;
}

const notReady = (detail: string, extensions: object = {}) =>
  new HttpProblem(503, 'not-ready', 'Not ready', detail, extensions);

const readModelHealth = async (
  readModels: ReadModelStore,
  consumers: ConsumerDirectory | undefined,
): Promise<ReadModelHealth[]> => {
  const [generations, reports] = await Promise.all([
    readModels.generations(),
    consumers ? consumers.report() : [],
  ]);
  const byName = new Map(reports.map((report) => [report.name, report]));
  const of = (model: string, state: Generation['state']) =>
    generations.find((g) => g.model === model && g.state === state);
  return projections.map(({ name }) => {
    const followed = of(name, 'live') ?? of(name, 'building');
    const report = byName.get(`projection:${name}`);
    return {
      name,
      state: followed ? (followed.state as 'live' | 'building') : 'none',
      version: followed?.version ?? null,
      position: report?.position?.toString() ?? null,
      lag: report?.position == null ? null : (report.behind?.toString() ?? null),
    };
  });
};

export const healthRoutes = async (
  app: FastifyInstance,
  { store, readModels, consumers }: HealthOptions,
) => {
  app.get('/health/live', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get('/health/ready', { config: { public: true }, schema: { hide: true } }, async () => {
    try {
      await store.readStream('coexist-health', { maxCount: 1 });
    } catch {
      throw notReady('The event store is not reachable.');
    }
    if (!readModels) return { status: 'ready' };
    let models: ReadModelHealth[];
    try {
      models = await readModelHealth(readModels, consumers);
    } catch {
      throw notReady('The read-model store is not reachable.');
    }
    const missing = models.filter((model) => model.state !== 'live');
    if (missing.length > 0) {
      throw notReady(
        `No live generation yet for ${missing.map((m) => m.name).join(', ')}: a first build is under way, or no projector runs (with COEXIST_PROJECTORS=separate, start \`coexist projections run\`). Reads from them would answer 503.`,
        { readModels: models },
      );
    }
    return { status: 'ready', readModels: models };
  });
};
