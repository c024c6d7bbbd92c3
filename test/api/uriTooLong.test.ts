/**
 * A URL with a path segment longer than the router takes is answered with a 414 problem of
 * its own (type, title, a short detail), without echoing the URL back at its full length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

describe('a too-long URL', () => {
  it('is a 414 problem that does not repeat the URL', async () => {
    const long = 'X'.repeat(5_000);
    const response = await gw.app.inject({
      method: 'GET',
      url: `/v1/purchase-orders/ACME-US/${long}`,
      headers: { authorization: await gw.key('srm', ['writer']) },
    });
    expect(response.statusCode).toBe(414);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = json<Record<string, unknown>>(response);
    expect(problem).toMatchObject({
      type: 'https://coexist.dev/problems/uri-too-long',
      title: 'URI too long',
      status: 414,
      code: 'uri-too-long',
    });
    expect(String(problem.detail).length).toBeLessThan(200);
    expect(response.body).not.toContain('X'.repeat(200));
    expect(response.body.length).toBeLessThan(1_000);
  });
});
