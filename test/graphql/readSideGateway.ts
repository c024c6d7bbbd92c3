/**
 * An in-process gateway with its read side: SQLite log (with a clock the test moves),
 * registries, read models and projectors, and the app serving lists and /graphql.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import {
  getSqliteReadModelStore,
  openReadModelDatabase,
} from '../../src/adapters/readModels/sqlite.js';
import { buildApp } from '../../src/app.js';
import type { Role, Scopes } from '../../src/auth/principal.js';
import { resolveConfig } from '../../src/config/config.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import type { EventStore } from '../../src/ports/eventStore.js';
import type { ReadModelStore } from '../../src/ports/readModelStore.js';
import { startReadSide } from '../../src/projection/readSide.js';
import { issueApiKey } from '../../src/registries/apiKeys.js';
import type { FreezeRegistry } from '../../src/registries/freezes.js';
import { startRegistries } from '../../src/registries/registries.js';
import type { RuleSetRegistry } from '../../src/registries/ruleSets.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { newKey } from '../support/gateway.js';

export interface ReadSideGateway {
  app: FastifyInstance;
  store: EventStore;
  rules: RuleSetRegistry;
  freezes: FreezeRegistry;
  /** The store clock: what `recordedAt` will be for the next events. */
  now(): Date;
  /** Moves the store clock forward. */
  advance(ms: number): Date;
  key(clientId: string, roles: Role[], scopes?: Scopes): Promise<string>;
  post(
    url: string,
    body: unknown,
    authorization: string,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Waits until every read model reflects the whole log. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const startReadSideGateway = async (
  options: {
    mode?: 'development' | 'production';
    wrapReadModels?: (store: ReadModelStore) => ReadModelStore;
  } = {},
): Promise<ReadSideGateway> => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-read-side-'));
  let now = new Date('2026-12-01T10:00:00.000Z');
  const store = getSqliteEventStore({
    file: join(dir, 'events.sqlite'),
    clock: () => new Date(now),
    pollIntervalMs: 10,
  });
  const registries = await startRegistries(store);
  const readModels = getSqliteReadModelStore(
    openReadModelDatabase(join(dir, 'read-models.sqlite')),
  );
  const readSide = await startReadSide({
    events: store,
    readModels,
    consumerState: inMemoryConsumerState(),
    owner: 'test',
    leaseTtlMs: null,
    pollMs: 50,
  });
  await readSide.ready();
  const app = await buildApp({
    config: resolveConfig({ dataDir: dir, mode: options.mode ?? 'production' }),
    store,
    registry: registries.keys,
    router: ruleSetRouter(registries.rules, 'legacy'),
    rules: registries.rules,
    freezes: registries.freezes,
    readModels: options.wrapReadModels ? options.wrapReadModels(readModels) : readModels,
    logger: false,
  });
  return {
    app,
    store,
    rules: registries.rules,
    freezes: registries.freezes,
    now: () => new Date(now),
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
      return new Date(now);
    },
    key: async (clientId, roles, scopes = {}) => {
      const { key } = await issueApiKey(store, { clientId, roles, scopes, issuedBy: 'test' });
      await registries.sync();
      return `Bearer ${key}`;
    },
    post: (url, body, authorization, headers = {}) =>
      app.inject({
        method: 'POST',
        url,
        payload: body as object,
        headers: { authorization, 'idempotency-key': newKey(), ...headers },
      }),
    settle: async () => {
      const head = await store.headPosition();
      if (head !== null) await Promise.all(readSide.projectors.map((p) => p.waitFor(head)));
    },
    close: async () => {
      await app.close();
      await readSide.stop();
      await registries.stop();
      await readModels.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
