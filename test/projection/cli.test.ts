/**
 * `coexist projections status|rebuild` against a running gateway process: the rebuild builds
 * beside the live read model while the gateway serves, switches, and the gateway's projector
 * follows the new generation (new writes show up in lists).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devApiKey } from '../../src/config/config.js';
import { until } from '../eventStore/conformance.js';
import { example } from '../support/gateway.js';
import { coexist, type GatewayProcess, startGatewayProcess } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-projections-cli-'));
let gateway: GatewayProcess;
const headers = { authorization: `Bearer ${devApiKey}`, 'content-type': 'application/json' };

const submit = (poNumber: string) =>
  fetch(`${gateway.url}/v1/purchase-orders`, {
    method: 'POST',
    headers: { ...headers, 'idempotency-key': `cli-${poNumber}` },
    body: JSON.stringify({ ...example('purchase-order-submit'), poNumber }),
  });
const listed = async () => {
  const response = await fetch(`${gateway.url}/v1/purchase-orders?limit=200`, { headers });
  if (response.status !== 200) return [];
  const body = (await response.json()) as { items: { key: { poNumber: string } }[] };
  return body.items.map((item) => item.key.poNumber);
};
const status = async () =>
  JSON.parse(
    (await coexist(['projections', 'status', '--json', '--data-dir', dataDir])).stdout,
  ) as {
    name: string;
    live: { storage: string } | null;
    lag: string | null;
  }[];

beforeAll(async () => {
  gateway = await startGatewayProcess(dataDir);
  for (let i = 0; i < 20; i++) expect((await submit(`CLI-${i}`)).status).toBe(202);
  let count = 0;
  const poll = setInterval(() => {
    listed().then((items) => {
      count = items.length;
    });
  }, 50);
  try {
    await until(() => count === 20, 'the gateway lists what it accepted', 15_000);
  } finally {
    clearInterval(poll);
  }
}, 60_000);

afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('coexist projections', () => {
  it('reports each read model live, with its position and lag', { timeout: 60_000 }, async () => {
    const reports = await status();
    expect(reports.map((r) => r.name)).toEqual([
      'documents',
      'documentStates',
      'eventIndex',
      'routingCoverage',
      'deliveries',
      'generalLedger',
      'heldInvoices',
    ]);
    for (const report of reports) {
      expect(report.live).not.toBeNull();
      expect(report.lag).toBe('0');
    }
  });

  it('rebuilds a read model while the gateway serves; the gateway then follows the new one', async () => {
    const before = (await status()).find((r) => r.name === 'documents')?.live?.storage;
    const { stdout } = await coexist([
      'projections',
      'rebuild',
      'documents',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    const result = JSON.parse(stdout) as { storage: string; handled: number };
    expect(result.handled).toBeGreaterThanOrEqual(40);
    expect(result.storage).not.toBe(before);
    expect((await status()).find((r) => r.name === 'documents')?.live?.storage).toBe(
      result.storage,
    );
    expect(await listed()).toHaveLength(20);

    expect((await submit('CLI-after')).status).toBe(202);
    let items: string[] = [];
    const poll = setInterval(() => {
      listed().then((found) => {
        items = found;
      });
    }, 50);
    try {
      await until(() => items.includes('CLI-after'), 'a write after the rebuild is listed', 15_000);
    } finally {
      clearInterval(poll);
    }
  }, 90_000);

  it('rebuilds every read model in one pass with --all; each switches, and lists still answer', async () => {
    const before = await status();
    const { stdout } = await coexist([
      'projections',
      'rebuild',
      '--all',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    const results = JSON.parse(stdout) as { model: string; storage: string }[];
    expect(results.map((r) => r.model)).toEqual(before.map((r) => r.name));
    const after = await status();
    for (const [n, result] of results.entries()) {
      expect(result.storage).not.toBe(before[n]?.live?.storage);
      expect(after[n]?.live?.storage).toBe(result.storage);
    }
    expect(await listed()).toContain('CLI-0');
  }, 90_000);

  it('names the read models when asked for an unknown one', { timeout: 60_000 }, async () => {
    await expect(
      coexist(['projections', 'rebuild', 'nope', '--data-dir', dataDir]),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/No read model "nope".*documents, documentStates, eventIndex/),
    });
  });

  it('refuses a data directory without events instead of creating an empty one', {
    timeout: 60_000,
  }, async () => {
    const mistyped = join(tmpdir(), `coexist-no-such-dir-${process.pid}`);
    for (const args of [
      ['projections', 'status', '--data-dir', mistyped],
      ['dlq', 'list', '--data-dir', mistyped],
    ]) {
      await expect(coexist(args), args.join(' ')).rejects.toMatchObject({
        stderr: expect.stringMatching(/No event store at .*coexist-no-such-dir.*check --data-dir/),
      });
      expect(existsSync(mistyped), args.join(' ')).toBe(false);
    }
  });
});
