/**
 * Delivery to the cloud ERP end to end, every piece a real process: a gateway (`coexist
 * start`, documents routed `cloud`, the REST connector from COEXIST_CLOUD_ERP_CONFIG) and the
 * cloud-ERP sandbox (`coexist sandbox cloud-erp`). Counted in the sandbox's own records:
 * - the gateway killed with SIGKILL mid-delivery and restarted: every document held once;
 * - a 429 storm (quota 50 requests per 10 s) with 30 % 5xx: every document held once, and
 *   never more requests at once than the dispatcher's concurrency for the target;
 * - the same quota given to the gateway: it paces itself, and the sandbox counts no request
 *   beyond it in any window, through the same 5xx.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { example } from '../support/gateway.js';
import { startGatewayProcess } from '../support/process.js';
import { type SandboxProcess, startSandboxProcess } from './cloudErpProcess.js';

const auth = { authorization: 'Bearer coexist-dev-key' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Gateway {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

interface Quota {
  requests: number;
  windowMs: number;
  concurrent: number;
}

const setUp = (sandbox: SandboxProcess, concurrency: number, quota?: Quota) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'coexist-cloud-delivery-'));
  const configFile = join(dataDir, 'gateway.json');
  const deliveryFile = join(dataDir, 'delivery.json');
  // No rule set: every new document goes to the default target, the cloud ERP.
  writeFileSync(
    configFile,
    JSON.stringify({ routing: { defaultTarget: 'cloud', ruleSetFile: null } }),
  );
  writeFileSync(
    deliveryFile,
    JSON.stringify({
      policies: { default: { maxAttempts: 60, initialDelayMs: 100, maxDelayMs: 1_000 } },
      targets: {
        cloud: {
          concurrency,
          breaker: { consecutiveFailures: 1_000, halfOpenAfterMs: 500 },
          ...(quota ? { quota } : {}),
        },
      },
      leaseTtlMs: 1_000,
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    COEXIST_MODE: 'development',
    COEXIST_CLOUD_ERP_CONFIG: sandbox.connectorFile,
    COEXIST_DELIVERY_CONFIG: deliveryFile,
  };
  const gateways: Gateway[] = [];
  const start = async (): Promise<Gateway> => {
    const gateway = await startGatewayProcess(dataDir, env, {
      args: ['-c', configFile],
      startTimeoutMs: 60_000,
    });
    gateways.push(gateway);
    return gateway;
  };
  const cleanUp = async () => {
    for (const gateway of gateways) {
      if (gateway.child.exitCode === null && gateway.child.signalCode === null) {
        gateway.child.kill('SIGKILL');
        await gateway.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { start, cleanUp };
};

const post = async (url: string, collection: string, body: object) => {
  const response = await fetch(`${url}/v1/${collection}`, {
    method: 'POST',
    headers: {
      ...auth,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(202);
  return ((await response.json()) as { document: { url: string } }).document.url;
};

/** Purchase orders and journal entries with fresh numbers; their document URLs. */
const submitDocuments = async (url: string, tag: string, orders: number, entries: number) => {
  const documents: string[] = [];
  for (let i = 0; i < orders; i++) {
    documents.push(
      await post(url, 'purchase-orders', {
        ...example('purchase-order-submit'),
        poNumber: `${tag}-PO-${i}`,
      }),
    );
  }
  for (let i = 0; i < entries; i++) {
    documents.push(
      await post(url, 'journal-entries', {
        ...example('journal-entry'),
        entryNumber: `${tag}-JE-${i}`,
      }),
    );
  }
  return documents;
};

const deliveryOf = async (url: string, document: string) => {
  const view = (await (await fetch(`${url}${document}`, { headers: auth })).json()) as {
    deliveries: Array<{ target: string; state: string; deliveries?: Array<{ id: string }> }>;
  };
  return view.deliveries.find((d) => d.target === 'cloud');
};

const waitUntilDelivered = async (url: string, documents: string[], timeoutMs: number) => {
  const started = Date.now();
  for (;;) {
    const states = await Promise.all(documents.map(async (d) => (await deliveryOf(url, d))?.state));
    const dead = states.indexOf('dead-lettered');
    if (dead >= 0)
      throw new Error(
        `dead letter: ${JSON.stringify(await deliveryOf(url, documents[dead] as string))}`,
      );
    if (states.every((s) => s === 'delivered')) return;
    if (Date.now() - started > timeoutMs)
      throw new Error(`not delivered in time: ${states.join(', ')}`);
    await sleep(250);
  }
};

const held = async (sandbox: SandboxProcess, tag: string) => {
  const inspection = await sandbox.inspect();
  return {
    inspection,
    orders: inspection.documents.purchaseOrders
      .map((po) => po.number)
      .filter((n) => n.startsWith(tag)),
    entries: inspection.documents.journalPostings
      .map((p) => p.documentNumber)
      .filter((n) => n.startsWith(tag)),
  };
};

