/**
 * The dispatcher: the consumer that turns accepted commands into deliveries to their ERPs.
 *
 * - It follows the document streams (and the delivery and control streams) as one leased,
 *   at-least-once consumer: one dispatcher per data directory, and in EventStoreDB mode one
 *   instance at a time, the others standing by. Each command event becomes a
 *   `DeliveryRequested` per target of its route, appended with an idempotency claim keyed by
 *   target and command event, so a batch handled again after a crash requests nothing twice.
 * - Deliveries are scheduled (pump.ts) from the fold of the delivery streams (DeliveryView)
 *   that have a delivery not yet delivered: a finished stream is dropped, and read again (one
 *   stream) when a new command of its document arrives, so memory follows the backlog, not the
 *   history. A new lease holder starts from the last snapshot (snapshot.ts): per
 *   document only its head delivery may be attempted, and a retried head holds the ones
 *   behind it (later commands never overtake); a child waits for its parent orders'
 *   deliveries to the same target; documents run in parallel up to each target's concurrency.
 * - Every attempt is recorded before the ERP is called (`DeliveryAttemptStarted`) and its
 *   outcome after (`DeliverySucceeded`, `DeliveryAttemptFailed` with the next attempt time, or
 *   `DeliveryDeadLettered`), each appended against the delivery stream's revision: an instance
 *   that lost its lease cannot record over the new holder. After a crash the started attempt
 *   has no outcome, and the next attempt asks the connector again, which finds what the ERP
 *   already holds under the gateway's reference: exactly once in the ERP.
 * - A gate (gates.ts) may hold a document's delivery until its state allows it; a quota and
 *   priorities per target (quota.ts, priority.ts) decide which deliveries go first.
 */

import { startConsumer } from '../consumers/consumer.js';
import type { ConsumerLog, RunningConsumer } from '../consumers/definition.js';
import { categoryOf, type RecordedEvent } from '../ports/eventStore.js';
import { createAdmission } from './admission.js';
import { TargetBreakers } from './breakers.js';
import type { Dispatcher, DispatcherOptions } from './dispatcherApi.js';
import { DocumentEvents } from './documentEvents.js';
import { noGates } from './gates.js';
import { intakeOf } from './intake.js';
import { replaysOf } from './operations.js';
import { headOf } from './ordering.js';
import { Places } from './places.js';
import { targetCapacity } from './priority.js';
import { createPump } from './pump.js';
import type { TargetQuota } from './quota.js';
import { createRecorder } from './recorder.js';
import {
  breakerSetEventType,
  type DeliveryStream,
  deliveryCategory,
  deliveryControlCategory,
  deliveryEventTypes,
  deliveryReplayCategory,
  deliveryResolutionCategory,
  deliveryStreamOf,
} from './records.js';
import { documentCategories } from './requests.js';
import { resolutionsOf } from './resolutions.js';
import { targetSettingsOf } from './settings.js';
import { startSnapshotter } from './snapshotter.js';
import { DeliveryView } from './view.js';

export const dispatcherConsumerName = 'dispatcher';

export type {
  Dispatcher,
  DispatcherOptions,
  DispatcherStatus,
  TargetStatus,
} from './dispatcherApi.js';

const quotaView = (quota: TargetQuota | undefined) =>
  quota ? { ...quota.settings, counted: quota.counted(), waiting: quota.waiting } : null;

const silentLog: ConsumerLog = { info() {}, warn() {}, error() {} };

