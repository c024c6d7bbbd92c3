/**
 * Two dispatchers on one store and one consumer-state file (two gateways on one data
 * directory, or two EventStoreDB instances): only the lease holder delivers, each command is
 * delivered once, and the standby takes over when the holder stops.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import { type Dispatcher, startDispatcher } from '../../src/delivery/dispatcher.js';
import { until } from '../eventStore/conformance.js';
import { example, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';
import { fastSettings, ScriptedConnector } from './harness.js';

let gw: TestGateway;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('dispatcher lease', () => {
  it('delivers through one holder only, and the standby takes over when it stops', async () => {
    gw = await startTestGateway();
    cleanup.push(() => gw.close());
    const writer = await gw.key('erp', ['writer']);
    const connectors = [new ScriptedConnector(), new ScriptedConnector()];
    const dispatchers: Dispatcher[] = connectors.map((connector, i) => {
      const state = getSqliteConsumerState(openConsumerDatabase(join(gw.dir, 'consumers.sqlite')));
      const dispatcher = startDispatcher({
        store: gw.store,
        state,
        owner: `instance-${i}`,
        leaseTtlMs: 600,
        connectors: [connector],
        settings: fastSettings(),
      });
      cleanup.push(() => state.close());
      cleanup.push(() => dispatcher.stop());
      return dispatcher;
    });
    const submit = async (poNumber: string) => {
      const response = await gw.app.inject({
        method: 'POST',
        url: '/v1/purchase-orders',
        headers: { authorization: writer, 'idempotency-key': newKey() },
        payload: { ...example('purchase-order-submit'), poNumber },
      });
      expect(response.statusCode).toBe(202);
    };
    const calls = () => connectors.flatMap((c) => c.calls.map((call) => call.key));

    for (let i = 0; i < 10; i++) await submit(`L-${i}`);
    await until(() => calls().length === 10, 'ten deliveries', 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(new Set(calls()).size).toBe(10);
    expect(calls()).toHaveLength(10);
    const holder = dispatchers.findIndex((d) => d.status().leader);
    expect(holder).toBeGreaterThanOrEqual(0);
    expect(dispatchers.filter((d) => d.status().leader)).toHaveLength(1);
    expect(connectors[1 - holder]?.calls).toHaveLength(0);

    await dispatchers[holder]?.stop();
    await submit('L-after');
    const standby = connectors[1 - holder] as ScriptedConnector;
    await until(() => standby.callsFor('ACME-US/L-after').length === 1, 'standby delivers', 15_000);
    expect(calls()).toHaveLength(11);
  }, 30_000);
});
