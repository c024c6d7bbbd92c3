/**
 * The dispatcher's pump: which recorded deliveries start now. It stands apart from the
 * dispatcher (dispatcher.ts: the lease, the log and the fold) because choosing what runs is a
 * concern of its own: per document only its head, when due, not paused, its target open (a
 * place free, its breaker closed), its parents delivered, ranked against the others of its
 * target when that target has priorities; and the timer for the next delivery that comes due.
 */
import type { ConsumerLog } from '../consumers/definition.js';
import type { ErpConnector } from '../ports/erpConnector.js';
import { type AttemptContext, attemptDelivery } from './attempt.js';
import type { TargetBreaker } from './breakers.js';
import type { DocumentEvents } from './documentEvents.js';
import { headOf, parentWaitOf } from './ordering.js';
import type { Places } from './places.js';
import type { RankedCandidates } from './priority.js';
import type { Delivery, DeliveryStream } from './records.js';
import { type DeliverySettings, targetSettingsOf } from './settings.js';
import type { DeliveryView } from './view.js';

export interface PumpContext {
  /**
   * Streams with a delivery not yet delivered: the only ones the pump looks at. The
   * dispatcher adds them as it folds; the pump drops the finished ones.
   */
  active: Set<string>;
  /** Streams whose head is held by its gate and whose document changed: ask the gate again. */
  recheck: Set<string>;
  connectors: ReadonlyMap<string, ErpConnector>;
  view: () => DeliveryView;
  /** This dispatcher holds the lease and is not stopping. */
  open: () => boolean;
  settings: DeliverySettings;
  places: Places;
  /** The targets that take their deliveries by priority, with their candidates. */
  queues: ReadonlyMap<string, RankedCandidates>;
  breakerOf: (target: string) => TargetBreaker;
  /** A document whose requests are being recorded (its children wait for them). */
  inIntake: (documentStream: string) => boolean;
  documents: DocumentEvents;
  /** A finished stream still needed (an append, an attempt or the batch handled). */
  inUse: (stream: string) => boolean;
  attemptContext: AttemptContext;
  now: () => Date;
  log: ConsumerLog;
}

export const createPump = (ctx: PumpContext) => {
  const { active, recheck, connectors, places, queues, settings, breakerOf, now, log } = ctx;
  /** Per stream, a local pause after the store failed under an attempt. */
  const pausedUntil = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let pumpQueued = false;
  const idleWaiters = new Set<() => void>();
  const attempts = new Set<Promise<void>>();

  const requestPump = () => {
    if (pumpQueued) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pump();
    });
  };

  /** Takes a place of the target for a stream's attempt; `attempt` gives it back. */
  const occupy = (name: string, target: string) => {
    places.take(name, target);
    recheck.delete(name);
  };
  const attempt = (name: string, target: string, deliveryId: string, work: () => Promise<void>) => {
    const run = work()
      .catch((error: unknown) => {
        pausedUntil.set(name, now().getTime() + 1_000);
        log.warn({ delivery: deliveryId, err: error }, 'delivery attempt not recorded');
      })
      .finally(() => {
        const stream = ctx.view().streams.get(name);
        if (stream && !headOf(stream)) ctx.documents.forget(stream.documentStream);
        attempts.delete(run);
        places.give(name, target);
        requestPump();
      });
    attempts.add(run);
  };
  const start = (
    name: string,
    stream: DeliveryStream,
    head: Delivery,
    connector: ErpConnector,
    breaker: TargetBreaker,
  ) => {
    occupy(name, stream.target);
    attempt(name, stream.target, head.deliveryId, () =>
      attemptDelivery(ctx.attemptContext, stream, head, connector, breaker),
    );
  };

  let lastSweep = 0;
  /** Drops finished streams in bulk (or when idle), not after each delivery: off the hot path. */
  const sweep = (force: boolean) => {
    const view = ctx.view();
    if (!force && view.finishedCount < 512 && performance.now() - lastSweep < 1_000) return;
    lastSweep = performance.now();
    view.sweep(ctx.inUse);
  };
  const pump = () => {
    if (!ctx.open()) return;
    sweep(false);
    const view = ctx.view();
    for (const ranked of queues.values()) ranked.clear();
    places.starved.clear();
    const at = now().getTime();
    let earliest = Number.POSITIVE_INFINITY;
    const open = new Set(connectors.keys());
    for (const name of active) {
      if (open.size === 0) break; // every target is at its concurrency limit
      const stream = view.streams.get(name);
      const head = stream && headOf(stream);
      if (!stream || !head) {
        active.delete(name);
        recheck.delete(name);
        continue;
      }
      if (places.isBusy(name) || head.state === 'dead-lettered') continue;
      if (head.state === 'held' && !recheck.has(name)) continue;
      const connector = connectors.get(stream.target);
      if (!connector) continue;
      const due = Math.max(
        head.nextAttemptAt ? Date.parse(head.nextAttemptAt) : 0,
        pausedUntil.get(name) ?? 0,
      );
      if (due > at) {
        earliest = Math.min(earliest, due);
        continue;
      }
      if (places.full(stream.target)) {
        // A due delivery waits for a place: new requests queue behind it, not ahead.
        open.delete(stream.target);
        places.starved.add(stream.target);
        continue;
      }
      const breaker = breakerOf(stream.target);
      if (breaker.blocking) {
        earliest = Math.min(earliest, at + 1_000);
        continue;
      }
      if (head.parents.some((parent) => ctx.inIntake(parent))) continue;
      if (parentWaitOf(head, (n) => view.streams.get(n))) continue;
      const ranked = queues.get(stream.target);
      if (ranked) ranked.offer(name, head, at);
      else start(name, stream, head, connector, breaker);
    }
    // Targets with priorities: the best-ranked candidates take the free places.
    for (const [target, ranked] of queues) {
      const free = targetSettingsOf(settings, target).concurrency - places.running(target);
      for (const name of ranked.take(free)) {
        const stream = view.streams.get(name) as DeliveryStream;
        const head = headOf(stream) as Delivery;
        start(name, stream, head, connectors.get(target) as ErpConnector, breakerOf(target));
      }
    }
    if (timer) clearTimeout(timer);
    timer = null;
    if (Number.isFinite(earliest)) {
      timer = setTimeout(requestPump, Math.max(10, earliest - at));
      timer.unref();
    }
    if (places.busyCount === 0 && !(earliest <= at + 5)) {
      sweep(true);
      releaseIdle();
    }
  };
  const releaseIdle = () => {
    for (const resolve of idleWaiters) resolve();
    idleWaiters.clear();
  };

  return {
    pausedUntil: pausedUntil as ReadonlyMap<string, number>,
    requestPump,
    occupy,
    attempt,
    /** Resolves when nothing runs and nothing is due (after the next pump). */
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.add(resolve);
        requestPump();
      }),
    /** The attempts under way. */
    underWay: () => [...attempts],
    /** Schedules nothing more. */
    stop() {
      if (timer) clearTimeout(timer);
    },
    releaseIdle,
  };
};
