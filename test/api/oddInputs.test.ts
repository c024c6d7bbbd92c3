/** Odd inputs get a 4xx problem, never a 500 or a crash. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
let architect: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('w', ['writer']);
  architect = await gw.key('a', ['architect']);
});
afterAll(() => gw.close());

const cases: Array<{
  name: string;
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  auth?: 'writer' | 'architect';
}> = [
  { name: 'null body', method: 'POST', url: '/v1/purchase-orders', body: 'null' },
  { name: 'array body', method: 'POST', url: '/v1/journal-entries', body: '[1,2,3]' },
  { name: 'number body', method: 'POST', url: '/v1/goods-receipts', body: '42' },
  { name: 'string body', method: 'POST', url: '/v1/supplier-invoices', body: '"hello"' },
  {
    name: '__proto__ body',
    method: 'POST',
    url: '/v1/purchase-orders',
    body: '{"__proto__":{"admin":true}}',
  },
  {
    name: 'deep nesting',
    method: 'POST',
    url: '/v1/purchase-orders',
    body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
  },
  { name: 'bad key in path', method: 'GET', url: '/v1/purchase-orders/%00%ff/..%2F..' },
  {
    name: 'over-long key in path',
    method: 'GET',
    url: `/v1/journal-entries/ACME/${'9'.repeat(500)}`,
  },
  {
    name: 'change with empty body',
    method: 'POST',
    url: '/v1/purchase-orders/ACME-US/X/changes',
    body: '{}',
  },
  {
    name: 'rule set not an object',
    method: 'POST',
    url: '/v1/admin/routing-rules',
    body: '{"ruleSet": 7, "reason": "x y z"}',
    auth: 'architect',
  },
  {
    name: 'in force at a bad instant',
    method: 'GET',
    url: '/v1/admin/routing-rules?at=yesterday',
    auth: 'architect',
  },
  {
    name: 'version not a number',
    method: 'GET',
    url: '/v1/admin/routing-rules/versions/abc',
    auth: 'architect',
  },
  {
    name: 'lift of an unknown freeze',
    method: 'POST',
    url: '/v1/admin/freezes/00000000-0000-4000-8000-000000000000/lift',
    body: '{"reason":"why not"}',
    auth: 'architect',
  },
  {
    name: 'freeze ending before it starts',
    method: 'POST',
    url: '/v1/admin/freezes',
    body: '{"scope":{"sites":["DAL1"]},"until":"2000-01-01T00:00:00Z","reason":"too late"}',
    auth: 'architect',
  },
];

describe('odd inputs', () => {
  for (const c of cases) {
    it(`answers ${c.name} with a 4xx problem`, async () => {
      const response = await gw.app.inject({
        method: c.method,
        url: c.url,
        headers: {
          authorization: c.auth === 'architect' ? architect : writer,
          'idempotency-key': newKey(),
          ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(c.body === undefined ? {} : { payload: c.body }),
      });
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, response.body).toBeLessThan(500);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    });
  }
});
