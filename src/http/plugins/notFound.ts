/**
 * What a request that matches no route gets: 405 with `Allow` when its path is served with
 * other methods, else 404. Authentication does not run first (see auth.ts): there is no
 * endpoint whose roles could be checked, and a 403 would tell the client nothing true.
 */
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, sendProblem, toProblem } from '../problem.js';

const methods: readonly HTTPMethods[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
];

/** The methods some route serves for this concrete path, in a stable order. */
const allowedMethods = (app: FastifyInstance, request: FastifyRequest): HTTPMethods[] => {
  const path = request.url.split('?', 1)[0] as string;
  return methods.filter((method) => app.findRoute({ method, url: path }) !== null);
};

export const notFoundPlugin = fp(
  async (app: FastifyInstance) => {
    app.setNotFoundHandler((request, reply) => {
      const allow = allowedMethods(app, request);
      const problem = allow.length
        ? new HttpProblem(
            405,
            'method-not-allowed',
            'Method not allowed',
            `${request.method} is not served at this path; it answers ${allow.join(', ')}.`,
            {},
            { allow: allow.join(', ') },
          )
        : new HttpProblem(
            404,
            'route-not-found',
            'Not found',
            `No route ${request.method} ${request.url}. Paths are case-sensitive and have no trailing slash; /openapi.json lists them.`,
          );
      const { problem: body, headers } = toProblem(problem, request);
      return sendProblem(reply, body, headers);
    });
  },
  { name: 'coexist-not-found' },
);
