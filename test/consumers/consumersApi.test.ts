/** Operators see every consumer's progress and the events parked after they kept failing. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getSqliteConsumerState,
  openConsumerDatabase,
} from '../../src/adapters/consumerState/sqlite.js';
import { startConsumer } from '../../src/consumers/consumer.js';
import { until } from '../eventStore/conformance.js';
import { json, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

interface Report {
  consumers: Array<{ name: string; phase: string; parked: number; behind: string | null }>;
  parked: Array<{ consumer: string; eventType: string; error: string; streamName: string }>;
}

describe('GET /v1/admin/consumers', () => {
  it('lists the consumers with their progress and every parked event with its error', async () => {
    const state = getSqliteConsumerState(openConsumerDatabase(join(gw.dir, 'consumers.sqlite')));
    await gw.store.appendToStream(
      'Poisoned-1',
      [{ id: crypto.randomUUID(), type: 'Unmappable', data: { n: 1 }, metadata: {} }],
      { expectedRevision: 'no_stream' },
    );
    const consumer = startConsumer(
      {
        name: 'picky',
        filter: { streamCategories: ['Poisoned'] },
        retry: { maxRetries: 1, initialDelayMs: 1, maxDelayMs: 2 },
        handler: {
          mode: 'at-least-once',
          handle: () => {
            throw new Error('no mapping for Unmappable');
          },
        },
      },
      { store: gw.store, state, owner: 'test', leaseTtlMs: null },
    );
    gw.consumers.add(consumer, state);
    try {
      await until(() => consumer.status().parked === 1, 'the event parked');
      await consumer.caughtUp();
      const operator = await gw.key('ops', ['operator']);
      const response = await gw.app.inject({
        url: '/v1/admin/consumers',
        headers: { authorization: operator },
      });
      expect(response.statusCode).toBe(200);
      const report = json<Report>(response);
      expect(report.consumers.map((c) => c.name)).toEqual(['registries', 'picky']);
      expect(report.consumers[0]).toMatchObject({ phase: 'live' });
      expect(report.consumers[1]).toMatchObject({ phase: 'live', parked: 1 });
      expect(report.parked).toEqual([
        expect.objectContaining({
          consumer: 'picky',
          eventType: 'Unmappable',
          streamName: 'Poisoned-1',
          error: 'no mapping for Unmappable',
        }),
      ]);

      const metrics = await gw.app.inject({
        url: '/metrics',
        headers: { authorization: operator },
      });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('coexist_consumer_parked_events{consumer="picky"} 1');
      expect(metrics.body).toMatch(/coexist_consumer_lag_positions\{consumer="registries"\} \d+/);

      const writer = await gw.key('erp', ['writer']);
      const refused = await gw.app.inject({
        url: '/v1/admin/consumers',
        headers: { authorization: writer },
      });
      expect(refused.statusCode).toBe(403);
    } finally {
      await consumer.stop();
      state.close();
    }
  });
});
