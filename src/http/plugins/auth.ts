/**
 * Authentication and role checks for every route. Routes declare `config.roles` (who may call
 * them) or `config.public` (health, and docs when configured so); a route that declares
 * neither is refused to everyone, so a forgotten declaration fails closed. A request that
 * matches no route is not refused here: it gets its 404 or 405.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasAnyRole, type Principal, type Role } from '../../auth/principal.js';
import type { ApiKeyRegistry } from '../../registries/apiKeys.js';
import { HttpProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    roles?: readonly Role[];
    public?: boolean;
  }
}

export interface AuthOptions {
  registry: ApiKeyRegistry;
}

const bearer = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? (match[1] as string) : null;
};

const challenge = { 'www-authenticate': 'Bearer realm="coexist"' };

/** Why the request may not go on (401 or 403), or undefined when it may. */
const refusal = (request: FastifyRequest, token: string | null): HttpProblem | undefined => {
  const config = request.routeOptions.config;
  // No route matched: the not-found handler answers 404 or 405 (notFound.ts).
  if (config.public || request.is404) return undefined;
  if (!request.principal) {
    return new HttpProblem(
      401,
      'unauthenticated',
      'Authentication required',
      token
        ? 'The API key is not valid (unknown, revoked or malformed).'
        : 'Send an API key as "Authorization: Bearer <key>".',
      {},
      challenge,
    );
  }
  const allowed = config.roles ?? [];
  if (!hasAnyRole(request.principal, allowed)) {
    return new HttpProblem(
      403,
      'missing-role',
      'Forbidden',
      allowed.length
        ? `This endpoint requires one of the roles: ${allowed.join(', ')}.`
        : 'This endpoint is not open to any client.',
    );
  }
  return undefined;
};

export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, { registry }) => {
    app.decorateRequest('principal', null);
    // A callback hook, not an async one: a client whose key was verified before is let
    // through (or refused) in the same tick, without a promise and a turn of the microtask
    // queue per request. Only a token not seen yet waits for the registry.
    app.addHook('onRequest', (request, _reply, done) => {
      const token = bearer(request);
      const known = token ? registry.knownPrincipal(token) : undefined;
      if (token && known === undefined) {
        registry.authenticate(token).then((principal) => {
          request.principal = principal;
          done(refusal(request, token));
        }, done);
        return;
      }
      if (known) request.principal = known;
      done(refusal(request, token));
    });
  },
  { name: 'coexist-auth' },
);