describe('delivery to the cloud ERP sandbox, gateway and sandbox in processes of their own', () => {
  const cleanUps: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanUp of cleanUps) await cleanUp();
  });

  it('the gateway killed mid-delivery and restarted: every document in the sandbox once', async () => {
    const sandbox = await startSandboxProcess('latency=40-120');
    cleanUps.push(sandbox.stop);
    const { start, cleanUp } = setUp(sandbox, 4);
    cleanUps.unshift(cleanUp);
    const first = await start();
    const tag = `K9C${Date.now().toString(36)}`;
    const documents = await submitDocuments(first.url, tag, 8, 4);
    // Killed as soon as the sandbox holds a first document: deliveries are under way.
    for (let i = 0; ; i++) {
      const { orders, entries } = await held(sandbox, tag);
      if (orders.length + entries.length > 0) break;
      if (i > 600) throw new Error('nothing reached the sandbox');
      await sleep(50);
    }
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start();
    await waitUntilDelivered(second.url, documents, 120_000);
    const { inspection, orders, entries } = await held(sandbox, tag);
    expect(orders.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `${tag}-PO-${i}`).sort());
    expect(entries.sort()).toEqual(Array.from({ length: 4 }, (_, i) => `${tag}-JE-${i}`).sort());
    expect(inspection.duplicates).toEqual({
      purchaseOrders: {},
      purchaseInvoices: {},
      journalDocuments: {},
    });
    // An attempt started before the kill has no outcome: the restart finished what it began.
    let interrupted = 0;
    for (const document of documents) {
      const id = (await deliveryOf(second.url, document))?.deliveries?.[0]?.id;
      const detail = (await (
        await fetch(`${second.url}/v1/admin/deliveries/${id}`, { headers: auth })
      ).json()) as { attempts: Array<{ outcome?: string }> };
      if (detail.attempts.some((a) => a.outcome === undefined)) interrupted++;
    }
    expect(interrupted).toBeGreaterThan(0);
  }, 240_000);

  it('a 429 storm (50 requests per 10 s) with 30 % 5xx: every document once, never more than the concurrency', async () => {
    const sandbox = await startSandboxProcess(
      'quota=50/10s,concurrency=5,errorRate=0.3,latency=0-20',
    );
    cleanUps.push(sandbox.stop);
    const { start, cleanUp } = setUp(sandbox, 4);
    cleanUps.unshift(cleanUp);
    const gateway = await start();
    const tag = `STORM${Date.now().toString(36)}`;
    const documents = await submitDocuments(gateway.url, tag, 12, 6);
    await waitUntilDelivered(gateway.url, documents, 200_000);
    const { inspection, orders, entries } = await held(sandbox, tag);
    expect(orders).toHaveLength(12);
    expect(new Set(orders).size).toBe(12);
    expect(entries).toHaveLength(6);
    expect(new Set(entries).size).toBe(6);
    expect(inspection.duplicates).toEqual({
      purchaseOrders: {},
      purchaseInvoices: {},
      journalDocuments: {},
    });
    expect(inspection.quota.throttled).toBeGreaterThan(0);
    expect(inspection.requests.injected5xx).toBeGreaterThan(0);
    expect(inspection.quota.maxConcurrent).toBeLessThanOrEqual(4);
  }, 300_000);

  it("paced within the target's quota (50 requests per 10 s): the sandbox never counts more in any window", async () => {
    const sandbox = await startSandboxProcess(
      'quota=50/10s,concurrency=5,errorRate=0.3,latency=0-20',
    );
    cleanUps.push(sandbox.stop);
    const { start, cleanUp } = setUp(sandbox, 4, { requests: 50, windowMs: 10_000, concurrent: 4 });
    cleanUps.unshift(cleanUp);
    const gateway = await start();
    const tag = `PACE${Date.now().toString(36)}`;
    const documents = await submitDocuments(gateway.url, tag, 12, 6);
    await waitUntilDelivered(gateway.url, documents, 200_000);
    const { inspection, orders, entries } = await held(sandbox, tag);
    expect(new Set(orders).size).toBe(12);
    expect(new Set(entries).size).toBe(6);
    expect(inspection.duplicates).toEqual({
      purchaseOrders: {},
      purchaseInvoices: {},
      journalDocuments: {},
    });
    // More requests than one window allows were needed, and none was ever over the quota.
    expect(inspection.requests.requests).toBeGreaterThan(50);
    expect(inspection.quota.maxRequestsInAnyWindow).toBeLessThanOrEqual(50);
    expect(inspection.quota.throttled).toBe(0);
  }, 300_000);
});
