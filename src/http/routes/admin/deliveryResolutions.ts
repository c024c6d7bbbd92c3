/**
 * Closing a delivery by hand (operator): `resolve` a dead letter done in the ERP by hand
 * (counts as delivered), or `skip` one that will never be delivered; what waits behind it
 * proceeds. Recorded with who, when, why (and the API key's id); an Idempotency-Key makes a
 * retried request answer the first one's resolution.
 */
import type { FastifyInstance } from 'fastify';
import {
  type ResolutionOutcome,
  ResolutionRefused,
  resolveDelivery,
} from '../../../delivery/resolutions.js';
import type { DeliveryView } from '../../../delivery/view.js';
import type { EventStore } from '../../../ports/eventStore.js';
import { HttpProblem } from '../../problem.js';
import { fingerprintOf } from '../../requestContext.js';
import { idempotencyKeyHeader, pathOf } from '../v1/commands.js';
import { resolutionResponses } from './deliveryResponses.js';

const reason = { type: 'string', minLength: 3, maxLength: 2000 } as const;
const params = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
const bodies: Record<ResolutionOutcome, object> = {
  resolved: {
    type: 'object',
    additionalProperties: false,
    required: ['reason'],
    properties: {
      reason,
      reference: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: "The ERP's reference of what was done there by hand.",
      },
    },
  },
  skipped: {
    type: 'object',
    additionalProperties: false,
    required: ['reason'],
    properties: { reason },
  },
};

export const resolutionRoutes = (app: FastifyInstance, store: EventStore, view: DeliveryView) => {
  const route = (action: 'resolve' | 'skip', outcome: ResolutionOutcome, summary: string) =>
    app.post(`/deliveries/:id/${action}`, {
      config: { roles: ['operator'] },
      schema: {
        summary,
        description:
          'Only a dead-lettered or held delivery (409 otherwise). Recorded as a `DeliveryResolutionRequested` event (who, when, why); the dispatcher then records `DeliveryResolved` or `DeliverySkipped` in the delivery and delivers what waited behind it.',
        tags: ['deliveries'],
        headers: idempotencyKeyHeader,
        params,
        body: bodies[outcome],
        response: resolutionResponses(action),
      },
      handler: async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as { reason: string; reference?: string };
        const by = request.principal?.clientId ?? 'unknown';
        const key = request.headers['idempotency-key'] as string;
        try {
          const { answer, replayed } = await resolveDelivery(store, view, {
            deliveryId: id,
            outcome,
            by,
            reason: body.reason,
            reference: body.reference ?? null,
            keyId: request.principal?.keyId ?? null,
            correlationId: request.correlationId ?? request.id,
            idempotency: {
              key: `${by}\u0000${key}`,
              fingerprint: fingerprintOf(
                request.method,
                pathOf(request.routeOptions.url, request.params as Record<string, string>),
                request.body,
              ),
            },
          });
          reply.header('idempotent-replayed', String(replayed));
          return answer;
        } catch (error) {
          if (error instanceof ResolutionRefused) {
            const title = error.status === 404 ? 'Not found' : 'Delivery not resolvable';
            throw new HttpProblem(error.status, error.code, title, error.message);
          }
          throw error;
        }
      },
    });

  route(
    'resolve',
    'resolved',
    'Resolve a dead letter done in the ERP by hand: it counts as delivered (operator)',
  );
  route('skip', 'skipped', 'Skip a dead letter: it will never be delivered (operator)');
};
