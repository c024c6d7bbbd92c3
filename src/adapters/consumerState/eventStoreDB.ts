/**
 * Consumer state in EventStoreDB, for gateways sharing one server: several instances run side
 * by side and divide the consumers among themselves through leases, so each consumer runs in
 * exactly one instance at a time and another takes over when it dies.
 *
 * - Checkpoint: stream `coexist-consumer-checkpoint-<name>`, one `ConsumerCheckpointMoved`
 *   event per commit, appended against the revision read with it (compare-and-set by the
 *   server's expected revision); `$maxCount` keeps the last few.
 * - Lease: stream `coexist-consumer-lease-<name>`, `ConsumerLeaseTaken` events appended the
 *   same way, so of two instances racing for a free lease exactly one wins. Expiry is judged
 *   by each instance's clock: keep the clocks in sync (NTP) and the TTL well above their skew.
 * - Parked events: stream `coexist-consumer-parked-<name>`, kept for ever (an audit trail).
 *
 * Not transactional: handlers in EventStoreDB mode are idempotent, the checkpoint moves
 * after their effects (at least once).
 */
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  type EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  CheckpointConflictError,
  type ConsumerStateStore,
  type LeaseGrant,
  type ParkedEvent,
} from '../../ports/consumerState.js';
import { positionFromString } from '../../ports/eventStore.js';
import { consumerStreamPrefix, translateTransient } from '../eventStore/esdb/mapping.js';

// Under the prefix the event store adapter hides from the port's reads: a consumer's own
// bookkeeping must never be an event it consumes (each checkpoint would wake it again).
const checkpointStream = (consumer: string) => `${consumerStreamPrefix}checkpoint-${consumer}`;
const leaseStream = (consumer: string) => `${consumerStreamPrefix}lease-${consumer}`;
const parkedStream = (consumer: string) => `${consumerStreamPrefix}parked-${consumer}`;
const keepLast = 10;

type Data = Record<string, string | number>;

export const getEventStoreDBConsumerState = (client: EventStoreDBClient): ConsumerStateStore => {
  const knownConsumers = new Set<string>();
  const capped = new Set<string>();

  const last = async (stream: string): Promise<{ data: Data; revision: bigint } | null> => {
    try {
      for await (const resolved of client.readStream(stream, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        if (resolved.event) {
          return { data: resolved.event.data as Data, revision: resolved.event.revision };
        }
      }
      return null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw translateTransient(error);
    }
  };

  /** Appends against `revision` (null: the stream must not exist); false if that lost. */
  const appendAt = async (stream: string, type: string, data: Data, revision: bigint | null) => {
    try {
      await client.appendToStream(stream, jsonEvent({ id: randomUUID(), type, data }), {
        expectedRevision: revision ?? NO_STREAM,
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return false;
      throw translateTransient(error);
    }
    if (!capped.has(stream)) {
      // Only the newest few matter; the server scavenges the rest.
      await client.setStreamMetadata(stream, { maxCount: keepLast }).catch(() => undefined);
      capped.add(stream);
    }
    return true;
  };

  return {
    transactional: false,

    async load(consumer) {
      knownConsumers.add(consumer);
      const found = await last(checkpointStream(consumer));
      return found ? positionFromString(String(found.data.position)) : null;
    },

    async commit(consumer, expected, next, effect) {
      if (effect)
        throw new Error('EventStoreDB consumer state cannot run effects in a transaction');
      const stream = checkpointStream(consumer);
      const found = await last(stream);
      const actual = found ? positionFromString(String(found.data.position)) : null;
      if (actual !== expected) throw new CheckpointConflictError(consumer, expected, actual);
      const data = { position: next.toString(), at: new Date().toISOString() };
      if (!(await appendAt(stream, 'ConsumerCheckpointMoved', data, found?.revision ?? null))) {
        const now = await last(stream);
        throw new CheckpointConflictError(
          consumer,
          expected,
          now ? positionFromString(String(now.data.position)) : null,
        );
      }
    },

    async park(event) {
      knownConsumers.add(event.consumer);
      try {
        await client.appendToStream(
          parkedStream(event.consumer),
          jsonEvent({
            id: randomUUID(),
            type: 'ConsumerEventParked',
            data: {
              consumer: event.consumer,
              position: event.position.toString(),
              eventId: event.eventId,
              streamName: event.streamName,
              eventType: event.eventType,
              error: event.error,
              attempts: event.attempts,
              parkedAt: event.parkedAt.toISOString(),
            },
          }),
        );
      } catch (error) {
        throw translateTransient(error);
      }
    },

    async parked(consumer) {
      const names = consumer ? [consumer] : [...knownConsumers];
      const byPosition = new Map<string, ParkedEvent>();
      for (const name of names) {
        try {
          for await (const resolved of client.readStream(parkedStream(name), {
            direction: FORWARDS,
            fromRevision: START,
          })) {
            const data = resolved.event?.data as Data | undefined;
            if (!data) continue;
            // Parked again (a retry after a crash): the newest record stands.
            byPosition.set(`${name}\u0000${data.position}`, {
              consumer: String(data.consumer),
              position: positionFromString(String(data.position)),
              eventId: String(data.eventId),
              streamName: String(data.streamName),
              eventType: String(data.eventType),
              error: String(data.error),
              attempts: Number(data.attempts),
              parkedAt: new Date(String(data.parkedAt)),
            });
          }
        } catch (error) {
          if (!(error instanceof StreamNotFoundError)) throw translateTransient(error);
        }
      }
      return [...byPosition.values()];
    },

    async acquireLease(consumer, owner, ttlMs, now) {
      const stream = leaseStream(consumer);
      const found = await last(stream);
      const held = found && {
        owner: String(found.data.owner),
        expiresAt: Number(found.data.expiresAt),
      };
      if (held && held.owner !== owner && held.expiresAt > now.getTime()) return null;
      const expiresAt = now.getTime() + ttlMs;
      const data = { owner, expiresAt, at: now.toISOString() };
      const won = await appendAt(stream, 'ConsumerLeaseTaken', data, found?.revision ?? null);
      return won
        ? ({ consumer, owner, expiresAt: new Date(expiresAt) } satisfies LeaseGrant)
        : null;
    },

    async releaseLease(consumer, owner) {
      const stream = leaseStream(consumer);
      const found = await last(stream);
      if (!found || String(found.data.owner) !== owner) return;
      const data = { owner, expiresAt: 0, at: new Date().toISOString() };
      await appendAt(stream, 'ConsumerLeaseTaken', data, found.revision);
    },

    async leaseHolder(consumer, now) {
      const found = await last(leaseStream(consumer));
      if (!found || Number(found.data.expiresAt) <= now.getTime()) return null;
      return {
        consumer,
        owner: String(found.data.owner),
        expiresAt: new Date(Number(found.data.expiresAt)),
      };
    },
  };
};
