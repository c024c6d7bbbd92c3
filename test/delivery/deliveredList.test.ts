/**
 * `GET /v1/admin/deliveries?state=delivered` answers every delivered delivery, as `coexist dlq
 * list --state delivered` does, also after the dispatcher stopped and a new process started
 * from its snapshot (which names unfinished streams only), page by page with a cursor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../../src/delivery/dispatcher.js';
import { DeliveryView } from '../../src/delivery/view.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import { type ReadSideGateway, startReadSideGateway } from '../graphql/readSideGateway.js';
import { example } from '../support/gateway.js';
import { eventually, fastSettings, ScriptedConnector } from './harness.js';

let gw: ReadSideGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('the delivered list', () => {
  it('lists every delivered delivery from the read model, after a restart, with a cursor', async () => {
    gw = await startReadSideGateway();
    const g = gw;
    const writer = await g.key('erp-client', ['writer']);
    const operator = await g.key('ops', ['operator']);
    const dispatcher = startDispatcher({
      store: g.store,
      state: inMemoryConsumerState(),
      owner: 'test',
      leaseTtlMs: null,
      connectors: [new ScriptedConnector()],
      settings: fastSettings(),
    });
    const numbers = ['DL-1', 'DL-2', 'DL-3', 'DL-4', 'DL-5'];
    for (const poNumber of numbers) {
      const r = await g.post(
        '/v1/purchase-orders',
        { ...example('purchase-order-submit'), poNumber },
        writer,
      );
      expect(r.statusCode, r.body).toBe(202);
    }
    const history = new DeliveryView();
    await eventually(async () => {
      await history.refresh(g.store);
      return history.list({ state: 'delivered' }).length === numbers.length;
    }, 'all delivered');
    // A clean stop writes the snapshot a new process starts from: no delivered stream in it.
    await dispatcher.stop();
    await g.settle();

    const get = async (url: string) =>
      g.app.inject({ method: 'GET', url, headers: { authorization: operator } });
    const first = await get('/v1/admin/deliveries?state=delivered&limit=3');
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json() as {
      total: number;
      deliveries: Array<{ id: string; state: string }>;
      next: string;
    };
    expect(page1.total).toBe(numbers.length);
    expect(page1.deliveries).toHaveLength(3);
    expect(page1.next).toEqual(expect.any(String));
    const page2 = (
      await get(
        `/v1/admin/deliveries?state=delivered&limit=3&after=${encodeURIComponent(page1.next)}`,
      )
    ).json() as typeof page1;
    expect(page2.deliveries).toHaveLength(2);
    expect(page2.next).toBeNull();
    const ids = [...page1.deliveries, ...page2.deliveries].map((d) => d.id).sort();
    expect(ids).toEqual(
      history
        .list({ state: 'delivered' })
        .map((d) => d.id)
        .sort(),
    );
    expect(page1.deliveries.every((d) => d.state === 'delivered')).toBe(true);

    const foreign = await get(
      `/v1/admin/deliveries?state=delivered&target=cloud&after=${encodeURIComponent(page1.next)}`,
    );
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().errors[0]).toMatchObject({ pointer: '/after', in: 'query' });
  });
});
