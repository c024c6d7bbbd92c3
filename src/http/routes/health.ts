/**
 * Liveness and readiness for load balancers and orchestrators: public, and telling nothing
 * an anonymous caller should not know.
 */
import type { FastifyInstance } from 'fastify';
import type { EventStore } from '../../ports/eventStore.js';
import { HttpProblem } from '../problem.js';

export const healthRoutes = async (app: FastifyInstance, { store }: { store: EventStore }) => {
  app.get('/health/live', { config: { public: true }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get('/health/ready', { config: { public: true }, schema: { hide: true } }, async () => {
    try {
      await store.readStream('coexist-health', { maxCount: 1 });
    } catch {
      throw new HttpProblem(503, 'not-ready', 'Not ready', 'The event store is not reachable.');
    }
    return { status: 'ready' };
  });
};
