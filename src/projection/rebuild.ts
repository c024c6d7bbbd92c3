/**
 * Rebuilding a read model from zero while the gateway keeps serving: a new generation is
 * built beside the live one by its own consumer, promoted when it has caught up with the log,
 * and the old one dropped with the promotion. Queries answer from the old generation until
 * that instant. A gateway projecting the same model moves to the new generation by itself.
 */
import type { LogPosition } from '../ports/eventStore.js';
import type { Projection } from '../ports/readModelStore.js';
import { type ProjectorRuntime, runGeneration } from './projector.js';

export interface RebuildProgress {
  model: string;
  storage: string;
  /** Events handled so far. */
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
  handled: number;
  seconds: number;
}

export const rebuildReadModel = async (
  projection: Projection,
  runtime: ProjectorRuntime,
  options: { onProgress?: (progress: RebuildProgress) => void; intervalMs?: number } = {},
): Promise<RebuildResult> => {
  const { readModels, events } = runtime;
  const head = await events.headPosition();
  const generation = await readModels.createGeneration(projection);
  const started = performance.now();
  const consumer = runGeneration(projection, generation.storage, runtime);
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
      model: projection.name,
      storage: generation.storage,
      handled,
      position,
      head,
      fraction,
      eventsPerSecond,
      etaSeconds,
    });
  };
  const timer = setInterval(report, options.intervalMs ?? 500);
  try {
    await caughtUpOrFailed(consumer);
    await readModels.promote(generation.storage);
    report();
    return {
      model: projection.name,
      storage: generation.storage,
      handled: consumer.status().handled,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    await consumer.stop();
    await readModels.drop(generation.storage).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(timer);
    await consumer.stop();
  }
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
