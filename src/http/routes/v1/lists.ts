/**
 * Operational queries served from the `documents` read model (projections/documents):
 * `GET /v1/{collection}?company=&site=&supplier=&owner=&status=&exception=&from=&to=&sort=&cursor=&limit=`
 * lists documents of one type, newest first by default, with an opaque cursor. (The summary
 * of one document: summaries.ts.)
 *
 * Scope: a client holding only the writer role sees only what its scopes allow (a supplier-
 * scoped key lists its supplier's documents); the overseeing roles see everything, as on the
 * document GETs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../../auth/principal.js';
import { type DocumentType, documentTypeInfo, documentTypes } from '../../../domain/documents.js';
import type {
  Condition,
  ReadModelDocument,
  ReadModelStore,
} from '../../../ports/readModelStore.js';
import { deliveryBacklogRoutes } from './deliveryBacklog.js';
import { ledgerRoutes } from './ledger.js';
import { problemResponses } from './problemResponses.js';
import { boundCursor, cursorViolation, dateViolations, unboundCursor } from './queryChecks.js';
import { outOfScope, readModelQuery, readModelReaders, scopedWriter } from './readModelAnswers.js';
import { type SummaryRoutesOptions, summaryRoutes } from './summaries.js';
import { assertValidRequest } from './violations.js';

export interface ListRoutesOptions {
  readModels: ReadModelStore;
}

const model = 'documents';
const readers = readModelReaders;
/** Company, site and supplier as the contracts spell them. */
const code = { $ref: 'https://coexist.dev/contracts/http/v1/common.json#/$defs/code' } as const;
const isoDate = {
  type: 'string',
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2})?)?$',
} as const;
/** Every status the documents read model records (projections/documents). */
const statuses = [
  'pending',
  'open',
  'acknowledged',
  'rejected',
  'cancelled',
  'closed',
  'submitted',
  'recorded',
];

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    company: code,
    site: code,
    supplier: code,
    owner: { enum: ['legacy', 'cloud', 'dual', 'unresolved'] },
    status: { enum: statuses },
    exception: {
      type: 'string',
      pattern: '^(any|[A-Z_]{1,64})$',
      description: '`any` for documents with any exception, or an exception code.',
    },
    from: { ...isoDate, description: 'Business date on or after (ISO 8601).' },
    to: { ...isoDate, description: 'Business date before (ISO 8601).' },
    sort: {
      enum: ['-updatedAt', 'updatedAt', '-date', 'date'],
      description: 'Order; `-` for newest first. Default `-updatedAt`.',
    },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
    limit: { type: 'string', pattern: '^([1-9][0-9]?|1[0-9]{2}|200)$', description: '1 to 200.' },
  },
};

const listResponseSchema = {
  type: 'object',
  required: ['items', 'next'],
  properties: {
    items: { type: 'array', items: { type: 'object' } },
    next: { type: ['string', 'null'], description: 'Cursor of the next page, or null.' },
  },
};

interface ListQuery {
  company?: string;
  site?: string;
  supplier?: string;
  owner?: string;
  status?: string;
  exception?: string;
  from?: string;
  to?: string;
  sort?: '-updatedAt' | 'updatedAt' | '-date' | 'date';
  cursor?: string;
  limit?: string;
}

/** The filters of a list, narrowed to what the principal's scopes allow. */
const conditionsFor = (
  type: DocumentType,
  query: ListQuery,
  principal: Principal | null,
): Record<string, Condition> => {
  const where: Record<string, Condition> = { documentType: type };
  const scopes = scopedWriter(principal)?.scopes ?? {};
  if (scopes.documentTypes && !scopes.documentTypes.includes(type)) {
    throw outOfScope(`Client ${principal?.clientId} may not list ${type} documents.`);
  }
  const fields = [
    ['company', 'companies'],
    ['site', 'sites'],
    ['supplier', 'suppliers'],
  ] as const;
  for (const [field, scope] of fields) {
    const asked = query[field];
    const allowed = scopes[scope];
    if (asked !== undefined && allowed && !allowed.includes(asked)) {
      throw outOfScope(`Client ${principal?.clientId} may not list for ${field} ${asked}.`);
    }
    // A scoped client sees documents that name an allowed value, never ones without any.
    if (asked !== undefined) where[field] = asked;
    else if (allowed) where[field] = { in: allowed };
  }
  if (query.owner) where.owner = query.owner;
  if (query.status) where.status = query.status;
  if (query.exception === 'any') where.hasExceptions = true;
  else if (query.exception) where.exceptionCodes = { contains: query.exception };
  if (query.from || query.to) {
    where.date = {
      ...(query.from ? { gte: query.from } : {}),
      ...(query.to ? { lt: query.to } : {}),
    };
  }
  return where;
};

/** What a cursor of a list is bound to: its document type, filters and order (not its size). */
const boundQuery = (type: DocumentType, { cursor: _c, limit: _l, ...filters }: ListQuery) => ({
  ...filters,
  type,
  sort: filters.sort ?? '-updatedAt',
});

/** A list item: the summary without its lines (a 999-line order stays a small item). */
const listItem = ({ lines, ...summary }: ReadModelDocument) => ({
  ...summary,
  lineCount: Array.isArray(lines) ? lines.length : null,
});

export const listRoutes = async (app: FastifyInstance, { readModels }: ListRoutesOptions) => {
  const read = readModelQuery;

  for (const type of documentTypes as readonly DocumentType[]) {
    const { collection } = documentTypeInfo[type];
    const noun = collection.replace(/-/g, ' ');

    app.get(`/${collection}`, {
      config: { roles: readers },
      // Schema violations, impossible dates and a foreign cursor are listed together.
      attachValidation: true,
      schema: {
        operationId: `list-${collection}`,
        summary: `List ${noun}, filtered, newest first, with cursor pagination`,
        tags: [collection],
        querystring: listQuerySchema,
        response: { 200: listResponseSchema, ...problemResponses },
      },
      handler: async (request: FastifyRequest) => {
        const query = request.query as ListQuery;
        const bound = boundQuery(type, query);
        let after: string | undefined;
        assertValidRequest(request, () => {
          const found = dateViolations(query, ['from', 'to']);
          if (query.cursor !== undefined) {
            after = unboundCursor(query.cursor, bound) ?? undefined;
            if (after === undefined) found.push(cursorViolation());
          }
          return found;
        });
        const where = conditionsFor(type, query, request.principal);
        const sort = bound.sort;
        const page = await read(() =>
          readModels.find(model, {
            where,
            orderBy: {
              field: sort.replace('-', ''),
              direction: sort.startsWith('-') ? 'desc' : 'asc',
            },
            after,
            limit: Number(query.limit ?? 50),
          }),
        );
        return { items: page.items.map(listItem), next: boundCursor(page.next, bound) };
      },
    });
  }
};

/** Every route served from read models: lists and summaries, the trial balance, the backlog. */
export const readModelRoutes = async (app: FastifyInstance, options: SummaryRoutesOptions) => {
  await app.register(listRoutes, options);
  await app.register(summaryRoutes, options);
  await app.register(ledgerRoutes, options);
  await app.register(deliveryBacklogRoutes, options);
};
