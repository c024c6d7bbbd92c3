/**
 * `GET /v1/gl/trial-balance?company=&period=`: the trial balance of a company and accounting
 * period (`YYYY-MM`), from the `generalLedger` read model (src/projection/trialBalance.ts).
 * A writer key sees only the companies its scopes allow, and only if journal entries are
 * among its document types; the overseeing roles see every company.
 */
import type { FastifyInstance } from 'fastify';
import { scopeViolation } from '../../../auth/principal.js';
import type { ReadModelStore } from '../../../ports/readModelStore.js';
import { trialBalance } from '../../../projection/trialBalance.js';
import {
  outOfScope,
  readModelProblemResponses,
  readModelQuery,
  readModelReaders,
  scopedWriter,
} from './readModelAnswers.js';

const path = '/gl/trial-balance';

const querySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['company', 'period'],
  properties: {
    company: {
      $ref: 'https://coexist.dev/contracts/http/v1/common.json#/$defs/code',
      examples: ['ACME-US'],
    },
    period: {
      type: 'string',
      pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
      description: 'Accounting period, `YYYY-MM` (the month of the posting date).',
      examples: ['2026-11'],
    },
  },
};

const amounts = {
  debit: { type: 'string' },
  credit: { type: 'string' },
};

const responseSchema = {
  description:
    'Debits and credits per account and currency, the balance of each (debit − credit), and per currency whether debits equal credits.',
  type: 'object',
  required: ['company', 'period', 'balanced', 'currencies', 'accounts'],
  properties: {
    company: { type: 'string' },
    period: { type: 'string' },
    balanced: { type: 'boolean' },
    currencies: {
      type: 'array',
      items: {
        type: 'object',
        properties: { currency: { type: 'string' }, ...amounts, balanced: { type: 'boolean' } },
      },
    },
    accounts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          account: { type: 'string' },
          currency: { type: 'string' },
          ...amounts,
          balance: { type: 'string' },
          lines: { type: 'integer', description: 'Journal entry lines posted.' },
        },
      },
    },
  },
  examples: [
    {
      company: 'ACME-US',
      period: '2026-11',
      balanced: true,
      currencies: [{ currency: 'USD', debit: '14280.25', credit: '14280.25', balanced: true }],
      accounts: [
        {
          account: '2150-000',
          currency: 'USD',
          debit: '0',
          credit: '14280.25',
          balance: '-14280.25',
          lines: 1,
        },
        {
          account: '6410-100',
          currency: 'USD',
          debit: '14280.25',
          credit: '0',
          balance: '14280.25',
          lines: 1,
        },
      ],
    },
  ],
};

export const ledgerRoutes = async (
  app: FastifyInstance,
  { readModels }: { readModels: ReadModelStore },
) => {
  app.get(path, {
    config: { roles: readModelReaders },
    schema: {
      operationId: 'get-trial-balance',
      summary: 'Trial balance of a company and period: GL postings per account and currency',
      tags: ['general-ledger'],
      querystring: querySchema,
      response: { 200: responseSchema, ...readModelProblemResponses(`/v1${path}`) },
    },
    handler: async (request) => {
      const { company, period } = request.query as { company: string; period: string };
      const writer = scopedWriter(request.principal);
      const refused = writer && scopeViolation(writer, { documentType: 'journalEntry', company });
      if (refused) throw outOfScope(refused);
      return readModelQuery(() => trialBalance(readModels, company, period));
    },
  });
};
