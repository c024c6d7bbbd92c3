/**
 * Accounts payable's queue: `GET /v1/admin/held-invoices`, the supplier invoices held (or not
 * yet matched), by reason, supplier, company and age, oldest hold first, from the
 * `heldInvoices` read model (projections/heldInvoices).
 */
import type { FastifyInstance } from 'fastify';
import { holdReasons } from '../../../domain/matching/match.js';
import type { Condition, ReadModelStore } from '../../../ports/readModelStore.js';
import { readModelQuery } from '../v1/readModelAnswers.js';
import { adminProblems as p, success } from './responses.js';

const code = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,34}$' };

interface HeldQuery {
  status?: 'held' | 'pending';
  reason?: string;
  supplier?: string;
  company?: string;
  heldBefore?: string;
  cursor?: string;
  limit?: string;
}

const example = {
  items: [
    {
      id: 'SupplierInvoice-SUP-10023/INV-884213',
      supplier: 'SUP-10023',
      invoiceNumber: 'INV-884213',
      company: 'ACME-US',
      currency: 'USD',
      grossAmount: '1220.80',
      status: 'held',
      label: 'held: awaiting receipt',
      reason: 'awaiting-receipt',
      reasons: ['awaiting-receipt'],
      heldSince: '2026-11-19T16:02:00.000Z',
      heldForSeconds: 86400,
      url: '/v1/supplier-invoices/SUP-10023/INV-884213',
    },
  ],
  next: null,
};

export const heldInvoiceRoutes = async (
  app: FastifyInstance,
  { readModels }: { readModels: ReadModelStore },
) => {
  app.get('/held-invoices', {
    config: { roles: ['operator', 'auditor', 'architect'] },
    schema: {
      summary: 'Supplier invoices held by the three-way match, oldest hold first',
      tags: ['matching'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: {
            enum: ['held', 'pending'],
            description: 'held (default), or pending: recorded, not yet matched.',
          },
          reason: { enum: [...holdReasons], description: 'Most serious hold reason.' },
          supplier: code,
          company: code,
          heldBefore: {
            type: 'string',
            format: 'date-time',
            description: 'Only holds that began before this instant (aged holds).',
          },
          cursor: { type: 'string', minLength: 1, maxLength: 512 },
          limit: {
            type: 'string',
            pattern: '^([1-9][0-9]?|1[0-9]{2}|200)$',
            description: '1 to 200.',
          },
        },
      },
      response: {
        200: success('A page of held invoices, oldest hold first.', example),
        400: p[400](
          '/v1/admin/held-invoices?reason=late',
          '/reason',
          'must be equal to one of the allowed values',
          'query',
        ),
        401: p[401],
        403: p[403]('operator, auditor, architect'),
        429: p[429],
      },
    },
    handler: async (request) => {
      const query = request.query as HeldQuery;
      const where: Record<string, Condition> = { status: query.status ?? 'held' };
      if (query.reason) where.reason = query.reason;
      if (query.supplier) where.supplier = query.supplier;
      if (query.company) where.company = query.company;
      if (query.heldBefore) where.heldSince = { lt: new Date(query.heldBefore).toISOString() };
      return readModelQuery(async () => {
        const page = await readModels.find('heldInvoices', {
          where,
          // Pending invoices have no hold yet: they are listed by when they were recorded.
          orderBy: { field: where.status === 'held' ? 'heldSince' : 'since', direction: 'asc' },
          after: query.cursor,
          limit: Number(query.limit ?? 50),
        });
        const now = Date.now();
        return {
          items: page.items.map((row) => ({
            ...row,
            heldForSeconds:
              typeof row.heldSince === 'string'
                ? Math.floor((now - Date.parse(row.heldSince)) / 1000)
                : null,
            url: `/v1/supplier-invoices/${encodeURIComponent(String(row.supplier))}/${encodeURIComponent(String(row.invoiceNumber))}`,
          })),
          next: page.next,
        };
      });
    },
  });
};
