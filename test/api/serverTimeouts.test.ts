/**
 * Slow or idle connections are closed: a body that never finishes, headers that never end,
 * an idle keep-alive connection; and connections beyond the cap are refused. Real sockets,
 * since the defect is about sockets.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let port: number;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway({
    limits: {
      requestTimeoutMs: 1_500,
      headersTimeoutMs: 1_000,
      keepAliveTimeoutMs: 500,
      maxConnections: 3,
    },
  });
  writer = await gw.key('slow-writer', ['writer']);
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
  port = (gw.app.server.address() as { port: number }).port;
});
afterAll(() => gw.close());

interface Outcome {
  received: string;
  closedAfterMs: number;
}

/** Opens a socket, writes `chunks`, and resolves with what came back once the server closes it. */
const converse = (chunks: string[], giveUpMs = 15_000): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${giveUpMs} ms; received ${JSON.stringify(received)}`));
    }, giveUpMs);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.on('data', (data) => {
      received += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closedAfterMs: Date.now() - started });
    });
  });

describe('server timeouts', () => {
  it('closes a request whose body never finishes, with a 408 problem', async () => {
    const outcome = await converse([
      'POST /v1/journal-entries HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: ${writer}\r\nIdempotency-Key: slow-1\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    ]);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.received).toMatch(/content-type: application\/problem\+json/i);
    expect(outcome.received).toContain('"code":"request-timeout"');
  });

  it('closes the same request without a key too', async () => {
    const outcome = await converse([
      'POST /v1/journal-entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100000\r\n\r\n{',
    ]);
    // Refused at once (401) or timed out (408): either way the connection does not stay open.
    expect(outcome.received).toMatch(/^HTTP\/1\.1 (401|408) /);
  });

  it('closes a connection whose headers never end', async () => {
    const outcome = await converse(['GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n']);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after a response', async () => {
    const outcome = await converse(['GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n']);
    // The client keeps the connection open; the server closes it (converse gives up otherwise).
    expect(outcome.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(outcome.received).not.toMatch(/connection: close/i);
  });
});

describe('connection cap', () => {
  it('refuses connections beyond limits.maxConnections while others are open', async () => {
    const open: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        await new Promise((resolve) => socket.on('connect', resolve));
        open.push(socket);
      }
      // Let the server accept the three before the fourth arrives.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await converse(['GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n'], 5_000);
      expect(refused.received).toBe('');
    } finally {
      for (const socket of open) socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const served = await converse([
      'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    expect(served.received).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('timeout configuration', () => {
  it('has finite defaults', () => {
    const { limits } = resolveConfig({});
    expect(limits.requestTimeoutMs).toBeGreaterThan(0);
    expect(limits.headersTimeoutMs).toBeGreaterThan(0);
    expect(limits.headersTimeoutMs).toBeLessThanOrEqual(limits.requestTimeoutMs);
    expect(limits.keepAliveTimeoutMs).toBeGreaterThan(0);
    expect(limits.maxConnections).toBeGreaterThan(0);
  });

  it('refuses a headers timeout longer than the request timeout, and zero timeouts', () => {
    expect(() =>
      resolveConfig({ limits: { requestTimeoutMs: 1_000, headersTimeoutMs: 2_000 } }),
    ).toThrow(/headersTimeoutMs/);
    expect(() => resolveConfig({ limits: { requestTimeoutMs: 0 } })).toThrow(/requestTimeoutMs/);
  });
});
