/**
 * The same conformance suite against a real EventStoreDB. It runs when EVENTSTORE_URL is set
 * (e.g. `docker compose up -d` then EVENTSTORE_URL='esdb://localhost:2113?tls=false'), and is
 * reported as skipped otherwise: no EventStoreDB server can run on the CI machines.
 */
import { describe, it } from 'vitest';
import { getEventStoreDBEventStore } from '../../src/adapters/eventStore/esdb/index.js';
import { runEventStoreConformance } from './conformance.js';

const url = process.env.EVENTSTORE_URL;

if (url) {
  runEventStoreConformance('EventStoreDB', async () => {
    const store = getEventStoreDBEventStore(url);
    return { store, cleanup: () => store.close() };
  });
} else {
  describe('event store conformance: EventStoreDB', () => {
    it.skip('needs EVENTSTORE_URL (see docker-compose.yml); skipped', () => {});
  });
}
