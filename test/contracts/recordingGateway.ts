/**
 * A gateway in-process that records every kind of event: the test gateway (real SQLite store,
 * write path, registries) with a dispatcher delivering to two scripted ERPs (legacy and cloud)
 * through a gate, a breaker that opens after two failures, snapshots every 100 ms, and the
 * dual-write comparer; ACME-US orders are dual, everything else goes to legacy.
 */
import { join } from 'node:path';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import { startDispatcher } from '../../src/delivery/dispatcher.js';
import { type DeliveryGate, gatesOf } from '../../src/delivery/gates.js';
import { isSettled } from '../../src/delivery/records.js';
import { resolveDeliverySettings } from '../../src/delivery/settings.js';
import { DeliveryView } from '../../src/delivery/view.js';
import { startComparer } from '../../src/divergence/comparer.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import { eventually, ScriptedConnector } from '../delivery/harness.js';
import { example, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

export type Caller = 'writer' | 'operator' | 'architect';

export interface RecordingGateway {
  gw: TestGateway;
  legacy: ScriptedConnector;
  cloud: ScriptedConnector;
  /** Answers a request as one of the callers (a fresh Idempotency-Key each time). */
  request(
    caller: Caller,
    method: 'POST' | 'PUT',
    url: string,
    payload: object,
  ): Promise<{ statusCode: number; body: string }>;
  submitPo(company: string, poNumber: string): Promise<void>;
  /** The states of a purchase order's deliveries to a target, in order, comma-separated. */
  states(target: string, company: string, poNumber: string): string;
  /** The id of a purchase order's first delivery to a target in `state`. */
  deliveryIn(state: string, target: string, company: string, poNumber: string): string;
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

export const startRecordingGateway = async (gate: DeliveryGate): Promise<RecordingGateway> => {
  const gw = await startTestGateway();
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
    gates: gatesOf([{ documentType: 'purchaseOrder', gate }]),
    snapshotIntervalMs: 100,
    settings: resolveDeliverySettings({
      policies: { default: { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 50 } },
      targets: {
        default: { concurrency: 4, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 150 } },
      },
    }),
  });
  const comparer = startComparer({ store: gw.store, state, owner: 'test', leaseTtlMs: null });
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
  const deliveriesOf = (target: string, company: string, poNumber: string) =>
    history
      .list({ target })
      .filter((d) => d.documentStream === `PurchaseOrder-${company}/${poNumber}`);
  return {
    gw,
    legacy,
    cloud,
    request,
    submitPo: async (company, poNumber) => {
      const body = { ...example('purchase-order-submit'), company, poNumber };
      const answer = await request('writer', 'POST', '/v1/purchase-orders', body);
      if (answer.statusCode !== 202) throw new Error(`submit ${poNumber}: ${answer.body}`);
    },
    states: (target, company, poNumber) =>
      deliveriesOf(target, company, poNumber)
        .map((d) => d.state)
        .join(),
    deliveryIn: (wanted, target, company, poNumber) =>
      deliveriesOf(target, company, poNumber).find((d) => d.state === wanted)?.id ?? '',
    idle: () => history.list({}).every((d) => isSettled(d) || d.state === 'dead-lettered'),
    until: (condition, what, timeoutMs = 10_000) =>
      eventually(
        async () => {
          await history.refresh(gw.store);
          return condition();
        },
        what,
        timeoutMs,
      ),
    allEvents: async () => {
      const events: RecordedEvent[] = [];
      for await (const event of gw.store.readAll()) events.push(event);
      return events;
    },
    close: async () => {
      await comparer.stop();
      await dispatcher.stop();
      state.close();
      await gw.close();
    },
  };
};
