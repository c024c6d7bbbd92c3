/**
 * The conformance suite against a real EventStoreDB. Runs when EVENTSTORE_URL is set, e.g.
 *   docker compose up -d eventstoredb
 *   EVENTSTORE_URL='esdb://localhost:2113?tls=false' npx vitest run test/eventStore
 * and is reported as skipped otherwise.
 */
import { describe } from 'vitest';
import { getEventStoreDBEventStore } from '../../src/adapters/eventStore/esdb/index.js';
import { runEventStoreConformance } from './conformance.js';

const url = process.env.EVENTSTORE_URL;

// Visibly skipped without a server: the name says which variable switches it on.
describe.skipIf(!url)('EventStoreDB (runs only when EVENTSTORE_URL is set)', () => {
  runEventStoreConformance('EventStoreDB', async () => {
    const store = getEventStoreDBEventStore(url as string);
    return { store, cleanup: () => store.close() };
  });
});
