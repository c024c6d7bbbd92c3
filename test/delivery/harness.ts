/**
 * A gateway in-process (real SQLite store, real write path) with a dispatcher delivering to a
 * scripted connector: each delivery's answer is scripted per document key, every call is
 * recorded with the number of calls in flight at that moment.
 */
import { join } from 'node:path';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import {
  type Dispatcher,
  type DispatcherOptions,
  startDispatcher,
} from '../../src/delivery/dispatcher.js';
import { deliveryStreamOf } from '../../src/delivery/records.js';
import { resolveDeliverySettings } from '../../src/delivery/settings.js';
import { DeliveryView } from '../../src/delivery/view.js';
import type { ErpConnector, ErpDelivery, ErpResult } from '../../src/ports/erpConnector.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import { example, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

export interface Call {
  document: ErpDelivery['document'];
  action: ErpDelivery['action'];
  key: string;
  inFlight: number;
  at: number;
}

/** A connector whose answers are scripted per key (`ACME-US/PO-1`); default: delivered. */
export class ScriptedConnector implements ErpConnector {
  readonly calls: Call[] = [];
  private readonly scripts = new Map<string, ErpResult[]>();
  private inFlight = 0;
  /** While set, deliveries wait for it (to hold them in flight). */
  gate: Promise<void> | null = null;

  constructor(readonly target = 'legacy') {}

  script(key: string, ...results: ErpResult[]) {
    this.scripts.set(key, results);
  }

  supports() {
    return true;
  }

  async deliver(delivery: ErpDelivery): Promise<ErpResult> {
    const key = Object.values(delivery.key).join('/');
    this.inFlight++;
    this.calls.push({
      document: delivery.document,
      action: delivery.action,
      key,
      inFlight: this.inFlight,
      at: Date.now(),
    });
    try {
      if (this.gate) await this.gate;
      else await new Promise((r) => setImmediate(r));
      const next = this.scripts.get(key)?.shift();
      return (
        next ?? {
          ok: true,
          acknowledgement: { reference: `ERP-${key}`, record: `x,${key}`, alreadyDelivered: false },
        }
      );
    } finally {
      this.inFlight--;
    }
  }

  callsFor(key: string) {
    return this.calls.filter((c) => c.key === key).map((c) => `${c.document}:${c.action}`);
  }

  async close() {}
}

export interface Harness {
  gw: TestGateway;
  connector: ScriptedConnector;
  dispatcher: Dispatcher;
  writer: string;
  operator: string;
  submitPo(poNumber: string, lines?: number): Promise<void>;
  changePo(poNumber: string): Promise<void>;
  /** A receipt of the order's lines; it names `asnNumber` when given (else the example's). */
  receipt(poNumber: string, receiptNumber: string, asnNumber?: string): Promise<void>;
  shipmentNotice(poNumber: string, asnNumber: string): Promise<void>;
  deliveryEvents(target: string, documentStream: string): Promise<RecordedEvent[]>;
  /**
   * Every delivery as the log held it at the last `refresh` (a fold of all history, as
   * `coexist dlq show` can do): the dispatcher's own view keeps only what is not delivered.
   */
  history: DeliveryView;
  refresh(): Promise<void>;
  /** Refreshes `history` until the condition holds. */
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  restartDispatcher(): Promise<void>;
  close(): Promise<void>;
}

/** Polls an (async) condition until it holds. */
export const eventually = async (
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
) => {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** `eventually`, reading the delivery events recorded since into `history` before each check. */
export const untilDelivered =
  (history: DeliveryView, store: TestGateway['store']) =>
  (condition: () => boolean, what: string, timeoutMs?: number) =>
    eventually(
      async () => {
        await history.refresh(store);
        return condition();
      },
      what,
      timeoutMs,
    );

export const fastSettings = (overrides: object = {}) =>
  resolveDeliverySettings({
    policies: { default: { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 100 } },
    targets: {
      default: { concurrency: 4, breaker: { consecutiveFailures: 50, halfOpenAfterMs: 200 } },
    },
    ...overrides,
  });

export const startHarness = async (
  settings = fastSettings(),
  connector = new ScriptedConnector(),
  extra: Pick<DispatcherOptions, 'gates' | 'snapshotIntervalMs'> = {},
): Promise<Harness> => {
  const gw = await startTestGateway();
  const writer = await gw.key('erp-client', ['writer']);
  const operator = await gw.key('ops', ['operator']);
  const state = getSqliteConsumerState(openConsumerDatabase(join(gw.dir, 'consumers.sqlite')));
  const start = () =>
    startDispatcher({
      store: gw.store,
      state,
      owner: 'test',
      leaseTtlMs: null,
      connectors: [connector],
      settings,
      ...extra,
    });
  let dispatcher = start();
  const post = async (url: string, payload: object) => {
    const response = await gw.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: writer, 'idempotency-key': newKey() },
    });
    if (response.statusCode !== 202) {
      throw new Error(`POST ${url}: ${response.statusCode} ${response.body}`);
    }
  };
  const po = example('purchase-order-submit');
  const history = new DeliveryView();
  return {
    gw,
    connector,
    get dispatcher() {
      return dispatcher;
    },
    writer,
    operator,
    submitPo: (poNumber, lines) =>
      post('/v1/purchase-orders', {
        ...po,
        poNumber,
        ...(lines ? { lines: (po.lines as unknown[]).slice(0, lines) } : {}),
      }),
    changePo: (poNumber) =>
      post(`/v1/purchase-orders/ACME-US/${poNumber}/changes`, example('purchase-order-change')),
    receipt: (poNumber, receiptNumber, asnNumber) => {
      const body = example('goods-receipt') as { lines: Array<{ poNumber: string }> };
      return post('/v1/goods-receipts', {
        ...body,
        receiptNumber,
        ...(asnNumber ? { asnNumber } : {}),
        lines: body.lines.map((l) => ({ ...l, poNumber })),
      });
    },
    shipmentNotice: (poNumber, asnNumber) => {
      const body = example('shipment-notice') as { lines: Array<{ poNumber: string }> };
      return post('/v1/shipment-notices', {
        ...body,
        asnNumber,
        lines: body.lines.map((l) => ({ ...l, poNumber })),
      });
    },
    deliveryEvents: (target, documentStream) =>
      gw.store.readStream(deliveryStreamOf(target, documentStream)),
    history,
    refresh: () => history.refresh(gw.store),
    until: untilDelivered(history, gw.store),
    restartDispatcher: async () => {
      await dispatcher.stop();
      dispatcher = start();
    },
    close: async () => {
      await dispatcher.stop();
      state.close();
      await gw.close();
    },
  };
};
