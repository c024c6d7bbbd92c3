/**
 * `/metrics` in Prometheus text format (prom-client), for operators: deliveries by target,
 * document type and outcome, attempt latency, backlog and oldest pending age per target, dead
 * letters, breaker state, each consumer's lag and parked events, plus HTTP request counts and
 * latency and the process's own metrics.
 * Delivery figures are read from the delivery streams (folded incrementally at each scrape,
 * keeping only deliveries not yet delivered), so every instance answers them, whichever holds
 * the dispatcher's lease.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { hasAnyRole } from '../auth/principal.js';
import type { ConsumerDirectory, ConsumerReport } from '../consumers/directory.js';
import { HttpProblem } from '../http/problem.js';
import { adminProblems } from '../http/routes/admin/responses.js';
import type { EventStore } from '../ports/eventStore.js';
import { deliveryEventTypes } from './records.js';
import { DeliveryView } from './view.js';

const outcomeOf: Record<string, string> = {
  [deliveryEventTypes.succeeded]: 'delivered',
  [deliveryEventTypes.attemptFailed]: 'failed',
  [deliveryEventTypes.deadLettered]: 'dead-lettered',
  // Closed by an operator (or, skipped, by a gate): no attempt, but how the delivery ended.
  [deliveryEventTypes.resolved]: 'resolved',
  [deliveryEventTypes.skipped]: 'skipped',
};
const breakerStates = ['closed', 'open', 'half-open', 'isolated'];

export interface MetricsOptions {
  store: EventStore;
  consumers?: ConsumerDirectory;
  /** A token a Prometheus scraper sends instead of an operator's API key (none: keys only). */
  scrapeToken?: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Who may scrape: the scrape token (compared in constant time, on digests so that its length
 * does not show either), or a principal with the operator role. Undefined when allowed, else
 * the 401 or 403 problem.
 */
const scrapeCheck = (scrapeToken: string | undefined) => {
  const expected = scrapeToken ? digest(scrapeToken) : null;
  return (request: FastifyRequest): HttpProblem | undefined => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (expected && token && timingSafeEqual(digest(token), expected)) return undefined;
    if (request.principal) {
      if (hasAnyRole(request.principal, ['operator'])) return undefined;
      return new HttpProblem(
        403,
        'missing-role',
        'Forbidden',
        'This endpoint requires the operator role or the scrape token.',
      );
    }
    return new HttpProblem(
      401,
      'unauthenticated',
      'Authentication required',
      token
        ? 'Neither a valid API key nor the scrape token.'
        : 'Send an operator API key or the scrape token as "Authorization: Bearer <token>".',
      {},
      { 'www-authenticate': 'Bearer realm="coexist"' },
    );
  };
};

const metricsResponses = {
  200: {
    description: 'Prometheus text exposition format (version 0.0.4).',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example:
          '# HELP coexist_delivery_outcomes_total Delivery attempts finished, by target, document type and outcome.\n# TYPE coexist_delivery_outcomes_total counter\ncoexist_delivery_outcomes_total{target="legacy",document_type="purchaseOrder",outcome="delivered"} 42\n',
      },
    },
  },
  401: adminProblems[401],
  403: adminProblems[403]('operator (or the scrape token)'),
  429: adminProblems[429],
};

