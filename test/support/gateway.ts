/** An in-process gateway on a fresh SQLite file, with API keys for each kind of client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { buildApp } from '../../src/app.js';
import { ApiKeyRegistry, issueApiKey } from '../../src/auth/apiKeys.js';
import type { Role, Scopes } from '../../src/auth/principal.js';
import { type ConfigInput, resolveConfig } from '../../src/config/config.js';
import { loadContracts } from '../../src/http/contracts.js';
import type { EventStore, RecordedEvent } from '../../src/ports/eventStore.js';
import { FreezeRegistry } from '../../src/routing/freezes.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { RuleSetRegistry } from '../../src/routing/ruleSetRegistry.js';

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
  const registry = new ApiKeyRegistry(realStore);
  await registry.start(250); // refresh often so revocations show up quickly in tests
  const rules = new RuleSetRegistry(realStore);
  const freezes = new FreezeRegistry(realStore);
  await Promise.all([rules.start(100), freezes.start(100)]);
  const app = await buildApp({
    config: resolveConfig({ dataDir: dir, ...config }),
    store,
    registry,
    router: ruleSetRouter(rules, 'legacy'),
    rules,
    freezes,
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
      await registry.refresh(); // as the periodic refresh would, without waiting for it
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
    close: async () => {
      registry.stop();
      rules.stop();
      freezes.stop();
      await app.close();
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
