/**
 * Dual-write divergences for operators and auditors: each command of a `dual` document whose
 * primary and shadow answers differed after normalisation, with the field-level diff; filtered
 * by target, document type and time, a page at a time (oldest first, opaque cursor).
 */
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../../auth/principal.js';
import { decodeCursor, listDivergences } from '../../../divergence/list.js';
import { documentTypes } from '../../../domain/documents.js';
import type { EventStore } from '../../../ports/eventStore.js';
import { assertValidRequest } from '../v1/violations.js';
import { adminProblems as p, problemExample, success } from './responses.js';

const path = '/v1/admin/divergences';
const readers = ['operator', 'auditor'] as Role[];

const example = {
  eventId: '8d3f1c2a-6b7e-4f0a-9c1d-2e3f4a5b6c7d',
  comparisonId:
    '0b7e4c52-3d1a-4f0e-9a51-6c2f8e9d1a37.5f0c2d1e-8b7a-4c3d-9e2f-1a0b9c8d7e6f.9a1e3b5c-7d9f-4a1b-8c2d-3e4f5a6b7c8d',
  documentStream: 'PurchaseOrder-ACME-US/4500012345',
  documentType: 'purchaseOrder',
  documentKey: { company: 'ACME-US', poNumber: '4500012345' },
  company: 'ACME-US',
  commandEventId: '0b7e4c52-3d1a-4f0e-9a51-6c2f8e9d1a37',
  commandEventType: 'PurchaseOrderSubmitted',
  commandRevision: 1,
  primary: {
    target: 'legacy',
    deliveryId: 'legacy.0b7e4c52-3d1a-4f0e-9a51-6c2f8e9d1a37',
    outcome: 'delivered',
    reference: 'P00042',
    errorCode: null,
  },
  shadow: {
    target: 'cloud',
    deliveryId: 'cloud.0b7e4c52-3d1a-4f0e-9a51-6c2f8e9d1a37',
    outcome: 'delivered',
    reference: '106001',
    errorCode: null,
  },
  differences: [{ path: '/taxAmount', primary: '20.13', shadow: '20.12' }],
  comparedAt: '2026-11-02T14:30:02.310Z',
};

const cursorErrors = [
  { pointer: '/cursor', detail: 'is not a cursor this endpoint gave', in: 'query' as const },
];
const _invalidCursor = problemExample(
  400,
  'invalid-request',
  'The request does not satisfy the contract',
  'See errors: each names the offending field.',
  `${path}?cursor=abc`,
  { errors: cursorErrors },
);

export const divergenceRoutes = async (app: FastifyInstance, { store }: { store: EventStore }) => {
  app.get('/divergences', {
    config: { roles: readers },
    // Filters and the cursor are refused together (v1/violations.ts).
    attachValidation: true,
    schema: {
      summary: 'Dual-write divergences: primary and shadow answers that differ, with the diff',
      description:
        "Each command of a `dual` document whose two ERP answers, normalised (field names and codes through each target's crosswalk, decimals by value, dates, lines by line number), differ field by field. Oldest first; follow `nextCursor` for the next page.",
      tags: ['deliveries'],
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          target: {
            enum: ['legacy', 'cloud'],
            description: "The primary's or the shadow's target, e.g. cloud.",
          },
          documentType: { enum: [...documentTypes], description: 'Document type.' },
          since: {
            type: 'string',
            format: 'date-time',
            description: 'Only divergences compared at or after this instant (RFC 3339).',
          },
          cursor: {
            type: 'string',
            pattern: '^[A-Za-z0-9_-]{1,80}$',
            description: 'nextCursor of the previous page.',
          },
          limit: {
            type: 'string',
            pattern: '^([1-9][0-9]{0,2}|1000)$',
            default: '100',
            description: 'Page size, 1 to 1000.',
          },
        },
      },
      response: {
        200: success('A page of divergences, oldest first, and the cursor of the next page.', {
          divergences: [example],
          nextCursor: 'ZHc6MTI0NQ',
        }),
        400: {
          ...p[400](`${path}?since=yesterday`, '/since', 'must match format "date-time"', 'query'),
          description:
            'A filter or the cursor is not valid; `errors` lists every violation (JSON pointers into the query).',
        },
        401: p[401],
        403: p[403](readers.join(', ')),
        429: p[429],
      },
    },
    handler: async (request) => {
      const query = request.query as {
        target?: string;
        documentType?: string;
        since?: string;
        cursor?: string;
        limit?: string;
      };
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      assertValidRequest(request, () => (after === null ? cursorErrors : []));
      return listDivergences(store, {
        ...(query.target ? { target: query.target } : {}),
        ...(query.documentType ? { documentType: query.documentType } : {}),
        ...(query.since ? { since: new Date(query.since) } : {}),
        ...(after == null ? {} : { after }),
        limit: Number(query.limit ?? 100),
      });
    },
  });
};