export const metricsPlugin = fp(
  async (app: FastifyInstance, { store, consumers, scrapeToken }: MetricsOptions) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'coexist_' });
    const registers = [registry];
    app.decorate('metricsRegistry', registry); // other concepts' metrics join it (divergences)

    if (consumers) {
      // Read at each scrape from the consumers this instance runs (registries, dispatcher).
      const perConsumer = (name: string, help: string, value: (r: ConsumerReport) => number) =>
        new Gauge({
          name,
          help,
          labelNames: ['consumer'],
          registers,
          async collect() {
            this.reset();
            for (const report of await consumers.report()) {
              this.set({ consumer: report.name }, value(report));
            }
          },
        });
      perConsumer(
        'coexist_consumer_lag_positions',
        'Log positions between a consumer checkpoint and the log head (events, on the embedded store).',
        (report) => Number(report.behind ?? 0n),
      );
      perConsumer(
        'coexist_consumer_parked_events',
        'Events a consumer parked after they kept failing.',
        (report) => report.parked,
      );
    }

    const requests = new Counter({
      name: 'coexist_http_requests_total',
      help: 'HTTP requests answered, by method, route and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    const requestSeconds = new Histogram({
      name: 'coexist_http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    // Every answered request records both: the labelled series are looked up once per method,
    // route and status and kept, instead of prom-client hashing a label object each time.
    const series = new Map<
      string,
      {
        count: ReturnType<typeof requests.labels>;
        seconds: ReturnType<typeof requestSeconds.labels>;
      }
    >();
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${request.method} ${reply.statusCode} ${route}`;
      let labelled = series.get(key);
      if (!labelled) {
        labelled = {
          count: requests.labels(request.method, route, String(reply.statusCode)),
          seconds: requestSeconds.labels(request.method, route),
        };
        series.set(key, labelled);
      }
      labelled.count.inc();
      labelled.seconds.observe(reply.elapsedTime / 1000);
      done();
    });

    const outcomes = new Counter({
      name: 'coexist_delivery_outcomes_total',
      help: 'Delivery attempts finished, and deliveries an operator resolved or skipped, by target, document type and outcome.',
      labelNames: ['target', 'document_type', 'outcome'],
      registers,
    });
    const attemptSeconds = new Histogram({
      name: 'coexist_delivery_attempt_duration_seconds',
      help: 'Time an ERP took to answer a delivery attempt.',
      labelNames: ['target', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    // The backlog only (memory follows it, not the history); outcomes are counted as they are
    // recorded from the moment this process starts, as Prometheus counters go (a restart
    // resets them, which rate() and increase() expect).
    const view = new DeliveryView({
      retain: 'unfinished',
      observer: (event, delivery) => {
        const outcome = outcomeOf[event.type];
        if (!outcome || !delivery) return;
        const target = delivery.target;
        outcomes.inc({ target, document_type: delivery.documentType, outcome });
        const duration = Number((event.data as { durationMs?: unknown }).durationMs);
        if (Number.isFinite(duration)) {
          attemptSeconds.observe({ target, outcome }, duration / 1000);
        }
      },
    });
    app.addHook('onReady', async () => {
      // A failure here is not fatal: the first scrape starts the view instead.
      await view.refresh(store).catch(() => undefined);
    });

    const backlog = new Gauge({
      name: 'coexist_delivery_backlog',
      help: 'Deliveries not delivered, by target and state.',
      labelNames: ['target', 'state'],
      registers,
    });
    const oldest = new Gauge({
      name: 'coexist_delivery_oldest_pending_age_seconds',
      help: 'Age of the oldest delivery still to be delivered (not dead-lettered), per target.',
      labelNames: ['target'],
      registers,
    });
    const deadLetters = new Gauge({
      name: 'coexist_delivery_dead_letters',
      help: 'Dead-lettered deliveries waiting for an operator, per target.',
      labelNames: ['target'],
      registers,
    });
    const breaker = new Gauge({
      name: 'coexist_delivery_breaker_state',
      help: "1 for each target's current circuit-breaker state.",
      labelNames: ['target', 'state'],
      registers,
    });

    /** Gauges from the delivery streams as they are now. */
    const measure = async () => {
      await view.refresh(store);
      backlog.reset();
      oldest.reset();
      deadLetters.reset();
      breaker.reset();
      const now = Date.now();
      const oldestByTarget = new Map<string, number>();
      for (const status of view.list()) {
        if (status.state === 'delivered' || status.state === 'skipped') continue;
        backlog.inc({ target: status.target, state: status.state });
        if (status.state === 'dead-lettered') {
          deadLetters.inc({ target: status.target });
          continue;
        }
        // Held by a gate (e.g. an invoice awaiting its goods) is the business waiting, not
        // delivery lagging: counted in the backlog, not in the oldest pending age.
        if (status.state === 'held') continue;
        const requested = Date.parse(status.requestedAt);
        const known = oldestByTarget.get(status.target);
        if (known === undefined || requested < known) oldestByTarget.set(status.target, requested);
      }
      for (const [target, requested] of oldestByTarget) {
        oldest.set({ target }, Math.max(0, (now - requested) / 1000));
      }
      for (const [target, { state }] of view.breakerStates) {
        for (const candidate of breakerStates) {
          breaker.set({ target, state: candidate }, candidate === state ? 1 : 0);
        }
      }
    };

    const allowed = scrapeCheck(scrapeToken);
    app.get('/metrics', {
      // Public to the auth hook, which would refuse a scrape token as an unknown API key; the
      // route's own check below lets in the token or an operator's key, and no one else.
      config: { public: true },
      onRequest: (request, _reply, done) => done(allowed(request)),
      schema: {
        summary: 'Prometheus metrics (an operator key, or the scrape token)',
        description:
          'Prometheus text format. Send an API key with the `operator` role, or the scrape token the gateway was started with (`COEXIST_METRICS_TOKEN`), as `Authorization: Bearer …`.',
        tags: ['operations'],
        response: metricsResponses,
      },
      handler: async (_request, reply) => {
        await measure();
        return reply.type(registry.contentType).send(await registry.metrics());
      },
    });
  },
  { name: 'coexist-metrics' },
);
