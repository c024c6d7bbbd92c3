/**
 * The events the EventStoreDB consumer state records (checkpoints, leases, parked events), as
 * that adapter writes them, from a consumer run on a real log: one event fails its handler
 * every time and is parked. They live in streams the event store port hides from every read,
 * so they are taken from the client: a real server when EVENTSTORE_URL is set, else a client
 * that keeps what is appended in memory (the adapter cannot tell them apart on this path).
 */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, FORWARDS } from '@eventstore/db-client';
import { getEventStoreDBConsumerState } from '../../src/adapters/consumerState/eventStoreDB.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { startConsumer } from '../../src/consumers/consumer.js';
import { eventually } from '../delivery/harness.js';
import { tempSqliteFiles } from '../support/tempFiles.js';

interface Stored {
  type: string;
  data: unknown;
  revision: bigint;
}

/** The part of EventStoreDBClient the consumer state uses, in memory. */
class MemoryClient {
  readonly streams = new Map<string, Stored[]>();

  async *readStream(
    stream: string,
    options: { direction?: string; maxCount?: number | bigint } = {},
  ): AsyncGenerator<{ event: Stored }> {
    const events = [...(this.streams.get(stream) ?? [])];
    if (options.direction !== FORWARDS) events.reverse();
    const count = Number(options.maxCount ?? events.length);
    for (const event of events.slice(0, count)) yield { event };
  }

  async appendToStream(stream: string, event: { type: string; data: unknown }) {
    const events = this.streams.get(stream) ?? [];
    // Stored as JSON, as the server stores it.
    const data = JSON.parse(JSON.stringify(event.data)) as unknown;
    events.push({ type: event.type, data, revision: BigInt(events.length) });
    this.streams.set(stream, events);
    return { success: true, nextExpectedRevision: BigInt(events.length - 1) };
  }

  async setStreamMetadata() {}

  dispose() {}
}

const readAll = async (client: EventStoreDBClient | MemoryClient, streams: string[]) => {
  const events: Array<{ type: string; data: object }> = [];
  for (const stream of streams) {
    for await (const resolved of client.readStream(stream, { direction: FORWARDS })) {
      const event = resolved.event as { type: string; data: unknown } | undefined;
      if (event) events.push({ type: event.type, data: event.data as object });
    }
  }
  return events;
};

export const consumerStateEvents = async () => {
  const url = process.env.EVENTSTORE_URL;
  const client = url ? EventStoreDBClient.connectionString(url) : new MemoryClient();
  const state = getEventStoreDBConsumerState(client as EventStoreDBClient);
  const temp = tempSqliteFiles('coexist-recorded-consumer-');
  const store = getSqliteEventStore({ file: temp.file() });
  const name = `recorded-events-${randomUUID()}`;
  try {
    for (const type of ['Handled', 'Poison', 'Handled']) {
      await store.appendToStream(
        `Test-${randomUUID()}`,
        [{ id: randomUUID(), type, data: {}, metadata: {} }],
        { expectedRevision: 'no_stream' },
      );
    }
    const consumer = startConsumer(
      {
        name,
        poison: 'park',
        retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 1 },
        handler: {
          mode: 'at-least-once',
          handle: (events) => {
            if (events.some((e) => e.type === 'Poison')) throw new Error('cannot handle Poison');
          },
        },
      },
      { store, state, owner: 'instance-a', leaseTtlMs: 5_000 },
    );
    const head = await store.headPosition();
    if (head !== null) await consumer.waitFor(head);
    await eventually(async () => (await state.parked(name)).length === 1, 'the poison parked');
    await consumer.stop();
    const streams = ['checkpoint', 'lease', 'parked'].map((s) => `coexist-consumer-${s}-${name}`);
    return await readAll(client, streams);
  } finally {
    await store.close();
    client.dispose();
    temp.removeAll();
  }
};
