/**
 * The delivery admin routes name only the targets deliveries are made to: a breaker set, or a
 * replay filtered, for a mistyped target would be recorded and do nothing while the operator
 * believes it done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let operator: string;
beforeAll(async () => {
  gw = await startTestGateway();
  operator = await gw.key('ops', ['operator']);
});
afterAll(() => gw?.close());

const send = (method: 'PUT' | 'POST', url: string, payload: object) =>
  gw.app.inject({ method, url, headers: { authorization: operator }, payload });
const violations = (response: { json(): unknown }) =>
  (response.json() as { errors: Array<{ pointer: string; in: string }> }).errors.map(
    ({ pointer, in: where }) => `${where} ${pointer}`,
  );

describe('delivery targets in the admin API', () => {
  it('refuses a breaker for a target deliveries are not made to, and records nothing', async () => {
    const typo = await send('PUT', '/v1/admin/deliveries/breakers/legcy', {
      state: 'open',
      reason: 'ERP maintenance',
    });
    expect(typo.statusCode).toBe(400);
    expect(violations(typo)).toEqual(['path /target']);
    const breakers = await gw.app.inject({
      url: '/v1/admin/deliveries/breakers',
      headers: { authorization: operator },
    });
    expect(breakers.json()).toEqual({ breakers: [] });
    const real = await send('PUT', '/v1/admin/deliveries/breakers/legacy', {
      state: 'open',
      reason: 'ERP maintenance',
    });
    expect(real.statusCode).toBe(200);
  });

  it('refuses a replay filtered on such a target', async () => {
    const typo = await send('POST', '/v1/admin/deliveries/replay', {
      filter: { target: 'clod' },
      reason: 'ERP back',
    });
    expect(typo.statusCode).toBe(400);
    expect(violations(typo)).toEqual(['body /filter/target']);
  });
});
