/**
 * The JSON-RPC client's classification of Tryton's answers, and the session's handling of
 * warnings, against a local HTTP server that answers the way trytond 6.0 does (the shapes are
 * in /work/shared/peers/tryton/NOTES.md): no Tryton needed, so these run everywhere.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Crosswalk } from '../../../src/adapters/connectors/tryton/crosswalk.js';
import {
  dec,
  reviveTryton,
  TrytonError,
  TrytonRpc,
  tdate,
} from '../../../src/adapters/connectors/tryton/rpc.js';
import { TrytonSession } from '../../../src/adapters/connectors/tryton/session.js';

type Handler = (
  body: { method: string; params: unknown[] },
  req: IncomingMessage,
  res: ServerResponse,
) => void;

let server: Server;
let url: string;
let handle: Handler;
const calls: Array<{ method: string; params: unknown[]; authorization: string | undefined }> = [];

const json = (
  res: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Logs in, answers preferences, then hands every other call to `handle`. */
const tryton: Handler = (body, req, res) => {
  if (body.method === 'common.db.login') return json(res, { id: 1, result: [1, 'session-key'] });
  if (body.method === 'model.res.user.get_preferences')
    return json(res, { id: 1, result: { language: 'en' } });
  return handle(body, req, res);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as { method: string; params: unknown[] };
      calls.push({ ...body, authorization: req.headers.authorization });
      tryton(body, req, res);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  calls.length = 0;
});

const client = () =>
  new TrytonRpc({ url, database: 'db', login: 'admin', password: 'secret-pw', timeoutMs: 2000 });

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TrytonError) return error.erpError;
    throw error;
  }
  throw new Error('expected a TrytonError');
};

describe('TrytonRpc', () => {
  it('sends exactly {id, method, params}, the session header, and the context last', async () => {
    handle = (_body, _req, res) => json(res, { id: 1, result: [7] });
    await client().model('purchase.purchase', 'search', [[['reference', '=', 'X']]], {
      company: 1,
    });
    const call = calls.find((c) => c.method === 'model.purchase.purchase.search');
    expect(Object.keys(call ?? {}).sort()).toEqual(['authorization', 'id', 'method', 'params']);
    expect(call?.params).toEqual([[['reference', '=', 'X']], { company: 1 }]);
    expect(call?.authorization).toBe(
      `Session ${Buffer.from('admin:1:session-key').toString('base64')}`,
    );
  });

  it('encodes decimals and dates as Tryton expects and revives them as exact strings', () => {
    expect(dec('1.84')).toEqual({ __class__: 'Decimal', decimal: '1.84' });
    expect(tdate('2026-11-18T07:52:00-06:00')).toEqual({
      __class__: 'date',
      year: 2026,
      month: 11,
      day: 18,
    });
    const revived = JSON.parse(
      '{"a":{"__class__":"Decimal","decimal":"0.10"},"d":{"__class__":"date","year":2026,"month":1,"day":5}}',
      reviveTryton,
    );
    expect(revived).toEqual({ a: '0.10', d: '2026-01-05' });
  });

  it('logs in again once when Tryton answers 401 (session expired), then repeats the call', async () => {
    let rejected = false;
    handle = (_body, _req, res) => {
      if (!rejected) {
        rejected = true;
        res.writeHead(401).end('<html>Unauthorized</html>');
        return;
      }
      json(res, { id: 1, result: 'ok' });
    };
    expect(await client().call('model.x.y', [{}])).toBe('ok');
    expect(calls.filter((c) => c.method === 'common.db.login')).toHaveLength(2);
  });

  it('429 with Retry-After and 5xx are transient; 403 (unknown method) is permanent', async () => {
    handle = (_b, _r, res) => json(res, {}, 429, { 'Retry-After': '7' });
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'transient',
      code: 'http-429',
      retryAfterMs: 7000,
    });
    handle = (_b, _r, res) => json(res, {}, 503);
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'transient',
      code: 'http-503',
    });
    handle = (_b, _r, res) => json(res, {}, 403);
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'permanent',
      code: 'http-403',
    });
  });

  it("UserError and its kin are permanent with Tryton's own message; ConcurrencyException and a locked database are transient", async () => {
    handle = (_b, _r, res) =>
      json(res, {
        id: 1,
        error: ['UserError', ['To delete purchase "P1" you must cancel it.', '', null]],
      });
    expect(await failure(client().call('model.x.y', [{}]))).toEqual({
      kind: 'permanent',
      code: 'UserError',
      message: 'To delete purchase "P1" you must cancel it.',
    });
    handle = (_b, _r, res) =>
      json(res, { id: 1, error: ['AccessError', ['You are not allowed.', 'Because.']] });
    expect(await failure(client().call('model.x.y', [{}]))).toEqual({
      kind: 'permanent',
      code: 'AccessError',
      message: 'You are not allowed.',
      detail: 'Because.',
    });
    handle = (_b, _r, res) =>
      json(res, { id: 1, error: ['ConcurrencyException', ['Records were modified']] });
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'transient',
      code: 'ConcurrencyException',
    });
    handle = (_b, _r, res) => json(res, { id: 1, error: ['database is locked', 'Traceback ...'] });
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'transient',
      code: 'tryton-server-error',
    });
    handle = (_b, _r, res) =>
      json(res, { id: 1, error: ["'NoneType' object has no attribute 'id'", 'Traceback ...'] });
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'permanent',
      code: 'tryton-server-error',
    });
  });

  it('an answer that is not JSON (a proxy page) is transient', async () => {
    handle = (_b, _r, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Bad gateway</html>');
    };
    expect(await failure(client().call('model.x.y', [{}]))).toMatchObject({
      kind: 'transient',
      code: 'tryton-bad-answer',
    });
  });

  it('an unreachable Tryton is transient', async () => {
    const rpc = new TrytonRpc({
      url: 'http://127.0.0.1:9',
      database: 'db',
      login: 'a',
      password: 'b',
    });
    expect(await failure(rpc.call('model.x.y', [{}]))).toMatchObject({
      kind: 'transient',
      code: 'tryton-unreachable',
    });
  });
});

