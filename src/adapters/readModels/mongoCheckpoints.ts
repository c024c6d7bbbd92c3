/**
 * Projectors' consumer state in MongoDB, beside the read models: checkpoints, parked events
 * and leases shared by every gateway instance on the same database. With it, projectors on
 * several instances do not all project: the lease lets one run each generation (the others
 * stand by and take over when it stops renewing), and the checkpoint moves by
 * compare-and-set, so a runner that lost its lease cannot move it.
 *
 * Not transactional (the read models' writes and the checkpoint are separate writes):
 * projectors on MongoDB are at least once, made idempotent by the positions each read-model
 * document carries (mongo.ts).
 */
import type { Db } from 'mongodb';
import {
  CheckpointConflictError,
  type ConsumerStateStore,
  type LeaseGrant,
  type ParkedEvent,
} from '../../ports/consumerState.js';
import type { LogPosition } from '../../ports/eventStore.js';
import { sortablePosition } from '../../ports/readModelStore.js';

interface ConsumerDocument {
  _id: string;
  /** Fixed-width decimal (sortablePosition), or null before the first commit. */
  position?: string | null;
  lease?: { owner: string; expiresAt: Date } | null;
}

type ParkedDocument = Omit<ParkedEvent, 'position'> & { _id: string; position: string };

const duplicateKey = 11000;
const isDuplicateKey = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  (error as { code?: unknown }).code === duplicateKey;

const toPosition = (stored: string | null | undefined): LogPosition | null =>
  stored ? BigInt(stored) : null;

export const getMongoCheckpoints = (db: Db): ConsumerStateStore => {
  const consumers = db.collection<ConsumerDocument>('read_model_consumers');
  const parked = db.collection<ParkedDocument>('read_model_parked');

  const load = async (consumer: string) =>
    toPosition((await consumers.findOne({ _id: consumer }))?.position);

  return {
    transactional: false,
    load,

    async commit(consumer, expected, next, effect) {
      effect?.();
      const from = expected === null ? null : sortablePosition(expected);
      // Matches only while the checkpoint is still `expected`; a missing document is created
      // (from null), and one that moved meanwhile makes the upsert collide on its id.
      const filter =
        from === null
          ? { _id: consumer, $or: [{ position: null }, { position: { $exists: false } }] }
          : { _id: consumer, position: from };
      try {
        const result = await consumers.updateOne(
          filter,
          { $set: { position: sortablePosition(next) } },
          { upsert: from === null },
        );
        if (result.matchedCount + result.upsertedCount === 1) return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      throw new CheckpointConflictError(consumer, expected, await load(consumer));
    },

    async park(event) {
      const position = sortablePosition(event.position);
      await parked.replaceOne(
        { _id: `${event.consumer}|${position}` },
        { ...event, position },
        { upsert: true },
      );
    },

    async parked(consumer) {
      const found = await parked
        .find(consumer === undefined ? {} : { consumer })
        .sort({ parkedAt: 1 })
        .toArray();
      return found.map(({ _id, position, ...event }) => ({ ...event, position: BigInt(position) }));
    },

    async acquireLease(consumer, owner, ttlMs, now) {
      const expiresAt = new Date(now.getTime() + ttlMs);
      try {
        await consumers.updateOne(
          {
            _id: consumer,
            $or: [
              { lease: null },
              { lease: { $exists: false } },
              { 'lease.owner': owner },
              { 'lease.expiresAt': { $lte: now } },
            ],
          },
          { $set: { lease: { owner, expiresAt } } },
          { upsert: true },
        );
      } catch (error) {
        // The document exists and another owner holds a live lease on it.
        if (isDuplicateKey(error)) return null;
        throw error;
      }
      const held = (await consumers.findOne({ _id: consumer }))?.lease;
      return held?.owner === owner ? { consumer, owner, expiresAt: held.expiresAt } : null;
    },

    async releaseLease(consumer, owner) {
      await consumers.updateOne({ _id: consumer, 'lease.owner': owner }, { $set: { lease: null } });
    },

    async leaseHolder(consumer, now): Promise<LeaseGrant | null> {
      const lease = (await consumers.findOne({ _id: consumer }))?.lease;
      return lease && lease.expiresAt > now
        ? { consumer, owner: lease.owner, expiresAt: lease.expiresAt }
        : null;
    },
  };
};
