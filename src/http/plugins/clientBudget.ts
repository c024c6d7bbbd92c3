/**
 * A per-client budget of requests in progress: at most `clientInFlightRequests` requests and
 * `clientInFlightBytes` of declared request bodies at once. Parsing and validating a large
 * body holds the event loop, so without a bound one client sending a hundred large documents
 * at once delays every other client, and health checks, for seconds. The excess is refused at
 * once, before its body is read, with a 429 and Retry-After; small requests (the common case)
 * stay as concurrent as the client likes up to the request count.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../problem.js';

export interface ClientBudgetOptions {
  maxRequests: number;
  maxBytes: number;
}

interface InFlight {
  requests: number;
  bytes: number;
}

/** The body size a request declares; a chunked body may be as large as its route allows. */
const declaredBytes = (request: FastifyRequest): number => {
  const length = Number(request.headers['content-length']);
  if (Number.isSafeInteger(length) && length >= 0) return length;
  return request.headers['transfer-encoding'] ? (request.routeOptions.bodyLimit ?? 0) : 0;
};

const mebibytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MiB`;

export const clientBudgetPlugin = fp<ClientBudgetOptions>(
  async (app: FastifyInstance, { maxRequests, maxBytes }) => {
    const inFlight = new Map<string, InFlight>();

    app.addHook('onRequest', (request, reply, done) => {
      const principal = request.principal;
      if (!principal || request.routeOptions.config.public) return done();
      const cost = declaredBytes(request);
      const current = inFlight.get(principal.clientId) ?? { requests: 0, bytes: 0 };
      // One request is always let through, however large: its route's body limit bounds it.
      const over =
        current.requests >= maxRequests ||
        (current.requests > 0 && current.bytes + cost > maxBytes);
      if (over) {
        return done(
          new HttpProblem(
            429,
            'client-busy',
            'Too many requests in progress',
            `This client already has ${current.requests} request(s) with ${mebibytes(current.bytes)} of bodies in progress (at most ${maxRequests} and ${mebibytes(maxBytes)}); retry when one has finished.`,
            {},
            { 'retry-after': '1' },
          ),
        );
      }
      current.requests += 1;
      current.bytes += cost;
      inFlight.set(principal.clientId, current);
      // 'close' fires once the response is sent or the connection is gone, whichever first.
      reply.raw.once('close', () => {
        current.requests -= 1;
        current.bytes -= cost;
        if (current.requests === 0) inFlight.delete(principal.clientId);
      });
      done();
    });
  },
  { name: 'coexist-client-budget' },
);
