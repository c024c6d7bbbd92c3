/**
 * Three-way-match tolerances: set by accounts payable (operators) or architects, read by
 * them and by auditors. Each PUT that changes the scope's values records a new version; GET
 * shows the history and, for a company (and supplier), the setting in force.
 */
import type { FastifyInstance } from 'fastify';
import { defaultTolerances, type Tolerances } from '../../../domain/matching/tolerances.js';
import type { ToleranceRegistry } from '../../../matching/tolerances.js';
import { adminProblems as p, success } from './responses.js';

const code = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,34}$' };
/** A non-negative decimal string, up to 6 decimals (as money and quantities are). */
const magnitude = {
  type: ['string', 'null'],
  pattern: '^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,6})?$',
  description: 'A non-negative decimal string, or null for no limit.',
};
const limits = (what: string) => ({
  type: 'object',
  additionalProperties: false,
  required: ['lower', 'upper'],
  description: `${what}: magnitudes below (lower) and above (upper) the reference; a variance at a limit is inside.`,
  properties: { lower: magnitude, upper: magnitude },
});
const tolerancesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['price', 'quantity'],
  properties: {
    price: {
      type: 'object',
      additionalProperties: false,
      required: ['percent', 'amount'],
      properties: {
        percent: limits('Percent of the order line unit price'),
        amount: limits('Amount per unit, in the invoice currency'),
      },
    },
    quantity: {
      type: 'object',
      additionalProperties: false,
      required: ['percent'],
      properties: { percent: limits('Percent of the quantity received to date') },
    },
  },
};

const putBody = {
  type: 'object',
  additionalProperties: false,
  required: ['company', 'values', 'reason'],
  properties: {
    company: code,
    supplier: { ...code, description: 'Refine the company’s tolerances for this supplier.' },
    values: tolerancesSchema,
    reason: { type: 'string', minLength: 3, maxLength: 2000 },
  },
  examples: [
    {
      company: 'ACME-US',
      supplier: 'SUP-10023',
      values: {
        price: { percent: { lower: null, upper: '2' }, amount: { lower: null, upper: '0.05' } },
        quantity: { percent: { lower: null, upper: '0' } },
      },
      reason: 'Bearings: surcharges above 5 cents a unit need a new PO price (AP policy 2026-11).',
    },
  ],
};

const settingExample = {
  version: 3,
  company: 'ACME-US',
  supplier: 'SUP-10023',
  values: putBody.examples[0]?.values,
  author: 'ap-lead',
  reason: putBody.examples[0]?.reason,
  setAt: '2026-11-18T14:00:00.000Z',
};

export const toleranceRoutes = async (
  app: FastifyInstance,
  { tolerances }: { tolerances: ToleranceRegistry },
) => {
  app.get('/tolerances', {
    config: { roles: ['operator', 'architect', 'auditor'] },
    schema: {
      summary: 'Three-way-match tolerances: every version, and those in force for a company',
      tags: ['matching'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          company: { ...code, description: 'Show the tolerances in force for this company.' },
          supplier: { ...code, description: 'And this supplier (needs company).' },
        },
        // A supplier's tolerances refine its company's: naming one needs the other, said as
        // `company` required (pointing at it).
        if: { required: ['supplier'], properties: { supplier: code } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
        then: { required: ['company'], properties: { company: code } },
      },
      response: {
        200: success('The history of settings, the built-in default, and what is in force.', {
          default: defaultTolerances,
          inForce: { source: 'supplier', ...settingExample },
          settings: [settingExample],
        }),
        400: p[400](
          '/v1/admin/tolerances?supplier=SUP-1',
          '/company',
          'company is required.',
          'query',
        ),
        401: p[401],
        403: p[403]('operator, architect, auditor'),
        429: p[429],
      },
    },
    handler: async (request) => {
      const { company, supplier } = request.query as { company?: string; supplier?: string };
      await tolerances.refresh();
      return {
        default: defaultTolerances,
        ...(company ? { inForce: tolerances.inForce(company, supplier ?? '') } : {}),
        settings: tolerances
          .list()
          .filter(
            (s) =>
              (!company || s.company === company) &&
              (!supplier || s.supplier === null || s.supplier === supplier),
          ),
      };
    },
  });

  app.put('/tolerances', {
    config: { roles: ['operator', 'architect'] },
    schema: {
      summary: 'Set the three-way-match tolerances of a company, or of one of its suppliers',
      tags: ['matching'],
      body: putBody,
      response: {
        200: success(
          "The version recorded (`recorded: true`; held invoices of the scope are matched again), or, when the scope's own setting already has these values, that setting (`recorded: false`; nothing recorded).",
          { ...settingExample, recorded: true },
        ),
        400: p[400]('/v1/admin/tolerances', '/values/price/percent/upper', 'must match pattern'),
        401: p[401],
        403: p[403]('operator, architect'),
        429: p[429],
      },
    },
    handler: async (request) => {
      const body = request.body as {
        company: string;
        supplier?: string;
        values: Tolerances;
        reason: string;
      };
      return tolerances.set(
        { company: body.company, supplier: body.supplier ?? null, values: body.values },
        {
          author: request.principal?.clientId ?? 'unknown',
          reason: body.reason,
          keyId: request.principal?.keyId,
        },
      );
    },
  });
};
