/**
 * The consumer runner on the embedded stores: checkpoints, retries, poison events, exactly
 * once with effects in the checkpoint's transaction, leases. The kill -9 cases are in
 * consumerProcesses.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
  type SqliteConsumerState,
} from '../../src/adapters/consumerState/sqlite.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { startConsumer } from '../../src/consumers/consumer.js';
import {
  type ConsumerDefinition,
  type ConsumerRuntime,
  noEffects,
  type RunningConsumer,
} from '../../src/consumers/definition.js';
import { CheckpointConflictError } from '../../src/ports/consumerState.js';
import type { EventStore, RecordedEvent } from '../../src/ports/eventStore.js';
import { newEvent, until } from '../eventStore/conformance.js';
import { tempSqliteFiles } from '../support/tempFiles.js';

const temp = tempSqliteFiles('coexist-consumer-');
const fastRetry = { maxRetries: 3, initialDelayMs: 5, maxDelayMs: 20 };

describe('consumers', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    temp.removeAll();
  });

  const setUp = () => {
    const file = temp.file();
    const store = getSqliteEventStore({ file, pollIntervalMs: 20 });
    const stateFile = join(file, '..', 'consumers.sqlite');
    const openState = () => {
      const state = getSqliteConsumerState(openConsumerDatabase(stateFile));
      cleanups.push(() => state.close());
      return state;
    };
    cleanups.push(() => store.close());
    return { store, openState, state: openState() };
  };

  const run = (
    definition: ConsumerDefinition,
    store: EventStore,
    state: SqliteConsumerState,
    runtime: Partial<ConsumerRuntime> = {},
  ): RunningConsumer => {
    const consumer = startConsumer(definition, {
      store,
      state,
      owner: randomUUID(),
      leaseTtlMs: null,
      ...runtime,
    });
    cleanups.push(() => consumer.stop());
    return consumer;
  };

  /** The state, counting its checkpoint writes. */
  const countingCommits = (state: SqliteConsumerState) => {
    let count = 0;
    const counting: SqliteConsumerState = Object.create(state);
    counting.commit = (...args: Parameters<SqliteConsumerState['commit']>) => {
      count++;
      return state.commit(...args);
    };
    return { counting, writes: () => count };
  };

  const appendMany = async (store: EventStore, stream: string, count: number, type = 'E') => {
    const result = await store.appendToStream(
      stream,
      Array.from({ length: count }, (_, i) => newEvent(type, { i })),
      { expectedRevision: 'any' },
    );
    if (result.kind !== 'appended') throw new Error('not appended');
    return result.position;
  };

  it('handles every event once, in order, and resumes from its checkpoint after a restart', async () => {
    const { store, state } = setUp();
    await appendMany(store, 'Doc-1', 25);
    const seen: number[] = [];
    const definition: ConsumerDefinition = {
      name: 'counter',
      batchSize: 10,
      handler: {
        mode: 'at-least-once',
        handle: (events) => void seen.push(...events.map((e) => Number(e.data.i))),
      },
    };
    const first = run(definition, store, state);
    await first.caughtUp();
    expect(first.status()).toMatchObject({ phase: 'live', caughtUp: true, handled: 25 });
    await first.stop();
    const head = await appendMany(store, 'Doc-1', 5);
    const second = run(definition, store, state);
    await second.waitFor(head);
    expect(seen).toEqual([...Array.from({ length: 25 }, (_, i) => i), 0, 1, 2, 3, 4]);
    expect(await state.load('counter')).toBe(head);
  });

  it('passes over windows its filter empties without a checkpoint write for each, and keeps its place', async () => {
    const { store, state } = setUp();
    const { counting, writes } = countingCommits(state);
    const consumer = run(
      {
        name: 'mine-only',
        filter: { eventTypes: ['Mine'] },
        handler: { mode: 'at-least-once', handle: () => undefined },
      },
      store,
      counting,
    );
    await consumer.caughtUp();
    const before = writes();
    // Fifty commits of other events, each waking the consumer for a window it filters empty.
    let head = 0n;
    for (let i = 0; i < 50; i++) {
      head = await appendMany(store, `Other-${i}`, 1, 'Other');
      await new Promise((resolve) => setTimeout(resolve, 12));
    }
    await consumer.waitFor(head);
    expect(consumer.status().position).toBe(head);
    expect(writes() - before).toBeLessThan(5);
    await consumer.stop();
    expect(await state.load('mine-only')).toBe(head);
  });

  it('lets the checkpoint trail over batches its handler had nothing to do for, and keeps its place', async () => {
    const { store, state } = setUp();
    const { counting, writes } = countingCommits(state);
    const acted: number[] = [];
    const consumer = run(
      {
        name: 'acts-on-some',
        handler: {
          mode: 'at-least-once',
          // Acts only on events marked `act`; says so when a batch held none of them.
          handle: (events) => {
            const mine = events.filter((event) => event.data.act === true);
            acted.push(...mine.map((event) => Number(event.data.i)));
            return mine.length === 0 ? noEffects : undefined;
          },
        },
      },
      store,
      counting,
    );
    await consumer.caughtUp();
    const before = writes();
    let head = 0n;
    for (let i = 0; i < 50; i++) {
      head = await appendMany(store, `Other-${i}`, 1);
      await new Promise((resolve) => setTimeout(resolve, 12));
    }
    await consumer.waitFor(head);
    expect(writes() - before).toBeLessThan(5);
    // A batch with something to do moves the checkpoint at once.
    const acting = await store.appendToStream('Act-1', [newEvent('E', { i: 99, act: true })], {
      expectedRevision: 'any',
    });
    if (acting.kind !== 'appended') throw new Error('not appended');
    await consumer.waitFor(acting.position);
    expect(acted).toEqual([99]);
    expect(await state.load('acts-on-some')).toBe(acting.position);
    await consumer.stop();
  });

  it('retries a failing handler with backoff, keeping its place, until it succeeds', async () => {
    const { store, state } = setUp();
    const head = await appendMany(store, 'Doc-1', 3);
    let calls = 0;
    const handled: RecordedEvent[] = [];
    const consumer = run(
      {
        name: 'flaky',
        retry: fastRetry,
        handler: {
          mode: 'at-least-once',
          handle: (events) => {
            calls++;
            if (calls <= 3) throw new Error(`ERP timeout #${calls}`);
            handled.push(...events);
          },
        },
      },
      store,
      state,
    );
    await consumer.waitFor(head);
    expect(calls).toBe(4);
    expect(handled.map((e) => e.data.i)).toEqual([0, 1, 2]);
    expect(consumer.status().lastError).toMatchObject({ message: 'ERP timeout #3', attempt: 3 });
    expect(consumer.status().parked).toBe(0);
  });

  it('parks a poison event with its error, visibly, and goes on with the others', async () => {
    const { store, state } = setUp();
    await appendMany(store, 'Doc-1', 2, 'Fine');
    await appendMany(store, 'Doc-1', 1, 'Poison');
    const head = await appendMany(store, 'Doc-1', 2, 'Fine');
    const handled: string[] = [];
    const consumer = run(
      {
        name: 'parking',
        retry: fastRetry,
        handler: {
          mode: 'at-least-once',
          handle: (events) => {
            if (events.some((e) => e.type === 'Poison')) throw new Error('cannot map Poison');
            handled.push(...events.map((e) => `${e.type}${e.data.i}`));
          },
        },
      },
      store,
      state,
    );
    await consumer.waitFor(head);
    await consumer.caughtUp();
    expect(handled).toEqual(['Fine0', 'Fine1', 'Fine0', 'Fine1']);
    const parked = await state.parked('parking');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ eventType: 'Poison', error: 'cannot map Poison' });
    expect(consumer.status()).toMatchObject({ parked: 1, caughtUp: true });
  });

  it('stops visibly on a poison event when its policy says stop', async () => {
    const { store, state } = setUp();
    await appendMany(store, 'Doc-1', 1, 'Poison');
    const consumer = run(
      {
        name: 'strict',
        poison: 'stop',
        retry: fastRetry,
        handler: {
          mode: 'at-least-once',
          handle: () => {
            throw new Error('cannot map Poison');
          },
        },
      },
      store,
      state,
    );
    await until(() => consumer.status().phase === 'failed', 'failed phase');
    expect(consumer.status().lastError?.message).toMatch(/keeps failing: cannot map Poison/);
    expect(await state.load('strict')).toBeNull();
  });

  it('commits a transactional handler’s effects with its checkpoint, or neither', async () => {
    const { store, state } = setUp();
    state.db.exec('CREATE TABLE handled (position INTEGER PRIMARY KEY, i INTEGER)');
    const insert = state.db.prepare('INSERT INTO handled (position, i) VALUES (?, ?)');
    const head = await appendMany(store, 'Doc-1', 10);
    let failNext = true;
    const consumer = run(
      {
        name: 'rows',
        retry: fastRetry,
        handler: {
          mode: 'transactional',
          handle: (events) => {
            for (const e of events) insert.run(e.position, e.data.i);
            // Fails after writing: the rows must be rolled back with the checkpoint.
            if (failNext) {
              failNext = false;
              throw new Error('disk full');
            }
          },
        },
      },
      store,
      state,
    );
    await consumer.waitFor(head);
    const count = state.db.prepare('SELECT count(*) AS n FROM handled').get() as { n: number };
    expect(count.n).toBe(10);
    expect(await state.load('rows')).toBe(head);
  });

  it('refuses to move a checkpoint someone else moved (compare-and-set)', async () => {
    const { state } = setUp();
    await state.commit('cas', null, 5n);
    await expect(state.commit('cas', null, 7n)).rejects.toBeInstanceOf(CheckpointConflictError);
    await state.commit('cas', 5n, 7n);
    expect(await state.load('cas')).toBe(7n);
  });

  it('commits its last checkpoint before it gives its lease up when it stops, and gives it up once', async () => {
    const { store, state } = setUp();
    const calls: string[] = [];
    const recording: SqliteConsumerState = Object.create(state);
    recording.commit = (...args: Parameters<SqliteConsumerState['commit']>) => {
      calls.push('commit');
      return state.commit(...args);
    };
    recording.releaseLease = (...args: Parameters<SqliteConsumerState['releaseLease']>) => {
      calls.push('release');
      return state.releaseLease(...args);
    };
    const head = await appendMany(store, 'Doc-1', 5);
    const consumer = run(
      {
        name: 'stopping',
        // Its checkpoint trails (nothing to do for these), so stop has one to commit.
        handler: { mode: 'at-least-once', handle: () => noEffects },
      },
      store,
      recording,
      { owner: 'runner-a', leaseTtlMs: 5_000 },
    );
    await consumer.waitFor(head);
    await consumer.stop();
    // Given up once, as the last thing it does: nothing committed after it.
    expect(calls.filter((call) => call === 'release')).toHaveLength(1);
    expect(calls.at(-1)).toBe('release');
    expect(await state.load('stopping')).toBe(head);
    expect(await state.leaseHolder('stopping', new Date())).toBeNull();
  });

  it('runs a leased consumer in one runner only; a standby takes over when it stops', async () => {
    const { store, state, openState } = setUp();
    const head = await appendMany(store, 'Doc-1', 5);
    const byRunner = { a: 0, b: 0 };
    const definition = (runner: 'a' | 'b'): ConsumerDefinition => ({
      name: 'leased',
      handler: {
        mode: 'at-least-once',
        handle: (events) => {
          byRunner[runner] += events.length;
        },
      },
    });
    const a = run(definition('a'), store, state, { owner: 'runner-a', leaseTtlMs: 300 });
    await a.waitFor(head);
    const b = run(definition('b'), store, openState(), { owner: 'runner-b', leaseTtlMs: 300 });
    await until(() => b.status().phase === 'standby', 'b on standby');
    expect(b.status().owner).toBe('runner-a');
    const later = await appendMany(store, 'Doc-1', 3);
    await a.waitFor(later);
    await a.stop();
    const last = await appendMany(store, 'Doc-1', 2);
    await b.waitFor(last);
    expect(byRunner).toEqual({ a: 8, b: 2 });
    expect(b.status().owner).toBe('runner-b');
  });
});
