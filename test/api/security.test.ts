/** Authentication, roles, scopes, rate limits, and what a 5xx may reveal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/ports/eventStore.js';
import { revokeApiKey } from '../../src/registries/apiKeys.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

const submitPo = (authorization: string | undefined, extra: object = {}) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/purchase-orders',
    headers: { 'idempotency-key': newKey(), ...(authorization ? { authorization } : {}) },
    payload: { ...example('purchase-order-submit'), poNumber: newKey(), ...extra },
  });

describe('authentication and roles', () => {
  it('refuses requests without a valid key (401, Bearer challenge)', async () => {
    const none = await submitPo(undefined);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(json(none)).toMatchObject({ code: 'unauthenticated' });
    expect(
      (await submitPo('Bearer cx_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))
        .statusCode,
    ).toBe(401);
    expect((await submitPo('Basic dXNlcjpwYXNz')).statusCode).toBe(401);
  });

  it('accepts the development key only where configured', async () => {
    expect((await submitPo('Bearer coexist-dev-key')).statusCode).toBe(401);
  });

  it('refuses writes from roles that may only read (403)', async () => {
    const auditor = await gw.key('auditor-1', ['auditor']);
    const response = await submitPo(auditor);
    expect(response.statusCode).toBe(403);
    expect(json(response)).toMatchObject({ code: 'missing-role' });
  });

  it('confines a writer to its scopes: document types, companies, suppliers', async () => {
    const po = example('purchase-order-submit');
    const receiptsOnly = await gw.key('wms', ['writer'], { documentTypes: ['goodsReceipt'] });
    expect((await submitPo(receiptsOnly)).statusCode).toBe(403);
    const otherCompany = await gw.key('finance-eu', ['writer'], { companies: ['ACME-EU'] });
    expect(json(await submitPo(otherCompany))).toMatchObject({ status: 403, code: 'out-of-scope' });
    const ownCompany = await gw.key('portal-us', ['writer'], { companies: [String(po.company)] });
    expect((await submitPo(ownCompany)).statusCode).toBe(202);
  });

  it('stops accepting a revoked key', async () => {
    const writer = await gw.key('retired', ['writer']);
    expect((await submitPo(writer)).statusCode).toBe(202);
    const keyId = writer.split('_')[1] as string;
    await revokeApiKey(gw.store, keyId, 'decommissioned', 'test');
    // Revocations propagate by the registry's refresh; a restart-free gateway must see it.
    const registryRefresh = async () => {
      for (let i = 0; i < 100; i++) {
        const response = await submitPo(writer);
        if (response.statusCode === 401) return response.statusCode;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return 'still accepted';
    };
    expect(await registryRefresh()).toBe(401);
  }, 15_000);
});

describe('limits', () => {
  it('rate-limits per client with a 429 problem and Retry-After', async () => {
    const chatty = await gw.key('chatty', ['writer'], {}, 3);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await submitPo(chatty)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await submitPo(chatty);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(json(limited)).toMatchObject({ status: 429, code: 'rate-limited' });
    // Another client is not affected.
    expect((await submitPo(await gw.key('calm', ['writer']))).statusCode).toBe(202);
  });
});

describe('internal errors', () => {
  it('answers 500 without internal messages when the store fails unexpectedly, and logs it with the request id', async () => {
    const logs: string[] = [];
    const stream = { write: (line: string) => logs.push(line) };
    const failing = await startTestGateway(
      {},
      (store: EventStore) => ({
        ...store,
        readStream: store.readStream.bind(store),
        findIdempotencyRecord: store.findIdempotencyRecord.bind(store),
        // Documents only: API keys and rule sets still need the real store at start-up.
        appendToStream: async (streamName, events, options) => {
          if (!streamName.startsWith('PurchaseOrder-')) {
            return store.appendToStream(streamName, events, options);
          }
          throw new Error('SQLITE_CORRUPT: secret internal detail at /var/lib/x');
        },
        readAll: store.readAll.bind(store),
        subscribeToAll: store.subscribeToAll.bind(store),
        close: store.close.bind(store),
      }),
      { level: 'warn', stream },
    );
    try {
      const response = await failing.app.inject({
        method: 'POST',
        url: '/v1/purchase-orders',
        headers: { authorization: await failing.key('w', ['writer']), 'idempotency-key': newKey() },
        payload: example('purchase-order-submit'),
      });
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toMatch(/SQLITE|secret|\/var\/lib|at /);
      expect(json(response)).toMatchObject({ status: 500, code: 'internal-error' });
      const requestId = /request id (\S+) /.exec(String(json(response).detail))?.[1];
      const failed = logs.map((line) => JSON.parse(line)).filter((l) => l.msg === 'request failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ level: 50, reqId: requestId });
      expect(failed[0].err.message).toMatch(/SQLITE_CORRUPT/);
    } finally {
      await failing.close();
    }
  });
});
