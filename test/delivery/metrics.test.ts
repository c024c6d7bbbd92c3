/**
 * `/metrics` (Prometheus text, operators or the scrape token only): delivery outcomes by target and type, attempt
 * latency, backlog, dead letters and breaker state from the delivery streams, HTTP requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { permanent } from '../../src/ports/erpConnector.js';
import { startRegistries } from '../../src/registries/registries.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('/metrics', () => {
  it('counts outcomes, dead letters, backlog and requests, for operators only', async () => {
    h = await startHarness();
    h.connector.script('ACME-US/M-2', permanent('unknown-code', 'unknown item'));
    await h.submitPo('M-1');
    await h.submitPo('M-2');
    await h.receipt('M-2', 'GR-M-2');
    await h.until(() => h.history.list({ state: 'delivered' }).length === 1, 'M-1');
    await h.until(() => h.history.list({ state: 'dead-lettered' }).length === 1, 'M-2');
    // The receipt's request is recorded in a batch of its own, maybe after the order's dead letter.
    await h.until(
      () => h.history.list({ state: 'waiting-for-parent' }).length === 1,
      'GR-M-2 requested, waiting for its order',
    );
    const scrape = () =>
      h.gw.app.inject({ url: '/metrics', headers: { authorization: h.operator } });
    const response = await scrape();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toContain(
      'coexist_delivery_outcomes_total{target="legacy",document_type="purchaseOrder",outcome="delivered"} 1',
    );
    expect(text).toContain(
      'coexist_delivery_outcomes_total{target="legacy",document_type="purchaseOrder",outcome="dead-lettered"} 1',
    );
    expect(text).toContain('coexist_delivery_dead_letters{target="legacy"} 1');
    expect(text).toContain(
      'coexist_delivery_backlog{target="legacy",state="waiting-for-parent"} 1',
    );
    expect(text).toMatch(/coexist_delivery_oldest_pending_age_seconds\{target="legacy"\} \d/);
    expect(text).toMatch(
      /coexist_delivery_attempt_duration_seconds_count\{target="legacy",outcome="delivered"\} 1/,
    );
    expect(text).toMatch(
      /coexist_http_requests_total\{method="POST",route="\/v1\/purchase-orders",status="202"\} 2/,
    );
    // A second scrape folds only what is new: the counters do not double.
    expect((await scrape()).body).toContain(
      'coexist_delivery_outcomes_total{target="legacy",document_type="purchaseOrder",outcome="delivered"} 1',
    );
    const forbidden = await h.gw.app.inject({
      url: '/metrics',
      headers: { authorization: h.writer },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('lets in the scrape token or an operator key; 401 without either or with a wrong token, 403 for other roles', async () => {
    h = await startHarness();
    const registries = await startRegistries(h.gw.store);
    const token = 'scrape-7d1f0c9a4b2e';
    const app = await buildApp({
      config: resolveConfig({ dataDir: h.gw.dir }),
      store: h.gw.store,
      registry: registries.keys,
      router: ruleSetRouter(registries.rules, 'legacy'),
      rules: registries.rules,
      freezes: registries.freezes,
      metricsToken: token,
      logger: false,
    });
    try {
      const scrape = (authorization?: string) =>
        app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      const byToken = await scrape(`Bearer ${token}`);
      expect(byToken.statusCode).toBe(200);
      expect(byToken.body).toContain('# TYPE coexist_delivery_outcomes_total counter');
      expect((await scrape(h.operator)).statusCode).toBe(200);

      const none = await scrape();
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toContain('application/problem+json');
      expect(none.headers['www-authenticate']).toBe('Bearer realm="coexist"');
      const wrong = await scrape(`Bearer ${token}x`);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({
        status: 401,
        detail: expect.not.stringContaining(token),
      });
      const writer = await scrape(h.writer);
      expect(writer.statusCode).toBe(403);
      expect(writer.json()).toMatchObject({ status: 403 });
    } finally {
      await app.close();
      await registries.stop();
    }
    // Without a configured token, a token is just an unknown key.
    const plain = await h.gw.app.inject({
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(plain.statusCode).toBe(401);
  });
});
