/** An in-process gateway serving /v1/admin/tolerances, listening on a free port for the CLI. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import type { ToleranceRegistry } from '../../src/matching/tolerances.js';
import { startRegistries } from '../../src/registries/registries.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { startTestGateway } from '../support/gateway.js';

export interface ToleranceGateway {
  app: FastifyInstance;
  url: string;
  tolerances: ToleranceRegistry;
  operator: string;
  /** The operator's key alone, as the CLI takes it. */
  operatorKey: string;
  close(): Promise<void>;
}

export const startToleranceGateway = async (): Promise<ToleranceGateway> => {
  const base = await startTestGateway();
  const registries = await startRegistries(base.store);
  const app = await buildApp({
    config: resolveConfig({ dataDir: base.dir }),
    store: base.store,
    registry: registries.keys,
    router: ruleSetRouter(registries.rules, 'legacy'),
    rules: registries.rules,
    freezes: registries.freezes,
    tolerances: registries.tolerances,
    logger: false,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const operator = await base.key('ap-lead', ['operator']);
  await registries.sync();
  return {
    app,
    url,
    tolerances: registries.tolerances,
    operator,
    operatorKey: operator.slice('Bearer '.length),
    close: async () => {
      await app.close();
      await registries.stop();
      await base.close();
    },
  };
};
