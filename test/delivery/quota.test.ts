/**
 * Per-target quota and priorities: a sliding window of requests and a concurrency limit that
 * the ERP never sees exceeded, whatever each request's latency; waiting requests taken by
 * priority with aging; and the dispatcher charging every request a metering connector makes
 * (a REST connector making 3 HTTP calls per document) and taking deliveries by priority.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rankOf } from '../../src/delivery/priority.js';
import { TargetQuota } from '../../src/delivery/quota.js';
import type { DeliveryContext, ErpDelivery, ErpResult } from '../../src/ports/erpConnector.js';
import { example, newKey } from '../support/gateway.js';
import { fastSettings, type Harness, ScriptedConnector, startHarness } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Most requests the server saw arrive within any window of `windowMs`. */
const worstWindow = (arrivals: number[], windowMs: number) => {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let worst = 0;
  for (const [i, t] of sorted.entries()) {
    worst = Math.max(worst, sorted.filter((u, j) => j <= i && u > t - windowMs).length);
  }
  return worst;
};

describe('TargetQuota', () => {
  it('never lets the ERP see more than the quota in any sliding window, nor more at once, whatever the latency', async () => {
    const quota = new TargetQuota('cloud', { requests: 5, windowMs: 300, concurrent: 2 }, 0);
    const arrivals: number[] = [];
    let open = 0;
    let mostOpen = 0;
    const started = Date.now();
    // Latencies vary (a slow request reaches the server late, a fast one early).
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        quota.run(
          async () => {
            open++;
            mostOpen = Math.max(mostOpen, open);
            const latency = [5, 60, 1, 30][i % 4] as number;
            await sleep(latency * (i % 2));
            arrivals.push(Date.now());
            await sleep(latency * ((i + 1) % 2));
            open--;
          },
          0,
          started,
        ),
      ),
    );
    expect(worstWindow(arrivals, 300)).toBeLessThanOrEqual(5);
    expect(mostOpen).toBe(2);
    expect(quota.started).toBe(16);
    // 16 requests at 5 per 300 ms: at least three full windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('takes waiting requests by priority, the oldest first among equals, and ages the low ones', async () => {
    let clock = 1_000_000;
    const quota = new TargetQuota(
      'cloud',
      { requests: 100, windowMs: 1, concurrent: 1 },
      1_000,
      () => clock,
    );
    const order: string[] = [];
    let release = () => {};
    const blocker = quota.run(
      () =>
        new Promise<void>((r) => {
          release = r;
        }),
      0,
      clock,
    );
    const job = (name: string, priority: number, since: number) =>
      quota.run(
        async () => {
          order.push(name);
        },
        priority,
        since,
      );
    const jobs = [
      job('po-old', 0, clock - 500),
      job('po-new', 0, clock),
      job('journal', 10, clock),
      job('po-starving', 0, clock - 20_000),
    ];
    expect(quota.waiting).toBe(4);
    clock += 5;
    await sleep(1); // the blocker's request has started
    release();
    await blocker;
    await Promise.all(jobs);
    // po-starving has waited 20 s: 20 aging steps outrank the journal's 10.
    expect(order).toEqual(['po-starving', 'journal', 'po-old', 'po-new']);
  });

  it('holds every request of the target while the ERP asked to wait (Retry-After)', async () => {
    const quota = new TargetQuota('cloud', { requests: 100, windowMs: 10, concurrent: 5 }, 0);
    quota.pause(150);
    const started = Date.now();
    await quota.run(async () => {}, 0, started);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('ranks a delivery by its type, plus one per aging period waited', () => {
    const at = Date.parse('2026-11-30T12:00:00Z');
    const rank = (documentType: string, requestedAt: string) =>
      rankOf({ journalEntry: 10 }, 60_000, { documentType, requestedAt }, at);
    expect(rank('journalEntry', '2026-11-30T12:00:00Z')).toBe(10);
    expect(rank('purchaseOrder', '2026-11-30T11:59:30Z')).toBe(0);
    expect(rank('purchaseOrder', '2026-11-30T11:49:00Z')).toBe(11);
  });
});

