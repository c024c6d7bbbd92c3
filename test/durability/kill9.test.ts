/**
 * An acknowledged write survives kill -9. A real gateway process on the SQLite store takes
 * concurrent writes, is SIGKILLed mid-load, restarted on the same data folder, and every
 * write it acknowledged must be there exactly once; retrying the unanswered ones with their
 * Idempotency-Keys must not duplicate anything either.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { example } from '../support/gateway.js';
import { startGatewayProcess } from '../support/process.js';

const auth = { authorization: 'Bearer coexist-dev-key' };
const dataDir = mkdtempSync(join(tmpdir(), 'coexist-kill9-'));
const children: ChildProcess[] = [];
const startServer = async () => {
  const gateway = await startGatewayProcess(dataDir);
  children.push(gateway.child);
  return gateway;
};

const submit = (url: string, poNumber: string) =>
  fetch(`${url}/v1/purchase-orders`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `key-${poNumber}` },
    body: JSON.stringify({ ...example('purchase-order-submit'), poNumber }),
  });

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('durability', () => {
  it('keeps every acknowledged write, once, across kill -9 mid-load', async () => {
    const first = await startServer();
    const acknowledged = new Set<string>();
    const attempted = new Set<string>();
    let next = 0;
    let killed = false;

    // 16 concurrent writers; the process is killed once 400 writes were acknowledged,
    // while the writers still have requests in flight.
    const writer = async () => {
      while (!killed) {
        const poNumber = `K9-${next++}`;
        attempted.add(poNumber);
        try {
          const response = await submit(first.url, poNumber);
          if (response.status === 202) acknowledged.add(poNumber);
          else throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        } catch (error) {
          if (!killed) throw error;
        }
        if (acknowledged.size >= 400 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    await first.exited;
    expect(acknowledged.size).toBeGreaterThanOrEqual(400);
    expect(attempted.size).toBeGreaterThan(acknowledged.size); // requests were in flight

    const second = await startServer();
    try {
      const company = String(example('purchase-order-submit').company);
      for (const poNumber of acknowledged) {
        const response = await fetch(`${second.url}/v1/purchase-orders/${company}/${poNumber}`, {
          headers: auth,
        });
        expect({ poNumber, status: response.status }).toEqual({ poNumber, status: 200 });
        const view = (await response.json()) as { events: Array<{ type: string }> };
        const types = view.events.map((e) => e.type);
        expect({ poNumber, types }).toEqual({
          poNumber,
          types: ['DocumentOwnershipAssigned', 'PurchaseOrderSubmitted'],
        });
      }
      // The client retries every write it never saw answered: each lands exactly once.
      for (const poNumber of attempted) {
        if (acknowledged.has(poNumber)) continue;
        const retry = await submit(second.url, poNumber);
        expect({ poNumber, status: retry.status }).toEqual({ poNumber, status: 202 });
        const view = (await (
          await fetch(`${second.url}/v1/purchase-orders/${company}/${poNumber}`, { headers: auth })
        ).json()) as { events: Array<{ type: string }> };
        expect(view.events.map((e) => e.type)).toEqual([
          'DocumentOwnershipAssigned',
          'PurchaseOrderSubmitted',
        ]);
      }
    } finally {
      second.child.kill('SIGTERM');
    }
  }, 120_000);
});
