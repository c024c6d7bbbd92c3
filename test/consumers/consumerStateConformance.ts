/**
 * The consumer-state port's contract, run against every adapter: in memory and SQLite always,
 * EventStoreDB when EVENTSTORE_URL is set. Consumer names are unique per test, so runs can
 * share one server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointConflictError, type ConsumerStateStore } from '../../src/ports/consumerState.js';

export const runConsumerStateConformance = (
  name: string,
  factory: () => Promise<{ state: ConsumerStateStore; cleanup(): Promise<void> | void }>,
) => {
  describe(`consumer state conformance: ${name}`, () => {
    let state: ConsumerStateStore;
    let cleanup: () => Promise<void> | void;
    const consumer = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
    beforeAll(async () => {
      ({ state, cleanup } = await factory());
    });
    afterAll(() => cleanup?.());

    it('keeps a checkpoint, moved only from the position it still has', async () => {
      const c = consumer('cas');
      expect(await state.load(c)).toBeNull();
      await state.commit(c, null, 10n);
      expect(await state.load(c)).toBe(10n);
      await expect(state.commit(c, null, 20n)).rejects.toBeInstanceOf(CheckpointConflictError);
      await expect(state.commit(c, 5n, 20n)).rejects.toBeInstanceOf(CheckpointConflictError);
      await state.commit(c, 10n, 2n ** 70n); // EventStoreDB positions exceed 64 bits
      expect(await state.load(c)).toBe(2n ** 70n);
    });

    it('lets one of two racing commits from the same checkpoint win', async () => {
      const c = consumer('race');
      await state.commit(c, null, 1n);
      const results = await Promise.allSettled([state.commit(c, 1n, 2n), state.commit(c, 1n, 3n)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect([2n, 3n]).toContain(await state.load(c));
    });

    it('keeps parked events with their error; parking the same position again replaces it', async () => {
      const c = consumer('parked');
      const parked = {
        consumer: c,
        position: 42n,
        eventId: randomUUID(),
        streamName: 'PurchaseOrder-ACME/1',
        eventType: 'PurchaseOrderSubmitted',
        error: 'Unknown item BRG-1 for target legacy',
        attempts: 6,
        parkedAt: new Date('2026-12-01T10:00:00Z'),
      };
      await state.park(parked);
      await state.park({ ...parked, error: 'still unknown' });
      const found = await state.parked(c);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ position: 42n, error: 'still unknown', attempts: 6 });
    });

    it('grants a lease to one owner at a time, renews it, and frees it on expiry or release', async () => {
      const c = consumer('lease');
      const t0 = new Date('2026-12-01T10:00:00Z');
      const at = (ms: number) => new Date(t0.getTime() + ms);
      expect(await state.acquireLease(c, 'a', 1_000, t0)).toMatchObject({ owner: 'a' });
      expect(await state.acquireLease(c, 'b', 1_000, at(500))).toBeNull();
      expect(await state.acquireLease(c, 'a', 1_000, at(900))).toMatchObject({ owner: 'a' });
      expect(await state.leaseHolder(c, at(1_500))).toMatchObject({ owner: 'a' });
      expect(await state.acquireLease(c, 'b', 1_000, at(1_500))).toBeNull();
      // a stopped renewing: expired at 1,900
      expect(await state.acquireLease(c, 'b', 1_000, at(2_000))).toMatchObject({ owner: 'b' });
      await state.releaseLease(c, 'a'); // not a's any more: no effect
      expect(await state.leaseHolder(c, at(2_100))).toMatchObject({ owner: 'b' });
      await state.releaseLease(c, 'b');
      expect(await state.leaseHolder(c, at(2_100))).toBeNull();
      expect(await state.acquireLease(c, 'a', 1_000, at(2_100))).toMatchObject({ owner: 'a' });
    });

    it('runs an effect with the checkpoint in one transaction, when the store is transactional', async ({
      skip,
    }) => {
      if (!state.transactional) skip('this store is not transactional: handlers are idempotent');
      const c = consumer('tx');
      let ran = false;
      await expect(
        state.commit(c, 7n, 8n, () => {
          ran = true;
        }),
      ).rejects.toBeInstanceOf(CheckpointConflictError);
      expect(ran).toBe(false);
      await expect(
        state.commit(c, null, 8n, () => {
          throw new Error('effect failed');
        }),
      ).rejects.toThrow('effect failed');
      expect(await state.load(c)).toBeNull();
    });
  });
};
