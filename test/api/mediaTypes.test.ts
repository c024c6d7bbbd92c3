/** Bodies are JSON in UTF-8 without content coding; anything else is a 415 that says so. */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('media-writer', ['writer']);
});
afterAll(() => gw.close());

const poBody = () =>
  JSON.stringify({ ...example('purchase-order-submit'), poNumber: newKey().slice(-30) });

const post = (headers: Record<string, string>, payload: string | Buffer = poBody()) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/purchase-orders',
    headers: { authorization: writer, 'idempotency-key': newKey(), ...headers },
    payload,
  });

describe('request media types', () => {
  const refused = [
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'application/xml',
    'application/json; charset=iso-8859-1',
    'application/json; charset=utf-16',
  ];
  for (const contentType of refused) {
    it(`refuses Content-Type ${contentType} with 415 naming application/json`, async () => {
      const before = (await gw.allEvents()).length;
      const response = await post({ 'content-type': contentType });
      expect(response.statusCode, response.body).toBe(415);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = json(response);
      expect(problem).toMatchObject({ status: 415, code: 'unsupported-media-type' });
      expect(String(problem.detail)).toContain('application/json');
      expect(response.headers['accept-post']).toBe('application/json; charset=utf-8');
      expect((await gw.allEvents()).length).toBe(before);
    });
  }

  it('refuses a body without a Content-Type with 415', async () => {
    const response = await post({});
    expect(response.statusCode, response.body).toBe(415);
  });

  for (const contentEncoding of ['gzip', 'br', 'deflate', 'compress', 'gzip, identity']) {
    it(`refuses Content-Encoding ${contentEncoding} (not decoded) with 415 and Accept-Encoding`, async () => {
      const response = await post(
        { 'content-type': 'application/json', 'content-encoding': contentEncoding },
        gzipSync(poBody()),
      );
      expect(response.statusCode, response.body).toBe(415);
      expect(json(response)).toMatchObject({ code: 'unsupported-content-encoding' });
      expect(response.headers['accept-encoding']).toBe('identity');
    });
  }

  const accepted = [
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset="utf-8"',
    'Application/JSON',
  ];
  for (const contentType of accepted) {
    it(`accepts Content-Type ${contentType}`, async () => {
      const response = await post({ 'content-type': contentType });
      expect(response.statusCode, response.body).toBe(202);
    });
  }

  it('accepts Content-Encoding: identity', async () => {
    const response = await post({
      'content-type': 'application/json',
      'content-encoding': 'identity',
    });
    expect(response.statusCode, response.body).toBe(202);
  });

  it('still answers a GET that carries no body', async () => {
    const response = await gw.app.inject({ url: '/health/live' });
    expect(response.statusCode).toBe(200);
  });
});
