/**
 * `/graphql` for auditors: graphql-yoga mounted on a Fastify route (yoga's Fastify
 * integration), read-only, auditor role only.
 *
 * - Auth: POST needs the auditor role at the route (a 401/403 problem otherwise). GET is
 *   public only in development mode, so a browser can load GraphiQL; any operation is still
 *   refused without the auditor role, by the context every resolver runs in.
 * - Limits (graphql-armor): depth, aliases, cost, directives and tokens; introspection is
 *   refused in production and depth-limited in development (introspection.ts). Armor answers HTTP 200
 *   with `errors`; each refusal carries a code (QUERY_TOO_DEEP, QUERY_TOO_COSTLY, …), so
 *   monitor error codes, not status codes.
 * - Read-only: a mutation or subscription is refused with OPERATION_NOT_SUPPORTED (readOnly.ts).
 * - Errors: expected failures are GraphQLErrors with `extensions.code`; everything else is
 *   masked as "Unexpected error." and logged.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga } from 'graphql-yoga';
import { hasAnyRole } from '../auth/principal.js';
import type { AuditSources } from './audit.js';
import { introspectionGuard } from './introspection.js';
import { readOnly } from './readOnly.js';
import { type AuditContext, auditSchema } from './schema.js';

export interface GraphqlOptions extends AuditSources {
  mode: 'development' | 'production';
  /** GraphiQL's initial headers in development (e.g. the development key). */
  graphiqlHeaders?: Record<string, string>;
  /** Query limits; the defaults fit every question the schema answers. */
  limits?: Partial<typeof defaultLimits>;
}

/**
 * A connection's literal `first` multiplies its selection's cost: an auditor's page of 100
 * events with every field costs 10,700 and passes; two of them in one query do not.
 */
const defaultLimits = { depth: 8, aliases: 10, cost: 20_000 };

const isEmpty = (value: unknown) =>
  typeof value === 'object' && Object.keys(value as object).length === 0;

interface ServerContext {
  req: FastifyRequest;
  reply: FastifyReply;
}

/** Tags an armor refusal with a code clients and dashboards can tell apart. */
const coded =
  (code: string) =>
  (_context: unknown, error: GraphQLError): void => {
    Object.assign(error.extensions as Record<string, unknown>, { code });
  };

export const graphqlRoutes = async (app: FastifyInstance, options: GraphqlOptions) => {
  const development = options.mode === 'development';
  const sources: AuditSources = { events: options.events, readModels: options.readModels };
  const limits = { ...defaultLimits, ...options.limits };
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: limits.depth, onReject: [coded('QUERY_TOO_DEEP')] },
    maxAliases: { n: limits.aliases, onReject: [coded('TOO_MANY_ALIASES')] },
    costLimit: { maxCost: limits.cost, onReject: [coded('QUERY_TOO_COSTLY')] },
    maxDirectives: { n: 20, onReject: [coded('TOO_MANY_DIRECTIVES')] },
    maxTokens: { n: 2_000, onReject: [coded('TOO_MANY_TOKENS')] },
    blockFieldSuggestion: { enabled: !development },
  });
  const yoga = createYoga<ServerContext, AuditContext>({
    schema: auditSchema<ServerContext>(),
    graphqlEndpoint: '/graphql',
    graphiql: development
      ? {
          title: 'Coexist audit',
          headers: JSON.stringify(options.graphiqlHeaders ?? {}),
          defaultQuery:
            '{\n  events(first: 10) {\n    edges { node { type streamName recordedAt actor { clientId } } }\n  }\n}\n',
        }
      : false,
    maskedErrors: { isDev: false },
    landingPage: false,
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args) => app.log.warn(args, 'graphql'),
      error: (...args) => app.log.error(args, 'graphql'),
    },
    plugins: [armor, readOnly, introspectionGuard(development, coded('QUERY_TOO_DEEP'))],
    context: ({ req }) => {
      const principal = req.principal;
      if (!principal) {
        throw createGraphQLError(
          'Authentication required: send an API key with the auditor role.',
          {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          },
        );
      }
      if (!hasAnyRole(principal, ['auditor'])) {
        throw createGraphQLError('The audit API requires the auditor role.', {
          extensions: { code: 'FORBIDDEN', http: { status: 403 } },
        });
      }
      return { sources };
    },
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Yoga takes a parsed body only when it is a non-empty object; otherwise it reads the
    // request stream again, which Fastify has already consumed, and waits for ever. Handing it
    // such a body (`{}`, `[]`, `null`) as its JSON text gets Yoga's own 400 instead.
    const body: unknown = request.body;
    if (request.method === 'POST' && (body === null || body === undefined || isEmpty(body))) {
      request.body = JSON.stringify(body ?? null);
    }
    const response = await yoga.handleNodeRequestAndResponse(request, reply, {
      req: request,
      reply,
    });
    response.headers.forEach((value, key) => {
      reply.header(key, value);
    });
    reply.status(response.status);
    reply.send(response.body);
    return reply;
  };
  const schema = { hide: true };
  app.route({
    url: '/graphql',
    method: ['POST'],
    config: { roles: ['auditor'] },
    schema,
    handler,
  });
  app.route({
    url: '/graphql',
    method: ['GET'],
    config: development ? { public: true } : { roles: ['auditor'] },
    schema,
    handler,
  });
};
