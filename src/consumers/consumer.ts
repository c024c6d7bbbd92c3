/**
 * The one way the gateway follows its log: registries, the dispatcher and projectors are
 * each a consumer (a name, a filter and a handler) run by `startConsumer`, which owns the
 * rest:
 *
 * - **Checkpoint**: loaded at start, moved with compare-and-set after each handled batch; a
 *   conflict means another runner moved it, and this one stops.
 * - **Exactly once or at least once**: a `transactional` handler runs inside the checkpoint's
 *   transaction (its effects are in the same SQLite database), so a batch is handled exactly
 *   once; an `at-least-once` handler runs first and the checkpoint moves after it, so after a
 *   crash the batch is handled again, and the handler must be idempotent.
 * - **Retries**: a failing batch is retried with exponential backoff and jitter (cockatiel),
 *   its place kept. If it keeps failing, its events are tried one by one to find the poison
 *   event, which is then parked (recorded with its error, visible, and skipped) or stops the
 *   consumer, visibly, as its definition says; it never stops silently.
 * - **Lease**: with a lease, only the process holding it runs the consumer; the others stand
 *   by and take over within a lease period when the holder dies or lets go.
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { CheckpointConflictError, type ConsumerStateStore } from '../ports/consumerState.js';
import type {
  EventBatch,
  EventFilter,
  EventStore,
  LogPosition,
  RecordedEvent,
  Subscription,
} from '../ports/eventStore.js';

/** What an at-least-once handler answers when it looked at a batch and had nothing to do. */
export const noEffects = 'no-effects' as const;
type NoEffects = typeof noEffects;

export type ConsumerHandler =
  /**
   * Effects elsewhere (memory, an ERP, another store): must be idempotent. A handler that
   * answers `noEffects` (it looked and had nothing to do) lets its checkpoint trail as over a
   * window its filter emptied: handling those events again after a restart changes nothing.
   */
  | {
      mode: 'at-least-once';
      handle(
        events: readonly RecordedEvent[],
      ): Promise<void> | Promise<NoEffects | undefined> | void | NoEffects;
    }
  /** Effects in the consumer-state database, synchronous, committed with the checkpoint. */
  | { mode: 'transactional'; handle(events: readonly RecordedEvent[]): void };

export interface RetryOptions {
  /** Retries after the first attempt, for a batch and then for each of its events. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ConsumerDefinition {
  name: string;
  filter?: EventFilter;
  /** Where a consumer without a checkpoint starts. Default: the start of the log. */
  startFrom?: 'start' | 'end';
  /** Most events per batch. Default 500. */
  batchSize?: number;
  /** What to do with an event that fails every retry. Default: park it and go on. */
  poison?: 'park' | 'stop';
  retry?: Partial<RetryOptions>;
  handler: ConsumerHandler;
}

/** Minimal logger (pino's shape), so the process log shows leases, retries and parking. */
export interface ConsumerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ConsumerRuntime {
  store: EventStore;
  state: ConsumerStateStore;
  /** This process, as lease owner: e.g. `host:pid:random`. */
  owner: string;
  /** Lease period; null runs without a lease (state private to this process). */
  leaseTtlMs: number | null;
  log?: ConsumerLog;
  now?: () => Date;
}

export type ConsumerPhase =
  | 'starting'
  | 'standby'
  | 'catching-up'
  | 'live'
  | 'retrying'
  | 'stopped'
  | 'failed';

export interface ConsumerStatus {
  name: string;
  phase: ConsumerPhase;
  /** Everything up to here is handled (the checkpoint); null before the first batch. */
  position: LogPosition | null;
  caughtUp: boolean;
  /** Who runs it (with a lease), else this process. */
  owner: string | null;
  handled: number;
  parked: number;
  lastError: { message: string; at: string; attempt: number } | null;
}

