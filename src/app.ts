/**
 * buildApp: the Fastify instance with every plugin and route, given its dependencies.
 * It never listens and never reads the environment (see main.ts), so tests drive it
 * in-process with `app.inject`.
 */
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyError } from 'fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { roles } from './auth/principal.js';
import { CommandHandler } from './commands/handler.js';
import type { Config } from './config/config.js';
import { type ConsumerDirectory, createConsumerDirectory } from './consumers/directory.js';
import { metricsPlugin } from './delivery/metrics.js';
import { preferWaitPlugin } from './delivery/preferWait.js';
import { divergenceMetricsPlugin } from './divergence/metrics.js';
import { graphqlRoutes } from './graphql/plugin.js';
import {
  type CompiledContracts,
  compileContracts,
  type JsonSchema,
  toViolations,
} from './http/contracts.js';
import { jsonBodyParser } from './http/jsonBody.js';
import { authPlugin } from './http/plugins/auth.js';
import { applyDocumentBodyLimit } from './http/plugins/bodyLimits.js';
import { clientBudgetPlugin } from './http/plugins/clientBudget.js';
import { applyConnectionLimits, connectionLimitOptions } from './http/plugins/connectionLimits.js';
import { correlationPlugin } from './http/plugins/correlation.js';
import { acceptedMediaType, mediaTypePlugin } from './http/plugins/mediaType.js';
import { notFoundPlugin } from './http/plugins/notFound.js';
import { HttpProblem, requestPart, sendProblem, toProblem } from './http/problem.js';
import { correlationIdRule } from './http/requestContext.js';
import { consumerRoutes } from './http/routes/admin/consumers.js';
import { deliveryRoutes } from './http/routes/admin/deliveries.js';
import { divergenceRoutes } from './http/routes/admin/divergences.js';
import { freezeRoutes } from './http/routes/admin/freezes.js';
import { heldInvoiceRoutes } from './http/routes/admin/heldInvoices.js';
import { migrationRoutes } from './http/routes/admin/migrations.js';
import { routingRuleRoutes } from './http/routes/admin/routingRules.js';
import { toleranceRoutes } from './http/routes/admin/tolerances.js';
import { healthRoutes } from './http/routes/health.js';
import { commandRoutes } from './http/routes/v1/commands.js';
import { documentRoutes } from './http/routes/v1/documents.js';
import { invoiceDecisionRoutes } from './http/routes/v1/invoiceDecisions.js';
import { readModelRoutes } from './http/routes/v1/lists.js';
import type { ToleranceRegistry } from './matching/tolerances.js';
import type { Clock } from './ports/clock.js';
import type { EventStore } from './ports/eventStore.js';
import type { ReadModelStore } from './ports/readModelStore.js';
import type { ApiKeyRegistry } from './registries/apiKeys.js';
import type { FreezeRegistry } from './registries/freezes.js';
import type { RuleSetRegistry } from './registries/ruleSets.js';
import type { Router } from './routing/route.js';
import { createRuleSetValidator } from './routing/validate.js';

export interface AppDependencies {
  config: Pick<Config, 'mode' | 'limits' | 'docs' | 'logLevel'>;
  store: EventStore;
  registry: ApiKeyRegistry;
  router: Router;
  rules: RuleSetRegistry;
  freezes: FreezeRegistry;
  /** Three-way-match tolerances: /v1/admin/tolerances is served only when given. */
  tolerances?: ToleranceRegistry;
  /** The write path's clock; the system clock by default. */
  clock?: Clock;
  /** The consumers this instance runs, for the operators' view; none by default. */
  consumers?: ConsumerDirectory;
  /** The compiled contracts, when the caller has them already; loaded here otherwise. */
  contracts?: CompiledContracts;
  /** Read models: list and summary routes and /graphql are served only when given. */
  readModels?: ReadModelStore;
  /** A token Prometheus may scrape /metrics with, besides an operator's key (docs/delivery.md). */
  metricsToken?: string;
  /** Extra pino options or `false`; defaults to JSON logs at `config.logLevel`. */
  logger?: boolean | object;
}

const contractPrefix = 'https://coexist.dev/contracts/';

