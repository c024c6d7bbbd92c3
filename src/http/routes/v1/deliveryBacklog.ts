/**
 * The delivery backlog for operators and auditors, from the `deliveries` read model (no
 * stream is read, whatever the backlog's size):
 *
 * - `GET /v1/admin/delivery-backlog`: per target, deliveries per recorded state and the
 *   oldest one still to deliver, with its age;
 * - `GET /v1/admin/dead-letters?target=&cursor=&limit=`: dead-lettered deliveries, the most
 *   recently dead-lettered first.
 *
 * The dispatcher's own view (`GET /v1/admin/deliveries`) also tells which deliveries wait
 * for their parent order; this one counts recorded states only.
 */
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../../auth/principal.js';
import type { ReadModelStore } from '../../../ports/readModelStore.js';
import { deadLetters, deliveryBacklog } from '../../../projection/deliveryBacklog.js';
import { readModelProblemResponses, readModelQuery } from './readModelAnswers.js';

const readers: Role[] = ['operator', 'auditor'];

const backlogExample = {
  asOf: '2026-12-01T10:00:00.000Z',
  targets: [
    {
      target: 'cloud',
      states: {
        delivered: 1204,
        skipped: 1,
        pending: 3,
        'in-flight': 1,
        retrying: 2,
        held: 2,
        'dead-lettered': 1,
      },
      outstanding: 6,
      deadLettered: 1,
      oldestOutstanding: {
        deliveryId: 'cloud.0b9d7c1e-5f3a-4e8b-9a61-2f4c8d7e6a10',
        documentStream: 'PurchaseOrder-ACME-US/4500012345',
        requestedAt: '2026-12-01T09:58:30.000Z',
        ageSeconds: 90,
      },
    },
  ],
};

const deadLetterExample = {
  items: [
    {
      id: 'legacy.7d0c2a4e-1b9f-4c3d-8e5a-6f2b1c0d9e87',
      target: 'legacy',
      role: 'primary',
      state: 'dead-lettered',
      documentType: 'purchaseOrder',
      documentStream: 'PurchaseOrder-ACME-US/4500012345',
      documentKey: { company: 'ACME-US', poNumber: '4500012345' },
      commandEventType: 'PurchaseOrderSubmitted',
      action: 'create',
      requestedAt: '2026-12-01T09:58:30.000Z',
      deadLetteredAt: '2026-12-01T09:58:31.000Z',
      attempts: 1,
      deadLetter: {
        reason: 'permanent-error',
        code: 'erp-rejected',
        message: 'Supplier SUP-9 does not exist in the ERP.',
        at: '2026-12-01T09:58:31.000Z',
      },
    },
  ],
  next: null,
};

export const deliveryBacklogRoutes = async (
  app: FastifyInstance,
  { readModels, now = () => new Date() }: { readModels: ReadModelStore; now?: () => Date },
) => {
  app.get('/admin/delivery-backlog', {
    config: { roles: readers },
    schema: {
      operationId: 'get-delivery-backlog',
      summary: 'Deliveries per target and state, and the oldest still to deliver',
      tags: ['deliveries'],
      // No parameters: an unknown one is refused, not ignored.
      querystring: { type: 'object', additionalProperties: false, properties: {} },
      response: {
        200: { type: 'object', examples: [backlogExample] },
        ...readModelProblemResponses('/v1/admin/delivery-backlog'),
      },
    },
    handler: async () => {
      const asOf = now();
      const targets = await readModelQuery(() => deliveryBacklog(readModels, asOf));
      return { asOf: asOf.toISOString(), targets };
    },
  });

  app.get('/admin/dead-letters', {
    config: { roles: readers },
    schema: {
      operationId: 'list-dead-letters',
      summary: 'Dead-lettered deliveries, most recent first, with cursor pagination',
      tags: ['deliveries'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          target: { enum: ['legacy', 'cloud'] },
          cursor: { type: 'string', minLength: 1, maxLength: 512 },
          limit: {
            type: 'string',
            pattern: '^([1-9][0-9]?|1[0-9]{2}|200)$',
            description: '1 to 200.',
          },
        },
      },
      response: {
        200: { type: 'object', examples: [deadLetterExample] },
        ...readModelProblemResponses('/v1/admin/dead-letters'),
      },
    },
    handler: async (request) => {
      const query = request.query as { target?: string; cursor?: string; limit?: string };
      const page = await readModelQuery(() =>
        deadLetters(readModels, {
          target: query.target,
          after: query.cursor,
          limit: Number(query.limit ?? 50),
        }),
      );
      return {
        items: page.items.map(({ delivery, outstanding: _, updatedAt: __, ...record }) => ({
          ...record,
          attempts: Array.isArray(delivery.attempts) ? delivery.attempts.length : 0,
          deadLetter: delivery.deadLetter,
        })),
        next: page.next,
      };
    },
  });
};
