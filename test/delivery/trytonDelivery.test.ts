/**
 * Delivery to a real Tryton 6.0 through a real gateway process: killed with SIGKILL while it
 * delivers, restarted on the same data directory, and every purchase is in Tryton exactly once
 * (counted by reference); an unknown item is dead-lettered naming it, the crosswalk is fixed,
 * `coexist dlq replay` delivers it once.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrosswalkData } from '../../src/adapters/connectors/tryton/crosswalk.js';
import { TrytonRpc } from '../../src/adapters/connectors/tryton/rpc.js';
import {
  type PrivateTryton,
  prepareTryton,
  startPrivateTryton,
} from '../connectors/tryton/sandbox.js';
import { example } from '../support/gateway.js';
import { coexist, startGatewayProcess } from '../support/process.js';

const unavailable = prepareTryton();
const auth = { authorization: 'Bearer coexist-dev-key' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Gateway {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

describe.skipIf(unavailable !== null)(
  `delivery to Tryton 6.0 across kill -9${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  () => {
    let tryton: PrivateTryton;
    let rpc: TrytonRpc;
    let ctx: Record<string, unknown>;
    const dataDir = mkdtempSync(join(tmpdir(), 'coexist-delivery-tryton-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      COEXIST_MODE: 'development',
      COEXIST_TRYTON_CONFIG: join(dataDir, 'connector.json'),
      COEXIST_DELIVERY_CONFIG: join(dataDir, 'delivery.json'),
    };
    const gateways: Gateway[] = [];

    const startGateway = async (): Promise<Gateway> => {
      const gateway = await startGatewayProcess(dataDir, env);
      gateways.push(gateway);
      return gateway;
    };

    const submit = async (url: string, poNumber: string, item?: string) => {
      const body = example('purchase-order-submit') as { lines: Array<{ item: string }> };
      if (item) (body.lines[0] as { item: string }).item = item;
      const response = await fetch(`${url}/v1/purchase-orders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': poNumber },
        body: JSON.stringify({ ...body, poNumber }),
      });
      expect(response.status).toBe(202);
    };
    const deliveriesOf = async (url: string, poNumber: string) => {
      const response = await fetch(`${url}/v1/purchase-orders/ACME-US/${poNumber}`, {
        headers: auth,
      });
      return ((await response.json()) as { deliveries: Array<Record<string, unknown>> }).deliveries;
    };
    const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) => {
      const start = Date.now();
      while (!(await check())) {
        if (Date.now() - start > timeoutMs) {
          const url = gateways.at(-1)?.url;
          const backlog = url
            ? await (
                await fetch(`${url}/v1/admin/deliveries?limit=5&state=${'dead-lettered'}`, {
                  headers: auth,
                })
              ).text()
            : '';
          const breakers = url
            ? await (await fetch(`${url}/v1/admin/deliveries/breakers`, { headers: auth })).text()
            : '';
          throw new Error(`timed out: ${what}\n${backlog}\n${breakers}`);
        }
        await sleep(100);
      }
    };
    const purchases = (references: string[]) =>
      rpc.model<Array<{ reference: string; state: string; number: string }>>(
        'purchase.purchase',
        'search_read',
        [[['reference', 'in', references]], 0, null, null, ['reference', 'state', 'number']],
        ctx,
      );

    beforeAll(async () => {
      tryton = await startPrivateTryton();
      rpc = new TrytonRpc(tryton.config);
      ctx = await rpc.context(1);
      writeFileSync(env.COEXIST_TRYTON_CONFIG as string, JSON.stringify(tryton.config));
      writeFileSync(
        env.COEXIST_DELIVERY_CONFIG as string,
        JSON.stringify({
          policies: { default: { maxAttempts: 30, initialDelayMs: 200, maxDelayMs: 1_000 } },
          targets: { legacy: { concurrency: 4, breaker: { halfOpenAfterMs: 2_000 } } },
          leaseTtlMs: 1_000,
        }),
      );
    }, 120_000);

    afterAll(async () => {
      for (const gateway of gateways) {
        if (gateway.child.exitCode === null && gateway.child.signalCode === null) {
          gateway.child.kill('SIGKILL');
          await gateway.exited;
        }
      }
      await rpc?.close();
      await tryton?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('the gateway killed mid-delivery and restarted: every purchase in Tryton once', async () => {
      const first = await startGateway();
      const poNumbers = Array.from({ length: 6 }, (_, i) => `K9D-${Date.now()}-${i}`);
      for (const poNumber of poNumbers) await submit(first.url, poNumber);
      // Killed as soon as Tryton holds the first purchase: its delivery is under way.
      await waitUntil('a purchase in Tryton', async () => (await purchases(poNumbers)).length > 0);
      first.child.kill('SIGKILL');
      await first.exited;
      const atKill = await purchases(poNumbers);
      expect(atKill.length).toBeLessThan(poNumbers.length * 2);

      const second = await startGateway();
      await waitUntil('every order delivered', async () => {
        for (const poNumber of poNumbers) {
          const [legacy] = await deliveriesOf(second.url, poNumber);
          if (legacy?.state !== 'delivered') return false;
        }
        return true;
      });
      const found = await purchases(poNumbers);
      expect(found.map((p) => p.reference).sort()).toEqual([...poNumbers].sort());
      expect(new Set(found.map((p) => p.state))).toEqual(new Set(['processing']));
      // The records show it: an attempt started before the kill, with no outcome, then the
      // attempt that found the purchase and finished it.
      const interrupted = [];
      for (const poNumber of poNumbers) {
        const [legacy] = await deliveriesOf(second.url, poNumber);
        const delivery = (legacy?.deliveries as Array<{ id: string }> | undefined)?.[0] as {
          id: string;
        };
        const detail = (await (
          await fetch(`${second.url}/v1/admin/deliveries/${delivery.id}`, { headers: auth })
        ).json()) as { attempts: Array<{ outcome?: string }>; reference: string };
        expect(detail.reference).toBe(found.find((p) => p.reference === poNumber)?.number);
        if (detail.attempts.some((a) => a.outcome === undefined)) interrupted.push(poNumber);
      }
      expect(interrupted.length).toBeGreaterThan(0);
    }, 300_000);

    it('an unknown item: dead letter naming it, crosswalk fixed, coexist dlq replay, delivered once', async () => {
      const gateway = gateways.at(-1) ?? (await startGateway());
      const poNumber = `UNK-${Date.now()}`;
      const item = `NEW-ITEM-${Date.now()}`;
      await submit(gateway.url, poNumber, item);
      await waitUntil('dead letter', async () => {
        const [legacy] = await deliveriesOf(gateway.url, poNumber);
        return legacy?.state === 'dead-lettered';
      });
      const [legacy] = await deliveriesOf(gateway.url, poNumber);
      expect(legacy?.reason).toContain(item);
      expect(await purchases([poNumber])).toHaveLength(0);

      const crosswalk = JSON.parse(
        readFileSync(tryton.config.crosswalkFile, 'utf8'),
      ) as CrosswalkData;
      crosswalk.items[item] = crosswalk.items['BRG-6204-2RS'] as number;
      writeFileSync(tryton.config.crosswalkFile, JSON.stringify(crosswalk));

      const id = (legacy?.deliveries as Array<{ id: string }> | undefined)?.[0]?.id as string;
      const { stdout } = await coexist(
        ['dlq', 'replay', id, '--reason', 'item added to the crosswalk', '--data-dir', dataDir],
        env,
      );
      expect(stdout).toContain('Replayed 1 of 1');
      await waitUntil('delivered after the replay', async () => {
        const [after] = await deliveriesOf(gateway.url, poNumber);
        return after?.state === 'delivered';
      });
      const found = await purchases([poNumber]);
      expect(found).toHaveLength(1);
      expect(found[0]?.state).toBe('processing');
    }, 180_000);

    it('an order and its notice, receipt and invoice, posted back to back, reach Tryton in order', async () => {
      const gateway = gateways.at(-1) ?? (await startGateway());
      const stamp = Date.now();
      const poNumber = `CH-${stamp}`;
      await submit(gateway.url, poNumber);
      const post = async (collection: string, body: Record<string, unknown>) => {
        const response = await fetch(`${gateway.url}/v1/${collection}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify(body),
        });
        expect(response.status, await response.clone().text()).toBe(202);
        return (await response.json()) as { document: { url: string } };
      };
      const withPo = (name: string) => {
        const body = example(name) as { lines: Array<Record<string, unknown>> };
        return { ...body, lines: body.lines.map((line) => ({ ...line, poNumber })) };
      };
      const receiptTemplate = example('goods-receipt');
      const children = [
        await post('shipment-notices', { ...withPo('shipment-notice'), asnNumber: `ASN-${stamp}` }),
        await post('goods-receipts', {
          ...receiptTemplate,
          asnNumber: undefined,
          receiptNumber: `GR-${stamp}`,
          lines: [
            {
              lineNumber: 1,
              poNumber,
              poLineNumber: 10,
              item: 'BRG-6204-2RS',
              quantity: { value: '500', uom: 'EA' },
              lots: [{ lot: `L-${stamp}`, quantity: { value: '500', uom: 'EA' } }],
            },
            // The invoice bills the grease too: received, so its three-way match passes.
            {
              lineNumber: 2,
              poNumber,
              poLineNumber: 30,
              item: 'GRS-LGMT2-1KG',
              quantity: { value: '12', uom: 'CAN' },
            },
          ],
        }),
        await post('supplier-invoices', {
          ...withPo('supplier-invoice'),
          invoiceNumber: `INV-${stamp}`,
        }),
      ];
      const stateOf = async (url: string) => {
        const response = await fetch(`${gateway.url}${url}`, { headers: auth });
        const view = (await response.json()) as { deliveries: Array<Record<string, unknown>> };
        return view.deliveries[0];
      };
      await waitUntil('all four delivered', async () => {
        for (const url of [
          `/v1/purchase-orders/ACME-US/${poNumber}`,
          ...children.map((c) => c.document.url),
        ]) {
          const legacy = await stateOf(url);
          if (legacy?.state === 'dead-lettered')
            throw new Error(`dead letter: ${JSON.stringify(legacy)}`);
          if (legacy?.state !== 'delivered') return false;
        }
        return true;
      });
      for (const child of children)
        expect((await stateOf(child.document.url))?.reference).toBeTruthy();
      const order = await stateOf(`/v1/purchase-orders/ACME-US/${poNumber}`);
      const first = (target: Record<string, unknown> | undefined) =>
        (target?.deliveries as Array<{ id: string; deliveredAt: string }> | undefined)?.[0];
      const orderDelivered = Date.parse(first(order)?.deliveredAt as string);
      for (const child of children) {
        const legacy = await stateOf(child.document.url);
        const requested = first(legacy)?.id as string;
        const detail = (await (
          await fetch(`${gateway.url}/v1/admin/deliveries/${requested}`, { headers: auth })
        ).json()) as { attempts: Array<{ startedAt: string }> };
        // No child reached Tryton before its order was there.
        expect(Date.parse(detail.attempts[0]?.startedAt as string)).toBeGreaterThanOrEqual(
          orderDelivered,
        );
      }
    }, 180_000);

    it('the /docs story, example by example (submitted, changed, acknowledged, shipped, received, invoiced), is delivered end to end', async () => {
      const gateway = gateways.at(-1) ?? (await startGateway());
      const stamp = Date.now();
      const poNumber = `ST-${stamp}`;
      const asnNumber = `ASN-ST-${stamp}`;
      await submit(gateway.url, poNumber);
      const post = async (path: string, body: Record<string, unknown>) => {
        const response = await fetch(`${gateway.url}/v1/${path}`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify(body),
        });
        expect(response.status, await response.clone().text()).toBe(202);
        return (await response.json()) as { document: { url: string } };
      };
      const withPo = (name: string, extra: Record<string, unknown>) => {
        const body = example(name) as { lines: Array<Record<string, unknown>> };
        return { ...body, ...extra, lines: body.lines.map((line) => ({ ...line, poNumber })) };
      };
      const order = `purchase-orders/ACME-US/${poNumber}`;
      await post(`${order}/changes`, example('purchase-order-change'));
      await post(`${order}/acknowledgements`, example('purchase-order-acknowledgement'));
      const documents = [
        `/v1/${order}`,
        (await post('shipment-notices', withPo('shipment-notice', { asnNumber }))).document.url,
        (
          await post(
            'goods-receipts',
            withPo('goods-receipt', { asnNumber, receiptNumber: `GR-ST-${stamp}` }),
          )
        ).document.url,
        (
          await post(
            'supplier-invoices',
            withPo('supplier-invoice', { invoiceNumber: `INV-ST-${stamp}` }),
          )
        ).document.url,
      ];
      const legacyOf = async (url: string) => {
        const response = await fetch(`${gateway.url}${url}`, { headers: auth });
        return ((await response.json()) as { deliveries: Array<Record<string, unknown>> })
          .deliveries[0];
      };
      await waitUntil('the whole story delivered', async () => {
        for (const url of documents) {
          const legacy = await legacyOf(url);
          if (legacy?.state === 'dead-lettered') {
            throw new Error(`dead letter on ${url}: ${JSON.stringify(legacy.reason)}`);
          }
          if (legacy?.state !== 'delivered') return false;
        }
        return true;
      });
      const story = await legacyOf(documents[0] as string);
      const states = ((story?.deliveries ?? []) as Array<{ state: string }>).map((d) => d.state);
      expect(states).toEqual(['delivered', 'delivered', 'delivered']);
    }, 240_000);

    it("Tryton's process killed mid-run and restarted: retried, every purchase once", async () => {
      const gateway = gateways.at(-1) ?? (await startGateway());
      const poNumbers = Array.from({ length: 4 }, (_, i) => `TK-${Date.now()}-${i}`);
      for (const poNumber of poNumbers) await submit(gateway.url, poNumber);
      await waitUntil('a purchase in Tryton', async () => (await purchases(poNumbers)).length > 0);
      await tryton.kill();
      await sleep(1_500);
      await tryton.start();
      ctx = await rpc.context(1);
      await waitUntil('every order delivered', async () => {
        for (const poNumber of poNumbers) {
          const [legacy] = await deliveriesOf(gateway.url, poNumber);
          if (legacy?.state !== 'delivered') return false;
        }
        return true;
      });
      const found = await purchases(poNumbers);
      expect(found.map((p) => p.reference).sort()).toEqual([...poNumbers].sort());
      expect(new Set(found.map((p) => p.state))).toEqual(new Set(['processing']));
    }, 180_000);

    it("Prefer: wait=10 answers with Tryton's purchase number", async () => {
      const gateway = gateways.at(-1) ?? (await startGateway());
      const poNumber = `WAIT-${Date.now()}`;
      const response = await fetch(`${gateway.url}/v1/purchase-orders`, {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          'idempotency-key': poNumber,
          prefer: 'wait=10',
        },
        body: JSON.stringify({ ...example('purchase-order-submit'), poNumber }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { delivery: { reference: string } };
      const [purchase] = await purchases([poNumber]);
      expect(purchase?.number).toMatch(/\S/);
      expect(body.delivery.reference).toBe(purchase?.number);
    }, 60_000);
  },
);