export interface RunningConsumer {
  readonly name: string;
  status(): ConsumerStatus;
  /** Resolves once everything up to `position` is handled (read-your-writes after an append). */
  waitFor(position: LogPosition): Promise<void>;
  /** Resolves the first time the consumer has caught up with the log. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

const silentLog: ConsumerLog = { info() {}, warn() {}, error() {} };
const defaultRetry: RetryOptions = { maxRetries: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Longest a checkpoint trails the consumer's position when the windows since matched none of
 * its events. A live consumer is woken by every commit of the log (up to 100 times a second
 * under write load), mostly for windows its filter empties; writing the checkpoint for each
 * would cost the write path a transaction per wake, and re-reading a second of other events
 * after a restart costs nothing.
 */
const idleCheckpointMs = 1_000;

/** Thrown to unwind a batch when the consumer is being stopped. */
class Stopping extends Error {}

/** The handler threw (as opposed to the checkpoint store): what can make a poison event. */
class HandlerFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(messageOf(cause), { cause });
  }
}

export const startConsumer = (
  definition: ConsumerDefinition,
  runtime: ConsumerRuntime,
): RunningConsumer => {
  const { name, handler } = definition;
  const { store, state, owner } = runtime;
  const log = runtime.log ?? silentLog;
  const now = runtime.now ?? (() => new Date());
  const retryOptions = { ...defaultRetry, ...definition.retry };
  const status: ConsumerStatus = {
    name,
    phase: 'starting',
    position: null,
    caughtUp: false,
    owner: null,
    handled: 0,
    parked: 0,
    lastError: null,
  };
  let stopping = false;
  const abort = new AbortController();
  const waiters = new Set<{ position: LogPosition | null; resolve: () => void }>();
  const settle = () => {
    for (const waiter of waiters) {
      const reached =
        waiter.position === null
          ? status.caughtUp
          : status.position !== null && status.position >= waiter.position;
      if (reached || stopping) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };

  const policy = retry(
    handleWhen((error) => !(error instanceof CheckpointConflictError || error instanceof Stopping)),
    {
      maxAttempts: retryOptions.maxRetries,
      backoff: new ExponentialBackoff({
        initialDelay: retryOptions.initialDelayMs,
        maxDelay: retryOptions.maxDelayMs,
      }),
    },
  );
  policy.onRetry(({ attempt, ...reason }) => {
    const failure = 'error' in reason ? reason.error : new Error('retry');
    const error = failure instanceof HandlerFailure ? failure.cause : failure;
    status.phase = 'retrying';
    status.lastError = { message: messageOf(error), at: now().toISOString(), attempt };
    log.warn({ consumer: name, attempt, err: error }, 'consumer handler failed; retrying');
  });

  /** The checkpoint as stored (`status.position` may run ahead of it over empty windows). */
  let committed: LogPosition | null = null;
  let committedAt = 0;
  /** Checkpoint writes, one at a time (a batch's, or the idle flush's). */
  let commits: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const done = commits.then(work);
    commits = done.catch(() => undefined);
    return done;
  };
  const commitCheckpoint = (next: LogPosition, effects?: () => void) =>
    serially(async () => {
      await state.commit(name, committed, next, effects);
      committed = next;
      committedAt = Date.now();
    });
  let idleFlush: NodeJS.Timeout | null = null;
  const flushIdleCheckpoint = () => {
    idleFlush = null;
    const target = status.position;
    if (stopping || target === null || target === committed) return;
    commitCheckpoint(target).catch((error: unknown) =>
      log.warn(
        { consumer: name, err: error },
        'consumer checkpoint not written; the next batch retries',
      ),
    );
  };

  /** Handles `events` and moves the checkpoint to `next`, as the handler's mode says. */
  const handleAndCommit = async (events: readonly RecordedEvent[], next: LogPosition) => {
    if (stopping) throw new Stopping();
    const trail = () => committed !== null && Date.now() - committedAt < idleCheckpointMs;
    const passOver = () => {
      status.position = next;
      status.handled += events.length;
      idleFlush ??= setTimeout(flushIdleCheckpoint, idleCheckpointMs).unref();
      if (status.phase === 'retrying') status.phase = status.caughtUp ? 'live' : 'catching-up';
      settle();
    };
    if (events.length === 0 && trail()) return passOver();
    if (handler.mode === 'transactional') {
      await commitCheckpoint(next, () => {
        try {
          handler.handle(events);
        } catch (error) {
          throw new HandlerFailure(error);
        }
      });
    } else {
      if (events.length > 0) {
        let outcome: unknown;
        try {
          outcome = await handler.handle(events);
        } catch (error) {
          throw new HandlerFailure(error);
        }
        if (outcome === noEffects && trail()) return passOver();
      }
      await commitCheckpoint(next);
    }
    status.position = next;
    status.handled += events.length;
    if (status.phase === 'retrying') status.phase = status.caughtUp ? 'live' : 'catching-up';
    settle();
  };

  const withRetries = (events: readonly RecordedEvent[], next: LogPosition) =>
    policy.execute(() => handleAndCommit(events, next), abort.signal);

  const onBatch = async ({ events: all, position }: EventBatch) => {
    const checkpoint = status.position;
    if (checkpoint !== null && position <= checkpoint) return; // seen before a restart
    const events = checkpoint === null ? all : all.filter((e) => e.position > checkpoint);
    status.caughtUp = false;
    if (status.phase !== 'retrying') status.phase = 'catching-up';
    const failure = await withRetries(events, position).then(
      () => null,
      (error: unknown) => error,
    );
    if (failure === null) return;
    // Only the handler's own failures make a poison event; the store's are the loop's concern.
    if (!(failure instanceof HandlerFailure)) throw failure;
    if (events.length === 1) return poison(events[0] as RecordedEvent, failure.cause, position);
    // The batch keeps failing: find the poison event, one event at a time.
    for (const event of events) {
      const eventFailure = await withRetries([event], event.position).then(
        () => null,
        (error: unknown) => error,
      );
      if (eventFailure instanceof HandlerFailure) {
        await poison(event, eventFailure.cause, event.position);
      } else if (eventFailure !== null) {
        throw eventFailure;
      }
    }
    if ((status.position ?? -1n) < position) await withRetries([], position);
  };

  const poison = async (event: RecordedEvent, error: unknown, next: LogPosition) => {
    const fields = {
      consumer: name,
      position: String(event.position),
      eventId: event.id,
      err: error,
    };
    if (definition.poison === 'stop') {
      log.error(fields, 'consumer stopped on an event that keeps failing');
      throw new PoisonEventError(name, event, error);
    }
    await state.park({
      consumer: name,
      position: event.position,
      eventId: event.id,
      streamName: event.streamName,
      eventType: event.type,
      error: messageOf(error),
      attempts: retryOptions.maxRetries + 1,
      parkedAt: now(),
    });
    status.parked++;
    log.error(fields, 'consumer parked an event that keeps failing, and goes on');
    await withRetries([], next);
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  let leaseLost = () => {};
  /** Runs the subscription until it fails, the lease is lost, or the consumer stops. */
  const runOnce = async (): Promise<void> => {
    status.position = await state.load(name);
    committed = status.position;
    committedAt = Date.now();
    const after = status.position ?? (definition.startFrom === 'end' ? 'end' : undefined);
    let subscription: Subscription | null = null;
    const ended = new Promise<unknown>((resolve) => {
      subscription = store.subscribeToAll({
        after,
        filter: definition.filter,
        maxBatchSize: definition.batchSize ?? 500,
        onBatch,
        onCaughtUp: () => {
          status.caughtUp = true;
          if (status.phase !== 'retrying') status.phase = 'live';
          settle();
        },
        onError: resolve,
      });
      abort.signal.addEventListener('abort', () => resolve(null));
      leaseLost = () => resolve(new LeaseLostError(name));
    });
    const outcome = await ended;
    leaseLost = () => {};
    await (subscription as Subscription | null)?.unsubscribe();
    if (outcome !== null && !stopping) throw outcome;
  };

  let renewTimer: NodeJS.Timeout | null = null;
  const holdLease = async (): Promise<boolean> => {
    if (runtime.leaseTtlMs === null) {
      status.owner = owner;
      return true;
    }
    const ttl = runtime.leaseTtlMs;
    const grant = await state.acquireLease(name, owner, ttl, now());
    if (!grant) {
      const holder = await state.leaseHolder(name, now());
      if (status.phase !== 'standby') {
        log.info(
          { consumer: name, holder: holder?.owner },
          'consumer on standby: lease held elsewhere',
        );
      }
      status.phase = 'standby';
      status.owner = holder?.owner ?? null;
      return false;
    }
    status.owner = owner;
    log.info({ consumer: name, owner }, 'consumer lease acquired');
    renewTimer = setInterval(
      () => {
        state.acquireLease(name, owner, ttl, now()).then(
          (renewed) => {
            if (!renewed) {
              log.warn({ consumer: name, owner }, 'consumer lease lost');
              leaseLost();
            }
          },
          (error: unknown) => log.warn({ consumer: name, err: error }, 'lease renewal failed'),
        );
      },
      Math.max(50, Math.floor(ttl / 3)),
    );
    renewTimer.unref();
    return true;
  };
  const dropLease = async () => {
    if (renewTimer) clearInterval(renewTimer);
    renewTimer = null;
    if (runtime.leaseTtlMs !== null) await state.releaseLease(name, owner).catch(() => undefined);
  };

  const running = (async () => {
    let failures = 0;
    while (!stopping) {
      try {
        if (!(await holdLease())) {
          await sleep(Math.max(50, Math.floor((runtime.leaseTtlMs ?? 1_000) / 3)));
          continue;
        }
        await runOnce();
        failures = 0;
      } catch (error) {
        if (stopping) break;
        await dropLease();
        if (error instanceof PoisonEventError) {
          status.phase = 'failed';
          status.lastError = { message: error.message, at: now().toISOString(), attempt: 0 };
          return;
        }
        failures++;
        status.phase = 'retrying';
        status.lastError = {
          message: messageOf(error),
          at: now().toISOString(),
          attempt: failures,
        };
        log.warn(
          { consumer: name, err: error },
          'consumer interrupted; resuming from its checkpoint',
        );
        await sleep(Math.min(retryOptions.maxDelayMs, retryOptions.initialDelayMs * 2 ** failures));
      } finally {
        if (stopping) await dropLease();
      }
    }
  })();

  return {
    name,
    status: () => ({ ...status, lastError: status.lastError && { ...status.lastError } }),
    waitFor: (position) =>
      new Promise<void>((resolve) => {
        waiters.add({ position, resolve });
        settle();
      }),
    caughtUp: () =>
      new Promise<void>((resolve) => {
        waiters.add({ position: null, resolve });
        settle();
      }),
    async stop() {
      stopping = true;
      abort.abort();
      settle();
      await running;
      if (idleFlush) clearTimeout(idleFlush);
      // What the consumer has passed over since its last checkpoint, kept for its next start.
      const passed = status.position;
      if (passed !== null && passed !== committed && status.owner === owner) {
        await commitCheckpoint(passed).catch(() => undefined);
      }
      await dropLease();
      if (status.phase !== 'failed') status.phase = 'stopped';
    },
  };
};

export class PoisonEventError extends Error {
  override name = 'PoisonEventError';
  readonly type = 'poison-event';
  constructor(
    readonly consumer: string,
    readonly event: RecordedEvent,
    cause: unknown,
  ) {
    super(
      `Consumer ${consumer} stopped: event ${event.id} (${event.type} at ${event.position}) keeps failing: ${messageOf(cause)}`,
      { cause },
    );
  }
}

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly consumer: string) {
    super(`Consumer ${consumer} lost its lease`);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
