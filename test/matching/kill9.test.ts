/**
 * A real gateway process (`coexist start`) with its match process: tolerances set through the
 * CLI, and a kill -9 between receipts and the releases they cause. After a restart on the
 * same data folder no invoice is held for ever and none is released twice.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { coexist, type GatewayProcess, startGatewayProcess } from '../support/process.js';
import { invoice, order, receipt } from './harness.js';

const auth = { authorization: 'Bearer coexist-dev-key' };
const dataDir = mkdtempSync(join(tmpdir(), 'coexist-match-kill9-'));
const children: ChildProcess[] = [];
let gateway: GatewayProcess;
let keys = 0;

const start = async () => {
  gateway = await startGatewayProcess(dataDir);
  children.push(gateway.child);
};

const post = (collection: string, body: object) =>
  fetch(`${gateway.url}/v1/${collection}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `k9-${++keys}` },
    body: JSON.stringify(body),
  });

const matchOf = async (invoiceNumber: string) => {
  const response = await fetch(`${gateway.url}/v1/supplier-invoices/SUP-10023/${invoiceNumber}`, {
    headers: auth,
  });
  const view = (await response.json()) as { state: { match: { status: string } } };
  return view.state.match;
};

const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

/** Match events per invoice, read from the data folder itself. */
const recordedMatches = async () => {
  const store = getSqliteEventStore({ file: join(dataDir, 'events.sqlite') });
  const byInvoice = new Map<string, string[]>();
  try {
    for await (const event of store.readAll({
      filter: { streamCategories: ['SupplierInvoice'] },
    })) {
      if (!event.type.startsWith('Invoice')) continue;
      const list = byInvoice.get(event.streamName) ?? [];
      list.push(event.type);
      byInvoice.set(event.streamName, list);
    }
  } finally {
    await store.close();
  }
  return byInvoice;
};

const orders = ['K9-1', 'K9-2', 'K9-3', 'K9-4', 'K9-5', 'K9-6'];
const onOrder = <T extends object>(body: T, poNumber: string): T => ({
  ...body,
  lines: ((body as { lines: object[] }).lines ?? []).map((line) => ({ ...line, poNumber })),
});

beforeAll(start, 120_000);
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('coexist tolerances', () => {
  it('sets a company’s tolerances from the defaults, refines one supplier, and shows what is in force', async () => {
    const env = { COEXIST_URL: gateway.url, COEXIST_API_KEY: 'coexist-dev-key' };
    const set = await coexist(
      ['tolerances', 'set', '--company', 'ACME-MX', '--price-upper', '5', '--reason', 'MX policy'],
      env,
    );
    expect(set.stdout).toMatch(/Tolerances version 1 recorded for ACME-MX/);
    await coexist(
      [
        'tolerances',
        'set',
        '--company',
        'ACME-MX',
        '--supplier',
        'SUP-9',
        '--quantity-upper',
        '1',
        '--reason',
        'Bulk grease',
      ],
      env,
    );
    const shown = await coexist(
      ['tolerances', 'show', '--company', 'ACME-MX', '--supplier', 'SUP-9', '--json'],
      env,
    );
    // The supplier's setting started from the company's: its price limit is kept.
    expect(JSON.parse(shown.stdout)).toMatchObject({
      inForce: {
        source: 'supplier',
        version: 2,
        values: {
          price: { percent: { upper: '5' } },
          quantity: { percent: { upper: '1' } },
        },
      },
    });
    const table = await coexist(['tolerances', 'show'], env);
    expect(table.stdout).toMatch(/^version\s+company\s+supplier/m);
    const refused = (await coexist(
      ['tolerances', 'set', '--company', 'ACME-MX', '--price-upper', '-1', '--reason', 'x'],
      env,
    ).catch((error) => error)) as { code: number; stderr: string };
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--price-upper must be a non-negative decimal/);
  }, 120_000);
});

describe('kill -9 between receipts and releases', () => {
  it('releases every invoice once after the restart, none held for ever', async () => {
    for (const poNumber of orders) {
      expect((await post('purchase-orders', { ...order(), poNumber })).status).toBe(202);
      const body = onOrder(invoice(`INV-${poNumber}`, '495'), poNumber);
      expect((await post('supplier-invoices', body)).status).toBe(202);
    }
    for (const poNumber of orders) {
      await until(
        `INV-${poNumber} held`,
        async () => (await matchOf(`INV-${poNumber}`)).status === 'held',
      );
    }

    // The receipts that release them, all at once; the process dies as soon as they are accepted.
    const answers = await Promise.all(
      orders.map((poNumber) =>
        post('goods-receipts', onOrder(receipt(`GR-${poNumber}`, '495'), poNumber)),
      ),
    );
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    expect(answers.map((a) => a.status)).toEqual(orders.map(() => 202));

    const atKill = await recordedMatches();
    const releasedAtKill = [...atKill.values()].filter((types) =>
      types.includes('InvoiceReleased'),
    );
    // The kill came before at least one release: the window this test is about was hit.
    expect(releasedAtKill.length).toBeLessThan(orders.length);

    await start();
    for (const poNumber of orders) {
      await until(
        `INV-${poNumber} released`,
        async () => (await matchOf(`INV-${poNumber}`)).status === 'released',
      );
    }
    const after = await recordedMatches();
    for (const poNumber of orders) {
      expect({ poNumber, events: after.get(`SupplierInvoice-SUP-10023/INV-${poNumber}`) }).toEqual({
        poNumber,
        events: ['InvoiceHeld', 'InvoiceReleased'],
      });
    }
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }, 240_000);
});
