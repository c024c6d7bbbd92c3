/**
 * A gateway in-process that records every kind of event: the test gateway (real SQLite store,
 * write path, registries) with a dispatcher delivering to two scripted ERPs (legacy and cloud)
 * through the gateway's gates and a test's, a breaker that opens after two failures, snapshots
 * every 100 ms, the three-way match process and the dual-write comparer; ACME-US orders are
 * dual, everything else goes to legacy.
 */
import { join } from 'node:path';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import { startDispatcher } from '../../src/delivery/dispatcher.js';
import { type DeliveryGate, gatesOf, registeredGates } from '../../src/delivery/gates.js';
import { isSettled } from '../../src/delivery/records.js';
import { resolveDeliverySettings } from '../../src/delivery/settings.js';
import { DeliveryView } from '../../src/delivery/view.js';
import { startComparer } from '../../src/divergence/comparer.js';
import { startMatchProcess } from '../../src/matching/process.js';
import type { ToleranceRegistry } from '../../src/matching/tolerances.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import { startRegistries } from '../../src/registries/registries.js';
import { ScriptedConnector, untilDelivered } from '../delivery/harness.js';
import { example, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

export type Caller = 'writer' | 'operator' | 'architect';

export interface RecordingGateway {
  gw: TestGateway;
  legacy: ScriptedConnector;
  cloud: ScriptedConnector;
  tolerances: ToleranceRegistry;
  /** Answers a request as one of the callers (a fresh Idempotency-Key each time). */
  request(
    caller: Caller,
    method: 'POST' | 'PUT',
    url: string,
    payload: object,
  ): Promise<{ statusCode: number; body: string }>;
  submitPo(company: string, poNumber: string): Promise<void>;
  /** The states of a document's deliveries to a target, in order, comma-separated. */
  states(target: string, documentStream: string): string;
  /** The id of a document's first delivery to a target in `state`. */
  deliveryIn(state: string, target: string, documentStream: string): string;
  /** True when no delivery is left to move: each is delivered, skipped or dead-lettered. */
  idle(): boolean;
  /** Refreshes the deliveries until the condition holds. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** The whole log, registries' streams included. */
  allEvents(): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

const rules = [
  {
    id: 'acme-us-po-dual',
    match: { documentTypes: ['purchaseOrder'], companies: ['ACME-US'] },
    target: { dual: { primary: 'legacy', shadow: 'cloud' } },
  },
  { id: 'default-legacy', match: {}, target: 'legacy' },
];

/** `gate`: the test's gate for purchase orders, beside the gateway's own (invoices). */
export const startRecordingGateway = async (gate: DeliveryGate): Promise<RecordingGateway> => {
  const gw = await startTestGateway();
  // The test gateway keeps its registries to itself: the match process follows the same log.
  const registries = await startRegistries(gw.store);
  const keys = {
    writer: await gw.key('erp-client', ['writer']),
    operator: await gw.key('ops', ['operator']),
    architect: await gw.key('architect', ['architect']),
  };
  const state = getSqliteConsumerState(openConsumerDatabase(join(gw.dir, 'consumers.sqlite')));
  const legacy = new ScriptedConnector('legacy');
  const cloud = new ScriptedConnector('cloud');
  const dispatcher = startDispatcher({
    store: gw.store,
    state,
    owner: 'test',
    leaseTtlMs: null,
    connectors: [legacy, cloud],
    gates: gatesOf([...registeredGates, { documentType: 'purchaseOrder', gate }]),
    snapshotIntervalMs: 100,
    settings: resolveDeliverySettings({
      policies: { default: { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 50 } },
      targets: {
        default: { concurrency: 4, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 150 } },
      },
    }),
  });
  const comparer = startComparer({ store: gw.store, state, owner: 'test', leaseTtlMs: null });
  const match = startMatchProcess({
    store: gw.store,
    state,
    owner: 'test',
    tolerances: registries.tolerances,
    leaseTtlMs: null,
  });
  const request: RecordingGateway['request'] = async (caller, method, url, payload) => {
    const response = await gw.app.inject({
      method,
      url,
      payload,
      headers: { authorization: keys[caller], 'idempotency-key': newKey() },
    });
    return { statusCode: response.statusCode, body: response.body };
  };
  const published = await request('architect', 'POST', '/v1/admin/routing-rules', {
    ruleSet: { name: 'ACME-US purchasing dual', rules },
    reason: 'compare the cloud ERP with legacy on ACME-US orders',
  });
  if (published.statusCode !== 201) throw new Error(`publish: ${published.body}`);
  const history = new DeliveryView();
  const deliveriesOf = (target: string, documentStream: string) =>
    history.list({ target }).filter((d) => d.documentStream === documentStream);
  return {
    gw,
    legacy,
    cloud,
    tolerances: registries.tolerances,
    request,
    submitPo: async (company, poNumber) => {
      const body = { ...example('purchase-order-submit'), company, poNumber };
      const answer = await request('writer', 'POST', '/v1/purchase-orders', body);
      if (answer.statusCode !== 202) throw new Error(`submit ${poNumber}: ${answer.body}`);
    },
    states: (target, documentStream) =>
      deliveriesOf(target, documentStream)
        .map((d) => d.state)
        .join(),
    deliveryIn: (wanted, target, documentStream) =>
      deliveriesOf(target, documentStream).find((d) => d.state === wanted)?.id ?? '',
    idle: () => history.list({}).every((d) => isSettled(d) || d.state === 'dead-lettered'),
    until: untilDelivered(history, gw.store),
    allEvents: async () => {
      const events: RecordedEvent[] = [];
      for await (const event of gw.store.readAll()) events.push(event);
      return events;
    },
    close: async () => {
      await match.stop();
      await comparer.stop();
      await dispatcher.stop();
      await registries.stop();
      state.close();
      await gw.close();
    },
  };
};