/** A REST-like connector: three HTTP requests per document, each through the budget. */
class MeteredConnector extends ScriptedConnector {
  readonly metersRequests = true;
  readonly requests: Array<{ at: number; key: string }> = [];
  private open = 0;
  mostOpen = 0;

  override async deliver(delivery: ErpDelivery, context?: DeliveryContext): Promise<ErpResult> {
    const key = Object.values(delivery.key).join('/');
    for (const step of ['token', 'lookup', 'create']) {
      await context?.budget.run(async () => {
        this.open++;
        this.mostOpen = Math.max(this.mostOpen, this.open);
        this.requests.push({ at: Date.now(), key: `${key}:${step}` });
        await sleep(3);
        this.open--;
      });
    }
    return super.deliver(delivery);
  }
}

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('the dispatcher under a quota', () => {
  it('charges every request a metering connector makes: 3 per document never exceed the window', async () => {
    const connector = new MeteredConnector('legacy');
    h = await startHarness(
      fastSettings({
        targets: {
          legacy: { concurrency: 8, quota: { requests: 6, windowMs: 400, concurrent: 2 } },
        },
      }),
      connector,
    );
    for (let i = 0; i < 6; i++) await h.submitPo(`Q-${i}`);
    await h.until(() => h.history.list({ state: 'delivered' }).length === 6, 'delivered', 20_000);
    expect(connector.requests).toHaveLength(18);
    expect(
      worstWindow(
        connector.requests.map((r) => r.at),
        400,
      ),
    ).toBeLessThanOrEqual(6);
    expect(connector.mostOpen).toBeLessThanOrEqual(2);
  });

  it('counts a delivery as one request when the connector does not meter its own', async () => {
    const connector = new ScriptedConnector('legacy');
    h = await startHarness(
      fastSettings({
        targets: {
          legacy: { concurrency: 8, quota: { requests: 2, windowMs: 300, concurrent: 8 } },
        },
      }),
      connector,
    );
    for (let i = 0; i < 6; i++) await h.submitPo(`N-${i}`);
    await h.until(() => h.history.list({ state: 'delivered' }).length === 6, 'delivered', 20_000);
    expect(
      worstWindow(
        connector.calls.map((c) => c.at),
        300,
      ),
    ).toBeLessThanOrEqual(2);
  });

  it('takes journal entries first when the quota is the bottleneck, each document still in order', async () => {
    const connector = new ScriptedConnector('legacy');
    h = await startHarness(
      fastSettings({
        targets: {
          legacy: {
            concurrency: 2,
            quota: { requests: 1, windowMs: 250, concurrent: 1 },
            priorities: { journalEntry: 10 },
          },
        },
      }),
      connector,
    );
    for (let i = 0; i < 5; i++) await h.submitPo(`P-${i}`);
    await h.changePo('P-0');
    const entry = example('journal-entry') as { entryNumber: string };
    for (const n of ['JE-1', 'JE-2']) {
      const response = await h.gw.app.inject({
        method: 'POST',
        url: '/v1/journal-entries',
        payload: { ...entry, entryNumber: n },
        headers: { authorization: h.writer, 'idempotency-key': newKey() },
      });
      expect(response.statusCode).toBe(202);
    }
    await h.until(() => h.history.list({ state: 'delivered' }).length === 8, 'all', 20_000);
    const order = connector.calls.map((c) => `${c.document}:${c.key}:${c.action}`);
    const position = (prefix: string) => order.findIndex((c) => c.startsWith(prefix));
    // The entries overtake the orders queued behind the quota...
    for (const je of ['journalEntry:ACME-US/JE-1', 'journalEntry:ACME-US/JE-2']) {
      expect(position(je)).toBeLessThan(position('purchaseOrder:ACME-US/P-4'));
    }
    // ...and an order's change never overtakes its submission.
    expect(position('purchaseOrder:ACME-US/P-0:submit')).toBeLessThan(
      position('purchaseOrder:ACME-US/P-0:change'),
    );
  });
});
