/**
 * Composition root: configuration → adapters → app → listen. The only module that opens
 * stores from configuration, handles signals, or prints the start-up banner.
 */

import { buildApp } from './app.js';
import type { Principal } from './auth/principal.js';
import { type Config, devApiKey } from './config/config.js';
import { createConsumerDirectory } from './consumers/directory.js';
import { deliveryEnvironment, startDelivery } from './delivery/gateway.js';
import { compileContracts } from './http/contracts.js';
import type { EventStore } from './ports/eventStore.js';
import { startGatewayReadSide } from './projection/readSide.js';
import { publishInitialRuleSet } from './registries/initialRuleSet.js';
import { startRegistries } from './registries/registries.js';
import { ruleSetRouter } from './routing/router.js';
import { createRuleSetValidator } from './routing/validate.js';
import { openEventStore } from './stores.js';

const devPrincipal: Principal = {
  clientId: 'dev',
  keyId: 'dev',
  roles: ['writer', 'architect', 'operator', 'auditor'],
  scopes: {},
};

export interface RunningGateway {
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  print?: (line: string) => void;
  /**
   * An event store already open (tests, the benchmark's measuring set-ups); by default the
   * one the configuration names. The gateway closes it when it closes.
   */
  store?: EventStore;
}

export const startGateway = async (
  config: Config,
  { print = console.log, store: given }: StartOptions = {},
): Promise<RunningGateway> => {
  const store = given ?? (await openEventStore(config));
  const extraKeys = new Map<string, Principal>(
    config.auth.devKey ? [[devApiKey, devPrincipal]] : [],
  );
  const registries = await startRegistries(store, { extraKeys });
  const { keys: registry, rules, freezes } = registries;
  const consumers = createConsumerDirectory(store);
  consumers.add(registries);
  const contracts = compileContracts();
  const initial = config.routing.ruleSetFile
    ? await publishInitialRuleSet(
        rules,
        config.routing.ruleSetFile,
        createRuleSetValidator(contracts.ajv),
      )
    : null;
  // ── Read side (src/projection/): read models and their projectors; lists, summaries and
  // /graphql answer "not ready" until a first build is live. MongoDB when MONGODB_URL is set.
  // COEXIST_PROJECTORS=separate: projectors run in `coexist projections run`, not here.
  const projectorsHere = process.env.COEXIST_PROJECTORS !== 'separate';
  const readSide = await startGatewayReadSide(
    store,
    { dataDir: config.dataDir, mongoUrl: process.env.MONGODB_URL },
    { projectorsHere },
  );
  for (const projector of readSide.observers) consumers.add(projector);
  // ──────────────────────────────────────────────────────────────────────────────────────
  const app = await buildApp({
    readModels: readSide.readModels,
    config,
    store,
    registry,
    router: ruleSetRouter(rules, config.routing.defaultTarget),
    rules,
    freezes,
    contracts,
    consumers,
  });
  // Delivery to the ERPs (src/delivery, docs/delivery.md): runs when a connector is configured.
  const delivery = startDelivery(config, store, deliveryEnvironment(process.env), app.log);
  if (delivery)
    consumers.add({ status: () => delivery.dispatcher.status().consumer }, delivery.state);

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', 'localhost');

  const where =
    config.eventStore.kind === 'sqlite'
      ? `embedded SQLite in ${config.eventStore.file ?? `${config.dataDir}/events.sqlite`}`
      : `EventStoreDB at ${new URL(config.eventStore.url).host}`;
  print(`Coexist gateway (${config.mode} mode) listening on ${url}`);
  print(`  events:   ${where}`);
  print(`  API docs: ${url}/docs   OpenAPI: ${url}/openapi.json`);
  if (config.auth.devKey) {
    print(`  auth:     development key enabled: "Authorization: Bearer ${devApiKey}" (all roles).`);
    print(
      '            Never use it in production: start with COEXIST_MODE=production to disable it.',
    );
  } else {
    print(
      `  auth:     ${registry.size} API key(s). Create one: coexist keys create --client NAME --roles writer`,
    );
  }

  const inForce = rules.inForceAt(new Date());
  print(
    inForce
      ? `  routing:  rule set v${inForce.version} "${inForce.ruleSet.name}"${initial ? ` (published now from ${config.routing.ruleSetFile})` : ''}`
      : `  routing:  no rule set published; new documents go to ${config.routing.defaultTarget}`,
  );

  print(
    projectorsHere
      ? '  read side: projectors in this process (COEXIST_PROJECTORS=separate to run them in `coexist projections run`)'
      : '  read side: projectors run elsewhere (`coexist projections run`); this process only reads',
  );
  print(
    delivery
      ? `  delivery: to ${delivery.targets.join(', ')} (dispatcher lease shared with other processes on this store)`
      : '  delivery: off (no ERP connector configured; see COEXIST_TRYTON_CONFIG)',
  );

  let closing: Promise<void> | null = null;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await delivery?.stop();
        await readSide.close();
        await registries.stop();
        await store.close();
      })();
      return closing;
    },
  };
};
