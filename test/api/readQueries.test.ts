/**
 * Query strings of the read and admin GETs: a value the contracts would refuse, an unknown
 * parameter or a target that does not exist is a 400 listing every violation with its
 * pointer (`in: "query"` everywhere), never a 200 with empty or wrong results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadSideGateway, startReadSideGateway } from '../graphql/readSideGateway.js';

let gw: ReadSideGateway;
let auditor: string;

beforeAll(async () => {
  gw = await startReadSideGateway();
  auditor = await gw.key('audit', ['auditor']);
});
afterAll(() => gw?.close());

const violations = async (url: string) => {
  const response = await gw.app.inject({ method: 'GET', url, headers: { authorization: auditor } });
  expect(response.statusCode, url).toBe(400);
  return (response.json().errors as { pointer: string; in: string }[])
    .map((error) => `${error.in}:${error.pointer}`)
    .sort();
};

describe('read and admin query strings', () => {
  it('refuses bad values with a pointer to each', async () => {
    expect(await violations('/v1/gl/trial-balance?company=ACME%20US&period=2026-11')).toEqual([
      'query:/company',
    ]);
    expect(await violations('/v1/admin/divergences?target=x')).toEqual(['query:/target']);
    expect(await violations('/v1/admin/deliveries?target=x')).toEqual(['query:/target']);
    expect(await violations('/v1/admin/routing-rules?at=bad&x=1')).toEqual([
      'query:/at',
      'query:/x',
    ]);
    expect(await violations('/v1/admin/divergences?target=x&cursor=%21%21&limit=0')).toEqual([
      'query:/cursor',
      'query:/limit',
      'query:/target',
    ]);
  });

  it('refuses unknown parameters on the routes that take none', async () => {
    expect(await violations('/v1/admin/delivery-backlog?x=1')).toEqual(['query:/x']);
    expect(await violations('/v1/admin/consumers?x=1')).toEqual(['query:/x']);
  });
});
