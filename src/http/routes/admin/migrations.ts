/**
 * Migrating the open documents of a scope to another owner (architects): a dry run lists what
 * would move; a real run records a `DocumentOwnershipChanged` per document, which the
 * dispatcher delivers. The answer is NDJSON: progress lines while the log is read and the
 * documents are moved, then the result (docs/migration.md).
 */
import type { FastifyInstance } from 'fastify';
import { oldOwnerPolicies } from '../../../migration/deliveries.js';
import { type MigrationRequest, migrate } from '../../../migration/migrate.js';
import type { MigrationScope } from '../../../migration/plan.js';
import type { EventStore } from '../../../ports/eventStore.js';
import type { Target } from '../../../routing/ruleSet.js';
import { HttpProblem } from '../../problem.js';
import { adminProblems as p, problemExample, success } from './responses.js';

const path = '/v1/admin/migrations';
const code = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,34}$' };
const erp = { enum: ['legacy', 'cloud'] };

const body = {
  type: 'object',
  additionalProperties: false,
  required: ['scope', 'to', 'reason'],
  properties: {
    scope: {
      type: 'object',
      additionalProperties: false,
      required: ['documentType'],
      description:
        'Which documents: purchase orders (their shipment notices, receipts and invoices follow them) of a company, and optionally one site or supplier.',
      properties: {
        documentType: {
          enum: ['purchaseOrder'],
          description: 'Only purchase orders are migrated; their children follow them.',
        },
        company: code,
        site: code,
        supplier: code,
      },
    },
    to: {
      description: 'The new owner: legacy, cloud, or {dual: {primary, shadow}}.',
      oneOf: [
        erp,
        {
          type: 'object',
          additionalProperties: false,
          required: ['dual'],
          properties: {
            dual: {
              type: 'object',
              additionalProperties: false,
              required: ['primary', 'shadow'],
              properties: { primary: erp, shadow: erp },
            },
          },
        },
      ],
    },
    reason: { type: 'string', minLength: 3, maxLength: 2000, description: 'Why (recorded).' },
    oldOwnerPolicy: {
      enum: [...oldOwnerPolicies],
      default: 'cancel-remainder',
      description:
        "What the former owner's copy becomes: its open remainder cancelled there (default), or left as it is.",
    },
    dryRun: { type: 'boolean', default: false, description: 'List what would move; move nothing.' },
  },
} as const;

const result = {
  type: 'result',
  migrationId: '5b1f7a3c-2d4e-4f6a-8b9c-0d1e2f3a4b5c',
  dryRun: false,
  scope: { documentType: 'purchaseOrder', company: 'ACME-EU' },
  to: 'cloud',
  oldOwnerPolicy: 'cancel-remainder',
  moved: [
    {
      document: { type: 'purchaseOrder', key: { company: 'ACME-EU', poNumber: '4500012345' } },
      from: 'legacy',
      to: 'cloud',
      carriedOver: [
        {
          lineNumber: 10,
          ordered: { value: '500', uom: 'EA' },
          received: { value: '200', uom: 'EA' },
          invoiced: { value: '0', uom: 'EA' },
        },
      ],
    },
  ],
  alreadyOwned: 0,
  notOpen: 3,
  skipped: [],
  scopeRuleSet: {
    name: 'Migration scope: documentType=purchaseOrder,company=ACME-EU',
    rules: [
      {
        id: 'migration-scope',
        match: { documentTypes: ['purchaseOrder'], companies: ['ACME-EU'] },
        target: 'cloud',
      },
      { id: 'elsewhere', match: {}, target: 'legacy' },
    ],
  },
};

const sameErp = problemExample(
  422,
  'invalid-migration',
  'Invalid migration',
  'A dual owner needs two different ERPs.',
  path,
  { errors: [{ pointer: '/to/dual/shadow', detail: 'must differ from primary', in: 'body' }] },
);

export const migrationRoutes = async (app: FastifyInstance, { store }: { store: EventStore }) => {
  app.post('/migrations', {
    config: { roles: ['architect'] },
    schema: {
      summary:
        'Move the open documents of a scope to another owner (NDJSON: progress, then the result)',
      description:
        "Lists the open purchase orders of the scope not yet owned as asked (`dryRun` stops there), then records a DocumentOwnershipChanged in each, naming who and why. The dispatcher delivers each order's current state to the new owner (with what was received and invoiced) and, under `cancel-remainder`, cancels the open remainder at the former owner. Later commands and children follow the new owner. Running it again moves nothing. Freeze the scope first (docs/migration.md).",
      tags: ['routing'],
      body,
      response: {
        200: {
          ...success(
            'NDJSON lines: `{"type":"progress","phase":"reading","events":n}` and `{"type":"progress","phase":"moving","done":n,"total":m}`, then `{"type":"result",…}` (or `{"type":"error"}`).',
            result,
          ),
        },
        400: p[400](path, '/to', 'must match exactly one schema in oneOf'),
        401: p[401],
        403: p[403]('architect'),
        422: p[422]('The migration asks for something impossible.', sameErp),
        429: p[429],
      },
    },
    handler: async (request, reply) => {
      const input = request.body as {
        scope: MigrationScope;
        to: Target;
        reason: string;
        oldOwnerPolicy?: MigrationRequest['oldOwnerPolicy'];
        dryRun?: boolean;
      };
      if (typeof input.to !== 'string' && input.to.dual.primary === input.to.dual.shadow) {
        throw new HttpProblem(422, 'invalid-migration', sameErp.title, sameErp.detail, {
          errors: [{ pointer: '/to/dual/shadow', detail: 'must differ from primary', in: 'body' }],
        });
      }
      reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      const write = (line: object) => reply.raw.write(`${JSON.stringify(line)}\n`);
      try {
        const outcome = await migrate(
          store,
          {
            ...input,
            // Schema defaults are documentation here: the validator does not fill them in.
            oldOwnerPolicy: input.oldOwnerPolicy ?? 'cancel-remainder',
            dryRun: input.dryRun ?? false,
            by: request.principal?.clientId ?? 'unknown',
            keyId: request.principal?.keyId,
            correlationId: request.correlationId,
          },
          (progress) => write({ type: 'progress', ...progress }),
        );
        write({ type: 'result', ...outcome });
      } catch (error) {
        request.log.error({ err: error }, 'migration failed');
        write({
          type: 'error',
          detail: `The migration stopped; what moved is recorded, run it again to move the rest. Quote request id ${request.id}.`,
        });
      }
      reply.raw.end();
      return reply;
    },
  });
};
