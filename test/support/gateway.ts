/** An in-process gateway on a fresh SQLite file, with API keys for each kind of client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { buildApp } from '../../src/app.js';
import type { Role, Scopes } from '../../src/auth/principal.js';
import { type ConfigInput, resolveConfig } from '../../src/config/config.js';
import { type ConsumerDirectory, createConsumerDirectory } from '../../src/consumers/directory.js';
import { loadContracts } from '../../src/http/contracts.js';
import type { EventStore, RecordedEvent } from '../../src/ports/eventStore.js';
import { issueApiKey } from '../../src/registries/apiKeys.js';
import type { FreezeRegistry } from '../../src/registries/freezes.js';
import { startRegistries } from '../../src/registries/registries.js';
import type { RuleSetRegistry } from '../../src/registries/ruleSets.js';
import { ruleSetRouter } from '../../src/routing/router.js';

export interface TestGateway {
  app: FastifyInstance;
  store: EventStore;
  dir: string;
  /** Issues a key and returns the Authorization header value. */
  key(
    clientId: string,
    roles: Role[],
    scopes?: Scopes,
    rateLimitPerMinute?: number,
  ): Promise<string>;
  allEvents(): Promise<RecordedEvent[]>;
  rules: RuleSetRegistry;
  freezes: FreezeRegistry;
  /** The consumers the operators' view lists (the registries; tests add their own). */
  consumers: ConsumerDirectory;
  close(): Promise<void>;
}

export const startTestGateway = async (
  config: ConfigInput = {},
  wrapStore: (store: EventStore) => EventStore = (store) => store,
  /** Pino options (a stream to read the logs, say); no logging by default. */
  logger: object | false = false,
): Promise<TestGateway> => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-test-'));
  const realStore = getSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const store = wrapStore(realStore);
  const registries = await startRegistries(realStore);
  const { keys: registry, rules, freezes } = registries;
  const consumers = createConsumerDirectory(realStore);
  consumers.add(registries);
  const app = await buildApp({
    config: resolveConfig({ dataDir: dir, ...config }),
    store,
    registry,
    router: ruleSetRouter(rules, 'legacy'),
    rules,
    freezes,
    consumers,
    logger,
  });
  return {
    app,
    store: realStore,
    dir,
    key: async (clientId, roles, scopes = {}, rateLimitPerMinute) => {
      const { key } = await issueApiKey(realStore, {
        clientId,
        roles,
        scopes,
        ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}),
        issuedBy: 'test',
      });
      await registries.sync();
      return `Bearer ${key}`;
    },
    allEvents: async () => {
      const events: RecordedEvent[] = [];
      for await (const event of realStore.readAll()) {
        if (!event.streamName.startsWith('coexist-')) events.push(event);
      }
      return events;
    },
    rules,
    freezes,
    consumers,
    close: async () => {
      await app.close();
      await registries.stop();
      await realStore.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const contracts = loadContracts();

/** The first example of a request contract, e.g. `example('purchase-order-submit')`. */
export const example = (name: string): Record<string, unknown> => {
  const schema = contracts.get(`https://coexist.dev/contracts/http/v1/${name}.json`);
  const first = schema?.examples?.[0];
  if (!first) throw new Error(`No example in contract ${name}`);
  return structuredClone(first) as Record<string, unknown>;
};

export const json = <T = Record<string, unknown>>(response: LightMyRequestResponse): T =>
  response.json() as T;

let counter = 0;
/** A fresh idempotency key per call. */
export const newKey = (): string => `test-${process.pid}-${Date.now()}-${++counter}`;
