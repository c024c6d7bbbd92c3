/**
 * Authentication and role checks for every route. Routes declare `config.roles` (who may call
 * them) or `config.public` (health, and docs when configured so); a route that declares
 * neither is refused to everyone, so a forgotten declaration fails closed.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiKeyRegistry } from '../../auth/apiKeys.js';
import { hasAnyRole, type Principal, type Role } from '../../auth/principal.js';
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

export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, { registry }) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      const config = request.routeOptions.config;
      const token = bearer(request);
      if (token) request.principal = await registry.authenticate(token);
      if (config.public) return;
      if (!request.principal) {
        throw new HttpProblem(
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
        throw new HttpProblem(
          403,
          'missing-role',
          'Forbidden',
          allowed.length
            ? `This endpoint requires one of the roles: ${allowed.join(', ')}.`
            : 'This endpoint is not open to any client.',
        );
      }
    });
  },
  { name: 'coexist-auth' },
);