/** OpenAPI component name for a contract: `http.v1.purchase-order-submit`. */
const componentName = (schema: JsonSchema, index: number): string =>
  schema.$id?.startsWith(contractPrefix)
    ? schema.$id
        .slice(contractPrefix.length)
        .replace(/\.json$/, '')
        .replace(/\//g, '.')
    : `def-${index}`;

export const buildApp = async (deps: AppDependencies): Promise<FastifyInstance> => {
  const { config, store, registry, router, rules, freezes } = deps;
  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      // Never log credentials, even if a future serializer includes headers.
      redact: ['req.headers.authorization', 'headers.authorization'],
    },
    bodyLimit: config.limits.bodyLimitBytes,
    ...connectionLimitOptions(config.limits),
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Errors the router raises before any route runs (malformed or over-long URLs).
    frameworkErrors: (error, request, reply) => {
      const { problem, headers } = toProblem(error, request);
      sendProblem(reply, problem, headers);
    },
  });

  applyConnectionLimits(app, config.limits);

  const { schemas: contracts, ajv } = deps.contracts ?? compileContracts();
  // Refuses prototype-poisoning keys by name, where Fastify's parser says "not valid JSON".
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonBodyParser);
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  // Response schemas document the API; serialising with JSON.stringify keeps every field.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of contracts.values()) app.addSchema(schema);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const location = requestPart(error.validationContext);
      const problem = new HttpProblem(
        400,
        'invalid-request',
        'The request does not satisfy the contract',
        'See errors: each names the offending field.',
        { errors: toViolations(error.validation as never, location) },
      );
      return sendProblem(reply, toProblem(problem, request).problem);
    }
    const { problem, headers } = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem, headers);
  });
  await app.register(notFoundPlugin);

  app.addHook('onRoute', applyDocumentBodyLimit);
  // Docs are public in development, authenticated (any role) in production by default.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') || route.url === '/openapi.json') {
      route.config = { ...route.config, public: config.docs.public, roles };
    }
  });

  // First, so that every answer, a refusal by auth included, carries the correlation id.
  await app.register(correlationPlugin);
  await app.register(authPlugin, { registry });
  await app.register(mediaTypePlugin);
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: 60_000,
    max: (request) => request.principal?.rateLimitPerMinute ?? config.limits.rateLimitPerMinute,
    keyGenerator: (request) =>
      request.principal ? `client:${request.principal.clientId}` : `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        'rate-limited',
        'Too many requests',
        `Rate limit of ${context.max} requests per minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s.`,
      ),
  });

  await app.register(clientBudgetPlugin, {
    maxRequests: config.limits.clientInFlightRequests,
    maxBytes: config.limits.clientInFlightBytes,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Coexist ERP gateway',
        version: 'v1',
        description: [
          'One stable, versioned API for purchasing and finance documents while a legacy and a cloud ERP coexist. Every accepted command is recorded as an event, with the routing decision: which ERP owns the document. Delivery to that ERP follows separately.',
          '',
          `Every response carries \`X-Correlation-Id\`: the trace id of a valid W3C \`traceparent\`, else the request's \`X-Correlation-Id\` (${correlationIdRule}; anything else is refused with a 400), else a new UUID.`,
          '',
          `Request bodies are ${acceptedMediaType}, without Content-Encoding.`,
        ].join('\n'),
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Coexist API key' },
        },
      },
      security: [{ apiKey: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => componentName(json as JsonSchema, i),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const consumers = deps.consumers ?? createConsumerDirectory(store);
  await app.register(healthRoutes, { store, readModels: deps.readModels, consumers });
  await app.register(preferWaitPlugin, { store });
  await app.register(metricsPlugin, {
    store,
    consumers,
    ...(deps.metricsToken ? { scrapeToken: deps.metricsToken } : {}),
  });
  await app.register(divergenceMetricsPlugin, { store });
  const handler = new CommandHandler({ store, router, freezes, clock: deps.clock });
  const validateRuleSet = createRuleSetValidator(ajv);
  await app.register(
    async (v1) => {
      await v1.register(commandRoutes, { ajv, handler });
      await v1.register(documentRoutes, { store, readModels: deps.readModels });
      await v1.register(invoiceDecisionRoutes, { store });
      if (deps.readModels) {
        await v1.register(readModelRoutes, { readModels: deps.readModels, store });
      }
      await v1.register(
        async (admin) => {
          await admin.register(routingRuleRoutes, { registry: rules, store, validateRuleSet });
          await admin.register(freezeRoutes, { freezes });
          if (deps.tolerances)
            await admin.register(toleranceRoutes, { tolerances: deps.tolerances });
          await admin.register(consumerRoutes, { consumers });
          await admin.register(deliveryRoutes, { store, readModels: deps.readModels });
          await admin.register(divergenceRoutes, { store });
          await admin.register(migrationRoutes, { store });
          if (deps.readModels) {
            await admin.register(heldInvoiceRoutes, { readModels: deps.readModels });
          }
        },
        { prefix: '/admin' },
      );
    },
    { prefix: '/v1' },
  );
  if (deps.readModels) {
    await app.register(graphqlRoutes, {
      events: store,
      readModels: deps.readModels,
      mode: config.mode,
    });
  }
  return app;
};
