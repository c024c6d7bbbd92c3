/** The consumer-state conformance suite on every adapter. */
import { EventStoreDBClient } from '@eventstore/db-client';
import { describe } from 'vitest';
import { getEventStoreDBConsumerState } from '../../src/adapters/consumerState/eventStoreDB.js';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import { tempSqliteFiles } from '../support/tempFiles.js';
import { runConsumerStateConformance } from './consumerStateConformance.js';

const temp = tempSqliteFiles('coexist-consumer-state-');

runConsumerStateConformance('in memory', async () => ({
  state: inMemoryConsumerState(),
  cleanup: () => {},
}));

runConsumerStateConformance('SQLite', async () => {
  const state = getSqliteConsumerState(openConsumerDatabase(temp.file()));
  return {
    state,
    cleanup: () => {
      state.close();
      temp.removeAll();
    },
  };
});

const url = process.env.EVENTSTORE_URL;
describe.skipIf(!url)('EventStoreDB (runs only when EVENTSTORE_URL is set)', () => {
  runConsumerStateConformance('EventStoreDB', async () => {
    const client = EventStoreDBClient.connectionString(url as string);
    return { state: getEventStoreDBConsumerState(client), cleanup: () => client.dispose() };
  });
});