export const startDispatcher = (options: DispatcherOptions): Dispatcher => {
  const { store, settings } = options;
  const log = options.log ?? silentLog;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const connectors = new Map(options.connectors.map((c) => [c.target, c]));
  const breakers = new TargetBreakers(store, settings, now, log);
  const breakerOf = (target: string) => breakers.of(target);

  const bounded = () => new DeliveryView({ retain: 'unfinished' });
  let view = bounded();
  let leader = false;
  let activation: Promise<void> | null = null;
  let stopping = false;
  /** Streams with a delivery not yet delivered: the only ones the pump looks at. */
  const active = new Set<string>();
  /** Streams whose head is held by its gate and whose document changed: ask the gate again. */
  const recheck = new Set<string>();
  const documents = new DocumentEvents(store);
  const places = new Places((target) => targetSettingsOf(settings, target).concurrency);
  /** Document streams whose requests are being appended: their children wait for them. */
  const intake = new Map<string, number>();

  /** Delivery streams the batch being handled reads or writes: not dropped under it. */
  const handling = new Set<string>();
  let snapshots: ReturnType<typeof startSnapshotter> | null = null;

  const track = (stream: DeliveryStream) => {
    if (headOf(stream)) active.add(stream.name);
    snapshots?.moved();
  };

  const recorder = createRecorder(store, () => view, track);
  const record = recorder.record;
  snapshots = startSnapshotter({
    store,
    view: () => view,
    recorder,
    leading: () => leader && !stopping,
    intervalMs: options.snapshotIntervalMs ?? 5_000,
    log,
  });
  /** Finished streams stay while an append, an attempt or the batch handled needs them. */
  const inUse = (name: string) =>
    places.isBusy(name) || recorder.pending(name) || handling.has(name);

  const { queues, quotas, budgetFor } = targetCapacity(settings, [...connectors.keys()]);

  const attemptContext = {
    budgetFor,
    readDocument: documents.read,
    gateFor: options.gates ?? noGates,
    settings,
    record,
    now,
    random,
    log,
  };

  const pump = createPump({
    active,
    recheck,
    connectors,
    view: () => view,
    open: () => leader && !stopping,
    settings,
    places,
    queues,
    breakerOf,
    inIntake: (documentStream) => intake.has(documentStream),
    documents,
    inUse,
    attemptContext,
    now,
    log,
  });
  const { requestPump } = pump;

  const { admission, requestAndStart } = createAdmission({
    connectors,
    view: () => view,
    open: () => leader && !stopping,
    ranked: (target) => queues.has(target),
    gateFor: options.gates ?? noGates,
    places,
    pausedUntil: pump.pausedUntil,
    now,
    breakerOf,
    inIntake: (documentStream) => intake.has(documentStream),
    documents,
    recorder,
    occupy: pump.occupy,
    attempt: pump.attempt,
    attemptContext,
  });

  const applyFromLog = (event: RecordedEvent) => {
    if (!view.apply(event)) return;
    const category = categoryOf(event.streamName);
    if (category === deliveryCategory) track(view.stream(event.streamName));
    if (category === deliveryControlCategory && event.type === breakerSetEventType) {
      const target = event.streamName.slice(deliveryControlCategory.length + 1);
      const setting = view.breakerSettings.get(target);
      if (setting) breakerOf(target).set(setting.state, setting);
    }
  };

  /**
   * A document's event from the log: kept for preparing its deliveries, and a held delivery
   * of that document asks its gate again.
   */
  const noteDocumentEvent = (event: RecordedEvent, fresh: Map<string, RecordedEvent[]>) => {
    if (!documents.extend(event)) {
      const run = fresh.get(event.streamName);
      if (run && Number(event.revision) === run.length) run.push(event);
      else if (!run && event.revision === 0n) fresh.set(event.streamName, [event]);
    }
    for (const target of connectors.keys()) {
      const name = deliveryStreamOf(target, event.streamName);
      const stream = view.streams.get(name);
      // Busy: the attempt under way may be deciding on the events before this one.
      if (stream && (places.isBusy(name) || headOf(stream)?.state === 'held')) recheck.add(name);
    }
  };

  /**
   * An operator's replay (each named delivery still dead-lettered is made pending again) or
   * resolution (a dead letter done by hand, or skipped: what waits behind it proceeds).
   */
  const carryOutReplay = (event: RecordedEvent): Promise<boolean>[] => [
    ...replaysOf(event, view).map(({ stream, data, claim }) =>
      record(stream, deliveryEventTypes.replayed, data, claim),
    ),
    ...resolutionsOf(event, view).map(({ stream, type, data, claim }) =>
      record(stream, type, data, claim),
    ),
  ];

  /**
   * On taking the lease: fold the unfinished delivery streams (from the last snapshot and the
   * log after it), then schedule.
   */
  const activate = () => {
    activation ??= (async () => {
      const fresh = bounded();
      active.clear();
      documents.clear();
      await fresh.refresh(store);
      view = fresh;
      for (const stream of view.streams.values()) track(stream);
      for (const [target, setting] of view.breakerSettings) {
        breakerOf(target).set(setting.state, setting);
      }
      snapshots?.reset();
      // A document may have changed while no dispatcher ran: every held delivery asks again.
      for (const name of active) {
        if (view.streams.get(name)?.deliveries.some((d) => d.state === 'held')) recheck.add(name);
      }
      leader = true;
      log.info({ consumer: dispatcherConsumerName, active: active.size }, 'dispatcher active');
      requestPump();
    })();
    return activation;
  };
  const deactivate = () => {
    if (!activation) return;
    activation = null;
    leader = false;
    active.clear();
    log.warn({ consumer: dispatcherConsumerName }, 'dispatcher no longer holds its lease');
  };

  const takeIn = intakeOf({
    store,
    view: () => view,
    now,
    documents,
    recorder,
    intake,
    handling,
    applyControl: applyFromLog,
    carryOutReplay,
    noteDocumentEvent,
    admission,
    requestAndStart,
  });

  const consumer: RunningConsumer = startConsumer(
    {
      name: dispatcherConsumerName,
      // Not the delivery streams: only this dispatcher writes them (replays and breaker
      // settings arrive as requests in their own categories), so it never reads its own writes.
      filter: {
        streamCategories: [
          ...documentCategories,
          deliveryControlCategory,
          deliveryReplayCategory,
          deliveryResolutionCategory,
        ],
      },
      // A command event is never skipped: a batch that keeps failing (the store down for
      // minutes) stops the dispatcher visibly rather than parking a command undelivered.
      poison: 'stop',
      retry: { maxRetries: 10, initialDelayMs: 500, maxDelayMs: 30_000 },
      handler: {
        mode: 'at-least-once',
        handle: async (events) => {
          await activate();
          await takeIn(events);
          requestPump();
        },
      },
    },
    {
      store,
      state: options.state,
      owner: options.owner,
      leaseTtlMs: options.leaseTtlMs === undefined ? settings.leaseTtlMs : options.leaseTtlMs,
      log,
      now,
    },
  );

  // The consumer takes and loses the lease; scheduling follows it.
  const holding = () => {
    const s = consumer.status();
    return (
      s.owner === options.owner &&
      (s.phase === 'catching-up' || s.phase === 'live' || s.phase === 'retrying')
    );
  };
  const watch = setInterval(() => {
    if (stopping) return;
    if (holding())
      void activate().catch((error: unknown) => {
        activation = null;
        log.warn({ err: error }, 'dispatcher could not read its deliveries');
      });
    else if (activation) deactivate();
  }, 200);
  watch.unref();

  return {
    get view() {
      return view;
    },
    status: () => ({
      leader,
      consumer: consumer.status(),
      targets: [...new Set([...connectors.keys(), ...breakers.targets()])].map((target) => ({
        target,
        connector: connectors.has(target),
        inFlight: places.running(target),
        concurrency: targetSettingsOf(settings, target).concurrency,
        breaker: breakerOf(target).view(),
        quota: quotaView(quotas.get(target)),
      })),
    }),
    idle: pump.idle,
    async stop() {
      // While still holding the lease: every delivery event up to here is this dispatcher's.
      const lastPosition = await snapshots?.headNow().catch(() => null);
      stopping = true;
      clearInterval(watch);
      pump.stop();
      await consumer.stop();
      // Let attempts under way record their outcome (a shutdown then repeats none of them).
      const grace = new Promise((r) => setTimeout(r, options.stopGraceMs ?? 10_000).unref());
      await Promise.race([Promise.allSettled(pump.underWay()), grace]);
      await recorder.settled();
      await snapshots?.stop(lastPosition ?? null);
      pump.releaseIdle();
    },
  };
};
