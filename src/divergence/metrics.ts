/**
 * Dual-write figures in /metrics: comparisons and divergences per scope (document type and
 * company) and the divergence rate, folded from the DualWrite streams at each scrape (only
 * what is new), so any instance answers them. Registered on the registry the metrics plugin
 * exposes (src/delivery/metrics.ts).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, type Registry } from 'prom-client';
import type { EventStore } from '../ports/eventStore.js';
import { DivergenceTally } from './list.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The prom-client registry /metrics answers from. */
    metricsRegistry?: Registry;
  }
}

export const divergenceMetricsPlugin = fp(
  async (app: FastifyInstance, { store }: { store: EventStore }) => {
    const registry = app.metricsRegistry;
    if (!registry) throw new Error('The metrics plugin must be registered first.');
    const tally = new DivergenceTally();
    const labelNames = ['document_type', 'company'];
    const perScope = (
      name: string,
      help: string,
      value: (t: { compared: number; diverged: number }) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          await tally.refresh(store);
          this.reset();
          for (const t of tally.scopes.values()) {
            this.set({ document_type: t.documentType, company: t.company }, value(t));
          }
        },
      });
    perScope(
      'coexist_dual_write_comparisons',
      'Dual-write comparisons recorded (primary and shadow answers to one command), per scope.',
      (t) => t.compared,
    );
    perScope(
      'coexist_dual_write_divergences',
      'Dual-write comparisons whose normalised answers differed, per scope.',
      (t) => t.diverged,
    );
    perScope(
      'coexist_dual_write_divergence_rate',
      'Share of dual-write comparisons that diverged, per scope (0 to 1).',
      (t) => (t.compared ? t.diverged / t.compared : 0),
    );
  },
  { name: 'coexist-divergence-metrics', dependencies: ['coexist-metrics'] },
);
