/**
 * Operators' view of delivery to the ERPs: the backlog and dead letters with their reasons,
 * one delivery with every attempt, replays (one, a filtered set under a cap, all; dry run),
 * and each target's circuit breaker. Reads are open to auditors too. Delivered deliveries are
 * answered for the documents delivered last (and those with a delivery still open); a
 * document's whole delivery history is its delivery status (status.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../../auth/principal.js';
import { replayDeliveries, setBreaker } from '../../../delivery/operations.js';
import { deliveryStates } from '../../../delivery/records.js';
import { DeliveryView } from '../../../delivery/view.js';
import { documentTypes } from '../../../domain/documents.js';
import type { EventStore } from '../../../ports/eventStore.js';
import type { ReadModelStore } from '../../../ports/readModelStore.js';
import { HttpProblem } from '../../problem.js';
import { finishedDeliveries, historyStates } from './deliveryHistory.js';
import { resolutionRoutes } from './deliveryResolutions.js';
import { deliveryResponses } from './deliveryResponses.js';

/**
 * The targets deliveries are made to. Another name is refused: a filter naming it would match
 * nothing, and a breaker set for it would be recorded and hold nothing back.
 */
const erpTarget = { enum: ['legacy', 'cloud'] } as const;
const reason = { type: 'string', minLength: 3, maxLength: 2000 } as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { enum: [...deliveryStates] },
    target: erpTarget,
    documentType: { enum: [...documentTypes] },
    // A string: query strings are not coerced; 1 to 1000.
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', default: '100' },
    after: {
      type: 'string',
      minLength: 1,
      maxLength: 2000,
      description: "`state=delivered` or `skipped`: the previous page's `next`.",
    },
  },
} as const;
const replayBody = {
  type: 'object',
  additionalProperties: false,
  description:
    'Exactly one of ids, filter or all: which dead letters to deliver again. A replay records `reason` with who asked; a dry run records nothing and needs none.',
  properties: {
    ids: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 200 },
    },
    filter: {
      type: 'object',
      additionalProperties: false,
      properties: { target: erpTarget, documentType: { enum: [...documentTypes] } },
    },
    all: { const: true },
    cap: { type: 'integer', minimum: 1, maximum: 10000, default: 100 },
    dryRun: { type: 'boolean', default: false },
    reason,
  },
  if: { required: ['dryRun'], properties: { dryRun: { const: true } } },
  else: { required: ['reason'], properties: { reason } },
} as const;

/** Delivered streams the routes still answer for, beyond every one not delivered yet. */
export const recentlyFinishedKept = 1_000;

