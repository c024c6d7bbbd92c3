/**
 * A gateway in-process with a dispatcher delivering to two test connectors (legacy and cloud,
 * both implementing the ErpConnector port), the dual-write comparer, and a published rule set.
 * Each connector's answers are scripted per document key; a gate holds its deliveries in flight.
 */
import { join } from 'node:path';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import type { RunningConsumer } from '../../src/consumers/definition.js';
import { type Dispatcher, startDispatcher } from '../../src/delivery/dispatcher.js';
import { resolveDeliverySettings } from '../../src/delivery/settings.js';
import { startComparer } from '../../src/divergence/comparer.js';
import type { ComparisonSettings } from '../../src/divergence/settings.js';
import type { ErpConnector, ErpDelivery, ErpResult } from '../../src/ports/erpConnector.js';
import { example, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

export interface Call {
  action: ErpDelivery['action'];
  key: string;
  state: Record<string, unknown>;
  at: number;
}

export class TestConnector implements ErpConnector {
  readonly calls: Call[] = [];
  readonly delivered: Call[] = [];
  private readonly scripts = new Map<string, ErpResult[]>();
  /** Answer for keys without a script. */
  details: Record<string, string> = {};
  /** While set, deliveries wait for it. */
  gate: Promise<void> | null = null;

  constructor(readonly target: string) {}

  script(key: string, ...results: ErpResult[]) {
    this.scripts.set(key, results);
  }

  supports() {
    return true;
  }

  async deliver(delivery: ErpDelivery): Promise<ErpResult> {
    const key = Object.values(delivery.key).join('/');
    const call = {
      action: delivery.action,
      key,
      state: structuredClone(delivery.state) as unknown as Record<string, unknown>,
      at: Date.now(),
    };
    this.calls.push(call);
    if (this.gate) await this.gate;
    else await new Promise((r) => setImmediate(r));
    const result = this.scripts.get(key)?.shift() ?? {
      ok: true as const,
      acknowledgement: {
        reference: `${this.target.toUpperCase()}-${key}`,
        record: `${this.target},${key}`,
        alreadyDelivered: false,
        details: this.details,
      },
    };
    if (result.ok) this.delivered.push(call);
    return result;
  }

  async close() {}
}

export const acknowledged = (
  reference: string,
  details: Record<string, string | number>,
): ErpResult => ({
  ok: true,
  acknowledgement: { reference, record: reference, alreadyDelivered: false, details },
});

export const down = (): ErpResult => ({
  ok: false,
  error: { kind: 'transient', code: 'unavailable', message: 'The ERP is down.' },
});

export interface DualHarness {
  gw: TestGateway;
  legacy: TestConnector;
  cloud: TestConnector;
  dispatcher: Dispatcher;
  comparer: RunningConsumer;
  writer: string;
  architect: string;
  operator: string;
  auditor: string;
  publish(rules: object[], name?: string): Promise<void>;
  post(
    url: string,
    payload: object,
    headers?: Record<string, string>,
  ): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  submitPo(
    company: string,
    poNumber: string,
    overrides?: object,
    headers?: Record<string, string>,
  ): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const dualRule = {
  id: 'acme-us-po-dual',
  match: { documentTypes: ['purchaseOrder'], companies: ['ACME-US'] },
  target: { dual: { primary: 'legacy', shadow: 'cloud' } },
};
export const defaultRule = { id: 'default-legacy', match: {}, target: 'legacy' };

export const startDualHarness = async (
  options: { comparison?: ComparisonSettings; maxAttempts?: number } = {},
): Promise<DualHarness> => {
  const gw = await startTestGateway();
  const [writer, architect, operator, auditor] = await Promise.all([
    gw.key('erp-client', ['writer']),
    gw.key('architect', ['architect']),
    gw.key('ops', ['operator']),
    gw.key('audit', ['auditor']),
  ]);
  const state = getSqliteConsumerState(openConsumerDatabase(join(gw.dir, 'consumers.sqlite')));
  const legacy = new TestConnector('legacy');
  const cloud = new TestConnector('cloud');
  const dispatcher = startDispatcher({
    store: gw.store,
    state,
    owner: 'test',
    leaseTtlMs: null,
    connectors: [legacy, cloud],
    settings: resolveDeliverySettings({
      policies: {
        default: { maxAttempts: options.maxAttempts ?? 50, initialDelayMs: 20, maxDelayMs: 60 },
      },
      targets: {
        default: { concurrency: 4, breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 100 } },
      },
    }),
  });
  const comparer = startComparer({
    store: gw.store,
    state,
    owner: 'test',
    leaseTtlMs: null,
    ...(options.comparison ? { settings: options.comparison } : {}),
  });
  const post = async (url: string, payload: object, headers: Record<string, string> = {}) => {
    const response = await gw.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: writer, 'idempotency-key': newKey(), ...headers },
    });
    return { statusCode: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  return {
    gw,
    legacy,
    cloud,
    dispatcher,
    comparer,
    writer,
    architect,
    operator,
    auditor,
    async publish(rules, name = 'test rules') {
      const response = await gw.app.inject({
        method: 'POST',
        url: '/v1/admin/routing-rules',
        headers: { authorization: architect },
        payload: { ruleSet: { name, rules }, reason: 'test set' },
      });
      if (response.statusCode !== 201 && response.statusCode !== 200) {
        throw new Error(`publish: ${response.statusCode} ${response.body}`);
      }
    },
    post,
    submitPo: (company, poNumber, overrides = {}, headers = {}) =>
      post(
        '/v1/purchase-orders',
        { ...example('purchase-order-submit'), company, poNumber, ...overrides },
        headers,
      ),
    close: async () => {
      await comparer.stop();
      await dispatcher.stop();
      state.close();
      await gw.close();
    },
  };
};

export const waitFor = async (
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
