/**
 * POST endpoints of the v1 API, one per command in the catalog. Each validates params,
 * headers and body against the contracts (all errors of all parts reported together),
 * then hands the command to the handler and answers 202 with the document's location.
 */
import type { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CommandName, type CommandSpec, commands } from '../../../commands/catalog.js';
import type { CommandAccepted, CommandHandler } from '../../../commands/handler.js';
import { documentTypeInfo } from '../../../domain/documents.js';
import { toViolations } from '../../contracts.js';
import { HttpProblem, type ProblemViolation } from '../../problem.js';
import { correlationIdOf, fingerprintOf } from '../../requestContext.js';
import { problemResponses } from './problemResponses.js';
import { acceptedResponseSchema, documentParamsSchema } from './schemas.js';

export interface CommandRoutesOptions {
  ajv: Ajv;
  handler: CommandHandler;
}

const paths: Record<CommandName, string> = {
  submitPurchaseOrder: '/purchase-orders',
  changePurchaseOrder: '/purchase-orders/:company/:poNumber/changes',
  cancelPurchaseOrder: '/purchase-orders/:company/:poNumber/cancellation',
  acknowledgePurchaseOrder: '/purchase-orders/:company/:poNumber/acknowledgements',
  submitShipmentNotice: '/shipment-notices',
  recordGoodsReceipt: '/goods-receipts',
  submitSupplierInvoice: '/supplier-invoices',
  submitJournalEntry: '/journal-entries',
};

/**
 * The document each operation's example applies to, shown in the OpenAPI document so that the
 * request examples, tried in order from /docs after the README's walkthrough, tell one story:
 * the change and acknowledgement examples (like the shipment notice, receipt and invoice)
 * concern the purchase-order example, and the cancellation cancels the README's first order,
 * leaving the example order open for the documents that follow it.
 */
const examplePaths: Partial<Record<CommandName, Record<string, string>>> = {
  changePurchaseOrder: { company: 'ACME-US', poNumber: '4500012345' },
  cancelPurchaseOrder: { company: 'ACME-US', poNumber: '4500012200' },
  acknowledgePurchaseOrder: { company: 'ACME-US', poNumber: '4500012345' },
};

const withExamples = (
  params: ReturnType<typeof documentParamsSchema>,
  example: Record<string, string> | undefined,
) =>
  example
    ? {
        ...params,
        properties: Object.fromEntries(
          Object.entries(params.properties).map(([name, schema]) => [
            name,
            { allOf: [schema], examples: [example[name]] },
          ]),
        ),
      }
    : params;

export const idempotencyKeyHeader = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'Unique per logical request, chosen by the client. A retry with the same key and body returns the original response; nothing is recorded twice.',
    },
    traceparent: {
      type: 'string',
      description: 'W3C trace context; its trace id becomes the correlation id.',
    },
    'x-correlation-id': {
      type: 'string',
      description: 'Correlation id, when no traceparent is sent.',
    },
  },
} as const;

/**
 * The path of a route with its parameters filled in, as a client would spell it
 * (`/v1/purchase-orders/ACME-US/4500012345/changes`).
 */
export const pathOf = (route: string | undefined, params: Record<string, string>): string =>
  // Most writes create a document: their route has no parameter to fill in.
  route?.includes(':')
    ? route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))
    : (route ?? '');

const respond = (reply: FastifyReply, response: CommandAccepted, replayed: boolean) =>
  reply
    .code(202)
    .header('location', response.document.url)
    .header('idempotent-replayed', String(replayed))
    .send(response);

export const commandRoutes = async (
  app: FastifyInstance,
  { ajv, handler }: CommandRoutesOptions,
) => {
  const validateHeaders = ajv.compile(idempotencyKeyHeader);

  for (const [name, spec] of Object.entries(commands) as [CommandName, CommandSpec][]) {
    const validateBody = ajv.getSchema(spec.contract);
    if (!validateBody) throw new Error(`No contract ${spec.contract} for command ${name}`);
    const params = spec.creates ? undefined : documentParamsSchema(spec.documentType);
    const validateParams = params ? ajv.compile(params) : null;

    /** Every violation of every part of the request, so the client fixes them in one go. */
    const violations = (request: FastifyRequest): ProblemViolation[] => {
      const found: ProblemViolation[] = [];
      if (validateParams && !validateParams(request.params)) {
        found.push(...toViolations(validateParams.errors ?? [], 'path'));
      }
      if (!validateHeaders(request.headers)) {
        found.push(...toViolations(validateHeaders.errors ?? [], 'header'));
      }
      if (!validateBody(request.body))
        found.push(...toViolations(validateBody.errors ?? [], 'body'));
      return found;
    };

    app.post(paths[name], {
      config: { roles: ['writer'] },
      // Validation happens in the handler so that params, headers and body errors are
      // reported together; the schema here documents the contract in OpenAPI.
      attachValidation: true,
      schema: {
        operationId: name,
        summary: spec.summary,
        tags: [documentTypeInfo[spec.documentType].collection],
        headers: idempotencyKeyHeader,
        ...(params ? { params: withExamples(params, examplePaths[name]) } : {}),
        body: { $ref: `${spec.contract}#` },
        response: { 202: acceptedResponseSchema, ...problemResponses },
      },
      handler: async (request, reply) => {
        if (request.validationError) {
          throw new HttpProblem(
            400,
            'invalid-request',
            'The request does not satisfy the contract',
            `See errors: each names the offending field (contract ${spec.contract}).`,
            { errors: violations(request) },
          );
        }
        const principal = request.principal;
        if (!principal) throw new Error('authenticated route without principal');
        const params = request.params as Record<string, string>;
        const outcome = await handler.handle({
          spec,
          params,
          body: request.body,
          principal,
          idempotencyKey: request.headers['idempotency-key'] as string,
          // The route's path, not the raw URL: a retry to the same path with a query string (or
          // another spelling of the same key) is the same request.
          fingerprint: fingerprintOf(
            request.method,
            pathOf(request.routeOptions.url, params),
            request.body,
          ),
          correlationId: correlationIdOf(request),
          // Only a valid trace context is recorded (the correlation plugin checked it).
          traceparent: request.traceparent,
        });
        reply.header('x-correlation-id', outcome.response.correlationId);
        return respond(reply, outcome.response, outcome.kind === 'replayed');
      },
    });
  }
};