export const deliveryRoutes = async (
  app: FastifyInstance,
  { store, readModels }: { store: EventStore; readModels?: ReadModelStore | undefined },
) => {
  // The backlog and the documents delivered last, not the history: memory and each request's
  // work follow what is open (the first request starts from the dispatcher's snapshot).
  const view = new DeliveryView({ retain: 'unfinished', recentlyFinished: recentlyFinishedKept });
  const reads = { roles: ['operator', 'auditor'] as Role[] };
  const tags = ['deliveries'];

  app.get('/deliveries', {
    config: reads,
    schema: {
      summary: 'Deliveries to the ERPs: backlog, retries, dead letters, by state, target, type',
      description: `Every delivery not yet delivered, by state. With \`state=delivered\` or \`skipped\`: every one ever, from the \`deliveries\` read model (which may trail the log by a moment), a page at a time (\`next\` → \`after\`); without read models, the deliveries of the ${recentlyFinishedKept.toLocaleString('en')} documents delivered last.`,
      tags,
      querystring: listQuery,
      response: deliveryResponses.list,
    },
    handler: async (request) => {
      const { limit, after, ...filter } = request.query as {
        state?: (typeof deliveryStates)[number];
        target?: string;
        documentType?: string;
        limit?: string;
        after?: string;
      };
      // Finished deliveries are history: the `deliveries` read model holds all of it.
      if (readModels && filter.state && historyStates.has(filter.state)) {
        return finishedDeliveries(readModels, filter, Number(limit ?? 100), after);
      }
      await view.refresh(store);
      const all = view.list(filter);
      return { total: all.length, deliveries: all.slice(0, Number(limit ?? 100)) };
    },
  });

  app.get('/deliveries/breakers', {
    config: reads,
    schema: {
      summary: "Each target's circuit breaker and the operator's last setting",
      tags,
      response: deliveryResponses.breakers,
    },
    handler: async () => {
      await view.refresh(store);
      const targets = new Set([...view.breakerStates.keys(), ...view.breakerSettings.keys()]);
      return {
        breakers: [...targets].map((t) => ({
          target: t,
          state: view.breakerStates.get(t)?.state ?? 'closed',
          since: view.breakerStates.get(t)?.at ?? null,
          setBy: view.breakerSettings.get(t) ?? null,
        })),
      };
    },
  });

  app.put('/deliveries/breakers/:target', {
    config: { roles: ['operator'] },
    schema: {
      summary: "Hold a target's breaker open (no deliveries) or close it (deliver again now)",
      tags,
      params: { type: 'object', required: ['target'], properties: { target: erpTarget } },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['state', 'reason'],
        properties: { state: { enum: ['open', 'closed'] }, reason },
      },
      response: deliveryResponses.setBreaker,
    },
    handler: async (request) => {
      const { target: name } = request.params as { target: string };
      const body = request.body as { state: 'open' | 'closed'; reason: string };
      const by = request.principal?.clientId ?? 'unknown';
      const keyId = request.principal?.keyId ?? null;
      return {
        target: name,
        ...(await setBreaker(store, name, body.state, by, body.reason, keyId)),
      };
    },
  });

  app.get('/deliveries/:id', {
    config: reads,
    schema: {
      summary: 'One delivery with every attempt, its timing and the ERP answer',
      description: `A delivery not yet delivered, of one of the ${recentlyFinishedKept.toLocaleString('en')} documents delivered last, or found through its request's idempotency claim while the store keeps it (EventStoreDB: always; SQLite: its retention window); older ones: the document's GET, or \`coexist dlq show\`.`,
      tags,
      params: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
      },
      response: deliveryResponses.one,
    },
    handler: async (request) => {
      const { id } = request.params as { id: string };
      await view.refresh(store);
      const hit = await view.lookUp(store, id);
      if (!hit) {
        throw new HttpProblem(404, 'delivery-not-found', 'Not found', `No delivery ${id}.`);
      }
      const { delivery, stream } = hit;
      return {
        ...view.statusOf(delivery, stream),
        stream: stream.name,
        attempts: delivery.attempts,
        replays: delivery.replays,
        correlationId: delivery.correlationId,
        commandId: delivery.commandId,
        parents: delivery.parents,
      };
    },
  });

  resolutionRoutes(app, store, view);

  app.post('/deliveries/replay', {
    config: { roles: ['operator'] },
    schema: {
      summary: 'Deliver dead letters again: by id, by filter, or all, under a cap; dry run first',
      tags,
      body: replayBody,
      response: deliveryResponses.replay,
    },
    handler: async (request) => {
      const body = request.body as {
        ids?: string[];
        filter?: { target?: string; documentType?: string };
        all?: true;
        cap: number;
        dryRun: boolean;
        reason?: string;
      };
      const named = (['ids', 'filter', 'all'] as const).filter((k) => body[k] !== undefined);
      if (named.length !== 1) {
        throw new HttpProblem(
          400,
          'invalid-request',
          'The request does not satisfy the contract',
          'Name exactly one of ids, filter or all.',
          {
            errors: (named.length ? named : ['ids']).map((k) => ({
              pointer: `/${k}`,
              detail: 'exactly one of ids, filter or all is required',
              in: 'body' as const,
            })),
          },
        );
      }
      const selection = body.ids
        ? { ids: body.ids }
        : body.filter
          ? { filter: body.filter }
          : { all: true as const };
      return replayDeliveries(store, view, {
        selection,
        cap: body.cap,
        dryRun: body.dryRun,
        reason: body.reason ?? '', // only a dry run comes without one, and records nothing
        by: request.principal?.clientId ?? 'unknown',
        keyId: request.principal?.keyId ?? null,
      });
    },
  });
};
