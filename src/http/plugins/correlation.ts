/**
 * Gives every request a correlation id and echoes it as `X-Correlation-Id` on every response
 * (errors, 404s and reads included), so a client can quote it for any answer it got.
 * An `X-Correlation-Id` outside the documented form is refused (400) rather than replaced
 * silently: the client would otherwise search logs for an id that was never used. An invalid
 * `traceparent` is ignored, as W3C Trace Context prescribes.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../problem.js';
import { correlationIdPattern, correlationIdRule, traceIdOf } from '../requestContext.js';

export const correlationPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('correlationId', '');
    app.decorateRequest('traceparent', undefined);
    app.addHook('onRequest', (request, reply, done) => {
      const { traceparent, 'x-correlation-id': given } = request.headers;
      const traceId = typeof traceparent === 'string' ? traceIdOf(traceparent) : undefined;
      request.traceparent = traceId ? (traceparent as string).trim() : undefined;
      // A repeated header arrives as an array: refused like any other malformed value.
      const valid =
        given === undefined || (typeof given === 'string' && correlationIdPattern.test(given));
      request.correlationId =
        traceId ?? (valid && typeof given === 'string' ? given : randomUUID());
      reply.header('x-correlation-id', request.correlationId);
      if (valid) return done();
      done(
        new HttpProblem(
          400,
          'invalid-correlation-id',
          'Invalid X-Correlation-Id',
          `X-Correlation-Id must be ${correlationIdRule}; this response carries a new one.`,
          {
            errors: [
              {
                pointer: '/x-correlation-id',
                detail: `must be ${correlationIdRule}.`,
                in: 'header',
              },
            ],
          },
        ),
      );
    });
  },
  { name: 'coexist-correlation' },
);