describe('TrytonSession warnings', () => {
  const session = () =>
    new TrytonSession(client(), new Crosswalk({} as never, 'legacy'), {
      paymentTerm: 'NET30',
      journal: 'MISC',
    });

  it('acknowledges a warning it knows is safe (res.user.warning), then repeats the call', async () => {
    const name = `${'a'.repeat(32)}.effective_date_future`;
    let warned = false;
    handle = (body, _req, res) => {
      if (body.method === 'model.res.user.warning.create') return json(res, { id: 1, result: [1] });
      if (!warned) {
        warned = true;
        return json(res, {
          id: 1,
          error: ['UserWarning', [name, 'The moves "X" have effective dates in the future.', '']],
        });
      }
      json(res, { id: 1, result: true });
    };
    const s = session();
    expect(await s.call(1, 'stock.shipment.in', 'receive', [5])).toBe(true);
    const ack = calls.find((c) => c.method === 'model.res.user.warning.create');
    expect(ack?.params[0]).toEqual([{ user: 1, name, always: false }]);
    expect(calls.filter((c) => c.method === 'model.stock.shipment.in.receive')).toHaveLength(2);
    expect(s.acknowledgedWarnings).toEqual([name]);
  });

  it('any other warning is a permanent error with its text, and nothing is acknowledged', async () => {
    handle = (_b, _r, res) =>
      json(res, {
        id: 1,
        error: ['UserWarning', ['abc.done', 'The moves "X" have no origin.', '']],
      });
    expect(await failure(session().call(1, 'stock.move', 'do', [1]))).toEqual({
      kind: 'permanent',
      code: 'UserWarning',
      message: 'The moves "X" have no origin.',
    });
    expect(calls.some((c) => c.method === 'model.res.user.warning.create')).toBe(false);
  });
});
