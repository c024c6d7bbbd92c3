/** What follows the log in this instance: consumers' progress, lag and parked events. */
import type { FastifyInstance } from 'fastify';
import type { ConsumerDirectory } from '../../../consumers/directory.js';
import { adminProblems as p } from './responses.js';

const position = { type: ['string', 'null'], description: 'A log position (decimal).' };
const consumerSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    phase: {
      enum: ['starting', 'standby', 'catching-up', 'live', 'retrying', 'stopped', 'failed'],
    },
    position,
    head: position,
    behind: { ...position, description: 'Positions between the checkpoint and the head.' },
    caughtUp: { type: 'boolean' },
    owner: { type: ['string', 'null'], description: 'Who holds the lease (runs it).' },
    handled: { type: 'integer' },
    parked: { type: 'integer' },
    lastError: {
      type: ['object', 'null'],
      properties: {
        message: { type: 'string' },
        at: { type: 'string' },
        attempt: { type: 'integer' },
      },
    },
  },
} as const;
const parkedSchema = {
  type: 'object',
  properties: {
    consumer: { type: 'string' },
    position: { type: 'string' },
    eventId: { type: 'string' },
    streamName: { type: 'string' },
    eventType: { type: 'string' },
    error: { type: 'string', description: 'Why the event kept failing.' },
    attempts: { type: 'integer' },
    parkedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const example = {
  consumers: [
    {
      name: 'registries',
      phase: 'live',
      position: '48213',
      head: '48213',
      behind: '0',
      caughtUp: true,
      owner: 'this-process',
      handled: 57,
      parked: 0,
      lastError: null,
    },
    {
      name: 'dispatcher',
      phase: 'retrying',
      position: '48190',
      head: '48213',
      behind: '23',
      caughtUp: false,
      owner: 'gw-1:4182:7f3a',
      handled: 48102,
      parked: 1,
      lastError: {
        message: 'consumer database is locked',
        at: '2026-11-02T14:31:07.000Z',
        attempt: 2,
      },
    },
  ],
  parked: [
    {
      consumer: 'dispatcher',
      position: '47711',
      eventId: '0b7e4c52-3d1a-4f0e-9a51-6c2f8e9d1a37',
      streamName: 'PurchaseOrder-ACME-US/4500012345',
      eventType: 'PurchaseOrderChanged',
      error: 'Unknown item BRG-6204-2RS for target legacy',
      attempts: 6,
      parkedAt: '2026-11-02T14:30:12.000Z',
    },
  ],
};

const text = (value: bigint | null) => (value === null ? null : value.toString());

export const consumerRoutes = async (
  app: FastifyInstance,
  { consumers }: { consumers: ConsumerDirectory },
) => {
  app.get('/consumers', {
    config: { roles: ['operator', 'auditor', 'architect'] },
    schema: {
      summary: 'Consumers following the log in this instance, and the events they parked',
      description:
        'Each consumer (the registries, the dispatcher, projectors) with its phase, checkpoint, lag behind the log head, lease holder and last error; and every event a consumer parked after it kept failing, with its error.',
      tags: ['operations'],
      // No parameters: an unknown one is refused, not ignored.
      querystring: { type: 'object', additionalProperties: false, properties: {} },
      response: {
        200: {
          type: 'object',
          description: 'Every consumer of this instance, and the events they parked.',
          properties: {
            consumers: { type: 'array', items: consumerSchema },
            parked: { type: 'array', items: parkedSchema },
          },
          examples: [example],
        },
        401: p[401],
        403: p[403]('operator, auditor, architect'),
        429: p[429],
      },
    },
    handler: async () => {
      const [reports, parked] = await Promise.all([consumers.report(), consumers.parked()]);
      return {
        consumers: reports.map((report) => ({
          ...report,
          position: text(report.position),
          head: text(report.head),
          behind: text(report.behind),
        })),
        parked: parked.map((event) => ({
          ...event,
          position: event.position.toString(),
          parkedAt: event.parkedAt.toISOString(),
        })),
      };
    },
  });
};
