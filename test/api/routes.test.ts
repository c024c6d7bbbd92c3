/** Unknown paths answer 404 and known paths with another method 405 with Allow, never 403. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('routes-writer', ['writer']);
});
afterAll(() => gw.close());

describe('unknown routes and wrong methods', () => {
  const notFound = [
    ['GET', '/v1/purchase-orders/'],
    ['GET', '/V1/purchase-orders/ACME-US/4500012345'],
    ['GET', '/v1/widgets/a/b'],
    ['POST', '/v1/widgets'],
    ['GET', '/v1/purchase-orders/ACME-US/4500012345/lines'],
    ['GET', '/nothing-here?x=1'],
  ] as const;
  for (const [method, url] of notFound) {
    it(`answers ${method} ${url} with 404, with or without a key`, async () => {
      for (const headers of [{ authorization: writer }, {}]) {
        const response = await gw.app.inject({ method, url, headers });
        expect(response.statusCode, response.body).toBe(404);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(json(response)).toMatchObject({ status: 404, code: 'route-not-found' });
      }
    });
  }

  const wrongMethod = [
    ['DELETE', '/v1/purchase-orders/ACME-US/4500012345', 'GET, HEAD'],
    ['PUT', '/v1/purchase-orders', 'POST'],
    ['GET', '/v1/purchase-orders', 'POST'],
    ['PATCH', '/v1/admin/freezes', 'GET, HEAD, POST'],
    ['POST', '/health/live', 'GET, HEAD'],
  ] as const;
  for (const [method, url, allow] of wrongMethod) {
    it(`answers ${method} ${url} with 405 and Allow: ${allow}`, async () => {
      const response = await gw.app.inject({ method, url, headers: { authorization: writer } });
      expect(response.statusCode, response.body).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(json(response)).toMatchObject({ status: 405, code: 'method-not-allowed' });
    });
  }

  it('still refuses a known route to a caller without a key (401), not 404', async () => {
    const response = await gw.app.inject({ url: '/v1/purchase-orders/ACME-US/4500012345' });
    expect(response.statusCode).toBe(401);
  });
});
