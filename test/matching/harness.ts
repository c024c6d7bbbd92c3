/**
 * A gateway in process with the three-way-match process running beside it (its checkpoint in
 * memory, no lease), and helpers to post the example documents of the contracts.
 */

import { buildApp } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { type MatchProcess, startMatchProcess } from '../../src/matching/process.js';
import type { ToleranceRegistry } from '../../src/matching/tolerances.js';
import type { ConsumerStateStore } from '../../src/ports/consumerState.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import { startRegistries } from '../../src/registries/registries.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

export interface MatchGateway extends TestGateway {
  match: MatchProcess;
  state: ConsumerStateStore;
  tolerances: ToleranceRegistry;
  writer: string;
  operator: string;
  /** Posts a command, expects 202, and waits until the match process has handled it. */
  post(collection: string, body: object): Promise<void>;
  /** GET of the supplier invoice: its state's match. */
  invoice(supplier?: string, invoiceNumber?: string): Promise<Record<string, unknown>>;
  /** Waits until the match process has handled everything in the log. */
  settle(): Promise<void>;
  /** Starts the match process again on the same checkpoint store (after `match.stop()`). */
  restartMatch(): void;
}

export const startMatchGateway = async (): Promise<MatchGateway> => {
  const base = await startTestGateway();
  // The test gateway's app has no tolerance routes: build one that has, on the same store.
  const registries = await startRegistries(base.store);
  const app = await buildApp({
    config: resolveConfig({ dataDir: base.dir }),
    store: base.store,
    registry: registries.keys,
    router: ruleSetRouter(registries.rules, 'legacy'),
    rules: registries.rules,
    freezes: registries.freezes,
    tolerances: registries.tolerances,
    consumers: base.consumers,
    logger: false,
  });
  const state = inMemoryConsumerState();
  const start = () =>
    startMatchProcess({
      store: base.store,
      state,
      owner: 'test',
      tolerances: registries.tolerances,
      leaseTtlMs: null,
    });
  const gateway: MatchGateway = {
    ...base,
    app,
    state,
    tolerances: registries.tolerances,
    match: start(),
    writer: '',
    operator: '',
    settle: async () => {
      const head = await base.store.headPosition();
      if (head !== null) await gateway.match.waitFor(head);
    },
    post: async (collection, body) => {
      const response = await app.inject({
        method: 'POST',
        url: `/v1/${collection}`,
        headers: { authorization: gateway.writer, 'idempotency-key': newKey() },
        payload: body,
      });
      if (response.statusCode !== 202) {
        throw new Error(`POST ${collection}: ${response.statusCode} ${response.body}`);
      }
      await gateway.settle();
    },
    invoice: async (supplier = 'SUP-10023', invoiceNumber = 'INV-884213') => {
      const response = await app.inject({
        method: 'GET',
        url: `/v1/supplier-invoices/${supplier}/${invoiceNumber}`,
        headers: { authorization: gateway.operator },
      });
      if (response.statusCode !== 200) throw new Error(`GET invoice: ${response.body}`);
      return json<{ state: { match: Record<string, unknown> } }>(response).state.match;
    },
    restartMatch: () => {
      gateway.match = start();
    },
    close: async () => {
      await gateway.match.stop();
      await app.close();
      await registries.stop();
      await base.close();
    },
  };
  gateway.writer = await base.key('erp-feed', ['writer']);
  gateway.operator = await base.key('ap-clerk-7', ['operator']);
  await registries.sync();
  return gateway;
};

/** The example order, with its lines' quantities and prices as given. */
export const order = (lines?: Array<[number, string, string]>) => {
  const body = example('purchase-order-submit');
  if (lines) {
    const template = (body.lines as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    body.lines = lines.map(([lineNumber, quantity, unitPrice]) => ({
      ...template,
      lineNumber,
      quantity: { value: quantity, uom: 'EA' },
      unitPrice,
    }));
  }
  return body;
};

/** A receipt of `quantity` EA on line 10 of the example order. */
export const receipt = (receiptNumber: string, quantity: string, damaged?: string) => {
  const body = example('goods-receipt');
  delete body.asnNumber;
  body.receiptNumber = receiptNumber;
  body.lines = [
    {
      lineNumber: 1,
      poNumber: '4500012345',
      poLineNumber: 10,
      item: 'BRG-6204-2RS',
      quantity: { value: quantity, uom: 'EA' },
      ...(damaged ? { damagedQuantity: { value: damaged, uom: 'EA' } } : {}),
    },
  ];
  return body;
};

/** An invoice of `quantity` EA at `unitPrice` on line 10 of the example order; amounts add up. */
export const invoice = (
  invoiceNumber: string,
  quantity: string,
  unitPrice = '1.84',
  extra: Record<string, unknown> = {},
) => {
  const amount = (Number(quantity) * Number(unitPrice)).toFixed(2);
  const body = example('supplier-invoice');
  delete body.charges;
  delete body.taxes;
  return {
    ...body,
    invoiceNumber,
    lines: [
      {
        lineNumber: 1,
        poNumber: '4500012345',
        poLineNumber: 10,
        item: 'BRG-6204-2RS',
        quantity: { value: quantity, uom: 'EA' },
        unitPrice,
        lineAmount: amount,
      },
    ],
    totals: { netAmount: amount, taxAmount: '0.00', grossAmount: amount },
    ...extra,
  };
};
