/**
 * Composition root: configuration → adapters → app → listen. The only module that opens
 * stores from configuration, handles signals, or prints the start-up banner.
 */

import { buildApp } from './app.js';
import type { Principal } from './auth/principal.js';
import { type Config, devApiKey, ruleSetFileLabel } from './config/config.js';
import { createConsumerDirectory } from './consumers/directory.js';
import { deliveryEnvironment, startDelivery } from './delivery/gateway.js';
import { startGatewayComparer } from './divergence/gateway.js';
import { compileContracts } from './http/contracts.js';
import { startMatching } from './matching/gateway.js';
import type { EventStore } from './ports/eventStore.js';
import { startGatewayReadSide } from './projection/readSide.js';
import { publishInitialRuleSet } from './registries/initialRuleSet.js';
import { startRegistries } from './registries/registries.js';
import { ruleSetRouter } from './routing/router.js';
import { createRuleSetValidator } from './routing/validate.js';
import { startNewcomerSandbox } from './sandbox/cloudErp/newcomer.js';
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
    tolerances: registries.tolerances,
    contracts,
    consumers,
    // Read here, like every variable: never logged, compared in constant time (metrics.ts).
    ...(process.env.COEXIST_METRICS_TOKEN
      ? { metricsToken: process.env.COEXIST_METRICS_TOKEN }
      : {}),
  });
  // Three-way match (src/matching, docs/matching.md): holds and releases supplier invoices.
  const matching = startMatching(config, store, registries.tolerances, app.log);
  consumers.add({ status: () => matching.process.status() }, matching.state);
  // Delivery to the ERPs (src/delivery, docs/delivery.md): runs when a connector is configured.
  // Without a cloud ERP configured, outside production, `cloud` goes to the in-process sandbox.
  const sandbox = await startNewcomerSandbox(config.mode, process.env);
  const delivery = startDelivery(
    config,
    store,
    { ...deliveryEnvironment(process.env), ...(sandbox ? { cloudErp: sandbox.connector } : {}) },
    app.log,
  );
  if (delivery)
    consumers.add({ status: () => delivery.dispatcher.status().consumer }, delivery.state);
  // Dual-write comparison (src/divergence): compares a dual document's two ERP answers.
  const comparer = delivery
    ? startGatewayComparer(store, delivery.state, process.env, app.log)
    : null;
  if (comparer && delivery) consumers.add(comparer, delivery.state);

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
      ? `  routing:  rule set v${inForce.version} "${inForce.ruleSet.name}"${initial ? ` (published now from ${ruleSetFileLabel(config.routing.ruleSetFile ?? '')})` : ''}`
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
      : '  delivery: off (no ERP connector configured; see COEXIST_TRYTON_CONFIG, COEXIST_CLOUD_ERP_CONFIG)',
  );
  if (sandbox) {
    print(
      `  cloud ERP: SANDBOX at ${sandbox.url}, a test peer in this process, not an ERP (inspect: ${sandbox.url}/sandbox/inspect; COEXIST_CLOUD_ERP_CONFIG names a real one)`,
    );
  }

  let closing: Promise<void> | null = null;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await comparer?.stop();
        await delivery?.stop();
        await matching.stop();
        await sandbox?.close();
        await readSide.close();
        await registries.stop();
        await store.close();
      })();
      return closing;
    },
  };
};
