/**
 * Limits on connections, set on the Node server Fastify creates: how long a client may take to
 * send its headers and its whole request, how long an idle keep-alive connection stays open,
 * and how many connections are open at once. Without them a client that sends headers and
 * then one byte a minute holds a connection (and its buffers) for as long as it likes.
 */

import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { Config } from '../../config/config.js';
import { problemTypeBase } from '../problem.js';

type Limits = Config['limits'];

/**
 * Node checks the request and headers deadlines on a timer (every 30 s by default), so a
 * deadline of a few seconds would otherwise be enforced up to 30 s late.
 */
const checkingInterval = (limits: Limits): number => Math.min(1_000, limits.headersTimeoutMs);

const problemFor = (code: string | undefined): [number, string, string, string] => {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [408, 'request-timeout', 'Request timeout', 'The request was not received in time.'];
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [431, 'headers-too-large', 'Request headers too large', 'The headers are too large.'];
  }
  return [400, 'bad-request', 'Bad request', 'The request is not valid HTTP/1.1.'];
};

/**
 * Errors Node raises before there is a request (timeouts, unparsable HTTP) answered as a
 * problem like every other error, then the connection is closed.
 */
const clientErrorHandler = (error: Error & { code?: string }, socket: Socket): void => {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const [status, code, title, detail] = problemFor(error.code);
    const body = JSON.stringify({ type: `${problemTypeBase}${code}`, title, status, detail, code });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
};

/** The Fastify options that carry the limits to the Node server. */
export const connectionLimitOptions = (limits: Limits): FastifyHttpOptions<Server> => ({
  requestTimeout: limits.requestTimeoutMs,
  keepAliveTimeout: limits.keepAliveTimeoutMs,
  http: {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: checkingInterval(limits),
  },
  clientErrorHandler,
});

/** What Fastify has no option for: the connection cap. */
export const applyConnectionLimits = (app: FastifyInstance, limits: Limits): void => {
  app.server.maxConnections = limits.maxConnections;
};
