/** Cutover freezes: declared and lifted by architects, visible to operators and auditors. */
import type { FastifyInstance } from 'fastify';
import { documentTypes } from '../../../domain/documents.js';
import type { FreezeRegistry } from '../../../registries/freezes.js';
import type { FreezeScope } from '../../../routing/freezes.js';
import { HttpProblem } from '../../problem.js';
import { freezeResponses, adminProblems as p } from './responses.js';

const code = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,34}$' };
const list = (items: object) => ({ type: 'array', minItems: 1, uniqueItems: true, items });

const freezeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scope', 'until', 'reason'],
  properties: {
    scope: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'What is frozen: every listed dimension must match (at least one).',
      properties: {
        companies: list(code),
        sites: list(code),
        documentTypes: list({ enum: [...documentTypes] }),
      },
    },
    from: {
      type: 'string',
      format: 'date-time',
      description: 'Start of the window (default: now).',
    },
    until: { type: 'string', format: 'date-time', description: 'End of the window.' },
    reason: { type: 'string', minLength: 3, maxLength: 2000 },
  },
} as const;

export const freezeRoutes = async (
  app: FastifyInstance,
  { freezes }: { freezes: FreezeRegistry },
) => {
  app.get('/freezes', {
    config: { roles: ['architect', 'operator', 'auditor'] },
    schema: {
      summary: 'Cutover freezes, active and past',
      tags: ['routing'],
      response: {
        200: freezeResponses.list,
        401: p[401],
        403: p[403]('architect, operator, auditor'),
        429: p[429],
      },
    },
    handler: async () => {
      await freezes.refresh();
      const now = Date.now();
      return {
        freezes: freezes.list().map((f) => ({
          ...f,
          active: !f.lifted && Date.parse(f.from) <= now && now < Date.parse(f.until),
        })),
      };
    },
  });

  app.post('/freezes', {
    config: { roles: ['architect'] },
    schema: {
      summary: 'Freeze a scope for a cutover window (new commands get 423)',
      tags: ['routing'],
      body: freezeBody,
      response: {
        201: freezeResponses.created,
        400: p[400]('/v1/admin/freezes', '/until', 'until is required.'),
        401: p[401],
        403: p[403]('architect'),
        422: p[422]('The window ends before it starts.', freezeResponses.invalid),
        429: p[429],
      },
    },
    handler: async (request, reply) => {
      const body = request.body as {
        scope: FreezeScope;
        from?: string;
        until: string;
        reason: string;
      };
      const from = body.from ? Date.parse(body.from) : Date.now();
      if (Date.parse(body.until) <= from) {
        throw new HttpProblem(
          422,
          'invalid-freeze',
          'Invalid freeze',
          '"until" must be after the start of the window.',
          {
            errors: [{ pointer: '/until', detail: 'must be after from (or now)', in: 'body' }],
          },
        );
      }
      const freeze = await freezes.freeze(body, {
        clientId: request.principal?.clientId ?? 'unknown',
        keyId: request.principal?.keyId,
      });
      return reply
        .code(201)
        .header('location', `/v1/admin/freezes/${freeze.freezeId}`)
        .send(freeze);
    },
  });

  app.post('/freezes/:freezeId/lift', {
    config: { roles: ['architect'] },
    schema: {
      summary: 'Lift a freeze before its window ends',
      tags: ['routing'],
      params: {
        type: 'object',
        required: ['freezeId'],
        properties: { freezeId: { type: 'string', format: 'uuid' } },
      },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 3, maxLength: 2000 } },
      },
      response: {
        200: freezeResponses.lifted,
        400: p[400](
          '/v1/admin/freezes/not-a-uuid/lift',
          '/freezeId',
          'freezeId must be a UUID.',
          'path',
        ),
        401: p[401],
        403: p[403]('architect'),
        404: p[404]('No such freeze.', freezeResponses.notFound),
        429: p[429],
      },
    },
    handler: async (request) => {
      const { freezeId } = request.params as { freezeId: string };
      const lifted = await freezes.lift(freezeId, (request.body as { reason: string }).reason, {
        clientId: request.principal?.clientId ?? 'unknown',
        keyId: request.principal?.keyId,
      });
      if (!lifted)
        throw new HttpProblem(404, 'freeze-not-found', 'Not found', `No freeze ${freezeId}.`);
      return lifted;
    },
  });
};
