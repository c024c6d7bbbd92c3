/**
 * Effectively once through a flaky ERP: the sandbox (a process of its own) answers 30 % of
 * requests with a 5xx, half of the failed writes after keeping them, and is slow; every
 * document, retried until acknowledged, is held exactly once (the sandbox's own records).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestConnector } from '../../../src/adapters/connectors/rest/connector.js';
import type { ErpDelivery, ErpResult } from '../../../src/ports/erpConnector.js';
import {
  countInSandbox,
  type SandboxProcess,
  startSandboxProcess,
} from '../../sandbox/cloudErpProcess.js';
import { journalEntry, purchaseOrderState, submitPo, supplierInvoice } from '../fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('REST connector through 30 % 5xx', () => {
  let sandbox: SandboxProcess;
  let connector: RestConnector;
  beforeAll(async () => {
    sandbox = await startSandboxProcess('errorRate=0.3,errorAfterWrite=0.5,latency=0-20');
    connector = new RestConnector(sandbox.connectorConfig());
  }, 60_000);
  afterAll(async () => {
    await connector?.close();
    await sandbox?.stop();
  });

  /** What the dispatcher does, in short: retry a transient failure until acknowledged. */
  const deliverUntilDone = async (delivery: ErpDelivery) => {
    let result: ErpResult = await connector.deliver(delivery);
    for (let attempt = 1; !result.ok && attempt < 60; attempt++) {
      if (result.error.kind === 'permanent') throw new Error(JSON.stringify(result.error));
      await sleep(Math.min(result.error.retryAfterMs ?? 20, 50));
      result = await connector.deliver(delivery);
    }
    return result;
  };

  it('delivers every document exactly once', async () => {
    const deliveries: ErpDelivery[] = [];
    for (let i = 0; i < 8; i++) {
      const po = purchaseOrderState();
      deliveries.push(submitPo(po), supplierInvoice(po.poNumber), journalEntry());
    }
    // Documents in parallel, each one's attempts in order (as the dispatcher runs them).
    const results = await Promise.all(
      [0, 1, 2].map(async (lane) => {
        const out: ErpResult[] = [];
        for (const delivery of deliveries.filter((_, i) => i % 3 === lane)) {
          out.push(await deliverUntilDone(delivery));
        }
        return out;
      }),
    );
    expect(results.flat().every((r) => r.ok)).toBe(true);
    const inspection = await sandbox.inspect();
    for (const delivery of deliveries) expect(countInSandbox(inspection, delivery)).toBe(1);
    expect(inspection.duplicates).toEqual({
      purchaseOrders: {},
      purchaseInvoices: {},
      journalDocuments: {},
    });
    expect(inspection.counts.purchaseInvoicesPosted).toBe(8);
    // The faults did happen, including writes kept whose answer was a 5xx.
    expect(inspection.requests.injected5xx).toBeGreaterThan(10);
    expect(inspection.requests.injectedAfterWrite).toBeGreaterThan(0);
  }, 120_000);
});
