/**
 * The one way the gateway follows its log: registries, the dispatcher and projectors are
 * each a consumer (a name, a filter and a handler) run by `startConsumer`, which owns the
 * rest:
 *
 * - **Checkpoint**: loaded at start, moved with compare-and-set after each handled batch; a
 *   conflict means another runner moved it, and this one stops (checkpoint.ts: when it is
 *   written).
 * - **Exactly once or at least once**: a `transactional` handler runs inside the checkpoint's
 *   transaction (its effects are in the same SQLite database), so a batch is handled exactly
 *   once; an `at-least-once` handler runs first and the checkpoint moves after it, so after a
 *   crash the batch is handled again, and the handler must be idempotent.
 * - **Retries**: a failing batch is retried with exponential backoff and jitter (cockatiel),
 *   its place kept. If it keeps failing, its events are tried one by one to find the poison
 *   event, which is then parked (recorded with its error, visible, and skipped) or stops the
 *   consumer, visibly, as its definition says; it never stops silently.
 * - **Lease**: with a lease, only the process holding it runs the consumer; the others stand
 *   by and take over within a lease period when the holder dies or lets go (lease.ts).
 *
 * What a consumer is (its definition and status) is in definition.ts.
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { CheckpointConflictError } from '../ports/consumerState.js';
import type { EventBatch, LogPosition, RecordedEvent, Subscription } from '../ports/eventStore.js';
import { checkpointWriter } from './checkpoint.js';
import type {
  ConsumerDefinition,
  ConsumerLog,
  ConsumerRuntime,
  ConsumerStatus,
  RetryOptions,
  RunningConsumer,
} from './definition.js';
import { noEffects } from './definition.js';
import { consumerLease } from './lease.js';

const silentLog: ConsumerLog = { info() {}, warn() {}, error() {} };
const defaultRetry: RetryOptions = { maxRetries: 5, initialDelayMs: 200, maxDelayMs: 10_000 };

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

  const checkpoint = checkpointWriter(name, state, log, () => (stopping ? null : status.position));

  /** Handles `events` and moves the checkpoint to `next`, as the handler's mode says. */
  const handleAndCommit = async (events: readonly RecordedEvent[], next: LogPosition) => {
    if (stopping) throw new Stopping();
    const passOver = () => {
      status.position = next;
      status.handled += events.length;
      checkpoint.flushLater();
      if (status.phase === 'retrying') status.phase = status.caughtUp ? 'live' : 'catching-up';
      settle();
    };
    if (events.length === 0 && checkpoint.mayTrail()) return passOver();
    if (handler.mode === 'transactional') {
      await checkpoint.commit(next, () => {
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
        if (outcome === noEffects && checkpoint.mayTrail()) return passOver();
      }
      await checkpoint.commit(next);
    }
    status.position = next;
    status.handled += events.length;
    if (status.phase === 'retrying') status.phase = status.caughtUp ? 'live' : 'catching-up';
    settle();
  };

  const withRetries = (events: readonly RecordedEvent[], next: LogPosition) =>
    policy.execute(() => handleAndCommit(events, next), abort.signal);

  const onBatch = async ({ events: all, position }: EventBatch) => {
    const handled = status.position;
    if (handled !== null && position <= handled) return; // seen before a restart
    const events = handled === null ? all : all.filter((e) => e.position > handled);
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
    checkpoint.loaded(status.position);
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

  const lease = consumerLease({
    name,
    state,
    owner,
    ttlMs: runtime.leaseTtlMs,
    log,
    now,
    onLost: () => leaseLost(),
  });
  const holdLease = async (): Promise<boolean> => {
    const hold = await lease.hold();
    if (!hold.held) status.phase = 'standby';
    status.owner = hold.held ? owner : hold.holder;
    return hold.held;
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
        await lease.drop();
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
      }
    }
    // Stopping: `stop` commits what was passed over, then gives the lease up (in that order,
    // so no standby starts from an older checkpoint than the one this runner is writing).
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
      checkpoint.cancelFlush();
      // What the consumer has passed over since its last checkpoint, kept for its next start.
      const passed = status.position;
      if (passed !== null && passed !== checkpoint.committed && status.owner === owner) {
        await checkpoint.commit(passed).catch(() => undefined);
      }
      await lease.drop();
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
