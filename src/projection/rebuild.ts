/**
 * Rebuilding read models from zero while the gateway keeps serving: a new generation of each
 * is built beside the live one, promoted when it has caught up with the log, and the old one
 * dropped with the promotion. Queries answer from the old generation until that instant. A
 * gateway projecting the same model moves to the new generation by itself.
 *
 * Several models rebuild in one pass of the log (`rebuildReadModels`): one consumer reads
 * each event once and hands it to every model it concerns, in one transaction on SQLite.
 * Reading and decoding the log costs about as much as folding the busiest model, so a pass
 * for all of them takes far less than one pass each.
 */
import {
  type EventFilter,
  type LogPosition,
  matchesFilter,
  type RecordedEvent,
} from '../ports/eventStore.js';
import type { Projection, ProjectionHandler, ReadModelStore } from '../ports/readModelStore.js';
import { consumerNameOf, type ProjectorRuntime, runGeneration } from './projector.js';

export interface RebuildProgress {
  /** The model, or the models of a pass, comma-separated. */
  model: string;
  storage: string;
  /** Events handled so far (read from the log and handed to the models). */
  handled: number;
  position: LogPosition | null;
  /** The log's head when the rebuild started (it follows later events too). */
  head: LogPosition | null;
  /** 0..1, by position: positions grow with the log, though not one per event. */
  fraction: number;
  eventsPerSecond: number;
  /** Seconds left at the current rate, or null before it can be estimated. */
  etaSeconds: number | null;
}

export interface RebuildResult {
  model: string;
  storage: string;
  /** Events handed to this model (its filter's; a batch retried after a failure counts again). */
  handled: number;
  /** Of the whole pass, when several models rebuilt together. */
  seconds: number;
}

export interface RebuildOptions {
  onProgress?: (progress: RebuildProgress) => void;
  intervalMs?: number;
}

export const rebuildReadModel = async (
  projection: Projection,
  runtime: ProjectorRuntime,
  options: RebuildOptions = {},
): Promise<RebuildResult> => {
  const [result] = await rebuildReadModels([projection], runtime, options);
  return result as RebuildResult;
};

/** Rebuilds `projections` (distinct models) in one pass of the log; promotes each at the end. */
export const rebuildReadModels = async (
  projections: readonly Projection[],
  runtime: ProjectorRuntime,
  options: RebuildOptions = {},
): Promise<RebuildResult[]> => {
  const { readModels, events } = runtime;
  if (projections.length === 0) return [];
  if (new Set(projections.map((p) => p.name)).size !== projections.length) {
    throw new Error('Each read model can be rebuilt once per pass');
  }
  const head = await events.headPosition();
  const generations = [];
  for (const projection of projections) {
    generations.push(await readModels.createGeneration(projection));
  }
  const storages = generations.map((g) => g.storage);
  const pass = combined(projections, storages, readModels);
  const started = performance.now();
  // Named after the first generation: its checkpoint is the pass's, and the others get theirs
  // at the end, so a gateway following any of them resumes where the pass stopped.
  const consumer = runGeneration(pass.projection, storages[0] as string, runtime, pass.handler);
  const model = projections.map((p) => p.name).join(', ');
  const report = () => {
    const { handled, position } = consumer.status();
    const seconds = (performance.now() - started) / 1000;
    const fraction =
      head === null || head === 0n ? 1 : Math.min(1, Number(position ?? 0n) / Number(head));
    const eventsPerSecond = seconds > 0 ? handled / seconds : 0;
    const etaSeconds =
      fraction > 0 && fraction < 1
        ? (seconds / fraction) * (1 - fraction)
        : fraction >= 1
          ? 0
          : null;
    options.onProgress?.({
      model,
      storage: storages.join(', '),
      handled,
      position,
      head,
      fraction,
      eventsPerSecond,
      etaSeconds,
    });
  };
  const timer = setInterval(report, options.intervalMs ?? 500);
  let stopped = false;
  try {
    await caughtUpOrFailed(consumer);
    if (storages.length > 1) {
      // The pass stops first, so its position is final when the others take it as theirs.
      await consumer.stop();
      stopped = true;
      const position = consumer.status().position;
      const checkpoints = readModels.checkpoints ?? runtime.consumerState;
      if (position !== null) {
        for (const storage of storages.slice(1)) {
          await checkpoints.commit(consumerNameOf(storage), null, position);
        }
      }
    }
    for (const storage of storages) await readModels.promote(storage);
    report();
    const seconds = (performance.now() - started) / 1000;
    return projections.map((projection, n) => ({
      model: projection.name,
      storage: storages[n] as string,
      handled: storages.length > 1 ? (pass.handled[n] as number) : consumer.status().handled,
      seconds,
    }));
  } catch (error) {
    if (!stopped) await consumer.stop();
    stopped = true;
    for (const storage of storages) await readModels.drop(storage).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(timer);
    if (!stopped) await consumer.stop();
  }
};

/**
 * One handler for several generations: each receives the events its projection's filter
 * selects, in log order; on SQLite all of them write in the pass's one transaction.
 */
const combined = (
  projections: readonly Projection[],
  storages: readonly string[],
  readModels: ReadModelStore,
): { projection: Projection; handler: ProjectionHandler; handled: number[] } => {
  const parts = projections.map((projection, n) =>
    readModels.handler(storages[n] as string, projection),
  );
  const handled = projections.map(() => 0);
  if (parts.length === 1) {
    return {
      projection: projections[0] as Projection,
      handler: parts[0] as ProjectionHandler,
      handled,
    };
  }
  const select = (events: readonly RecordedEvent[], n: number) => {
    const filter = projections[n]?.filter;
    const selected = filter ? events.filter((event) => matchesFilter(filter, event)) : events;
    handled[n] = (handled[n] as number) + selected.length;
    return selected;
  };
  const projection = { ...(projections[0] as Projection), filter: unionOf(projections) };
  if (parts.every((part) => part.mode === 'transactional')) {
    return {
      projection,
      handled,
      handler: {
        mode: 'transactional',
        handle(events) {
          parts.forEach((part, n) => {
            const selected = select(events, n);
            if (selected.length > 0) part.handle(selected);
          });
        },
      },
    };
  }
  return {
    projection,
    handled,
    handler: {
      mode: 'at-least-once',
      async handle(events) {
        for (const [n, part] of parts.entries()) {
          const selected = select(events, n);
          if (selected.length > 0) await part.handle(selected);
        }
      },
    },
  };
};

/** The events any of the projections wants: a filter the log can apply, or none (all). */
const unionOf = (projections: readonly Projection[]): EventFilter | undefined => {
  const filters = projections.map((p) => p.filter);
  if (filters.some((f) => !f || (f.streamCategories && f.eventTypes))) return undefined;
  const categories = filters.map((f) => f?.streamCategories);
  if (categories.every(Boolean))
    return { streamCategories: [...new Set(categories.flat())] as string[] };
  const types = filters.map((f) => f?.eventTypes);
  if (types.every(Boolean)) return { eventTypes: [...new Set(types.flat())] as string[] };
  return undefined;
};

/** The consumer's catch-up, or its failure (a poison event with `stop`, say). */
const caughtUpOrFailed = (consumer: ReturnType<typeof runGeneration>) =>
  new Promise<void>((resolve, reject) => {
    consumer.caughtUp().then(resolve, reject);
    const watch = setInterval(() => {
      const status = consumer.status();
      if (status.phase === 'failed') {
        clearInterval(watch);
        reject(new Error(status.lastError?.message ?? 'the rebuild failed'));
      }
    }, 200);
    consumer.caughtUp().finally(() => clearInterval(watch));
  });
