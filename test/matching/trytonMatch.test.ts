/**
 * Issue 14 end to end against a real Tryton 6.0, through a real gateway process: an invoice
 * that arrives before its goods is held and not delivered; a partial receipt keeps it held; the
 * final receipt releases it and it is posted in Tryton once, linked to its purchase.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrytonRpc } from '../../src/adapters/connectors/tryton/rpc.js';
import {
  type PrivateTryton,
  prepareTryton,
  startPrivateTryton,
} from '../connectors/tryton/sandbox.js';
import { example } from '../support/gateway.js';
import { startGatewayProcess } from '../support/process.js';

const unavailable = prepareTryton();
const auth = { authorization: 'Bearer coexist-dev-key' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(unavailable !== null)(
  `three-way match with Tryton 6.0${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  () => {
    let tryton: PrivateTryton;
    let rpc: TrytonRpc;
    let ctx: Record<string, unknown>;
    let child: ChildProcess;
    let exited: Promise<unknown>;
    let url: string;
    const dataDir = mkdtempSync(join(tmpdir(), 'coexist-match-tryton-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'warn',
      COEXIST_MODE: 'development',
      COEXIST_TRYTON_CONFIG: join(dataDir, 'connector.json'),
      COEXIST_DELIVERY_CONFIG: join(dataDir, 'delivery.json'),
    };

    const startGateway = async () => {
      ({ child, url, exited } = await startGatewayProcess(dataDir, env, {
        startTimeoutMs: 60_000,
      }));
    };

    beforeAll(async () => {
      tryton = await startPrivateTryton();
      rpc = new TrytonRpc(tryton.config);
      ctx = await rpc.context(1);
      writeFileSync(env.COEXIST_TRYTON_CONFIG as string, JSON.stringify(tryton.config));
      writeFileSync(
        env.COEXIST_DELIVERY_CONFIG as string,
        JSON.stringify({
          policies: { default: { maxAttempts: 30, initialDelayMs: 200, maxDelayMs: 1_000 } },
          leaseTtlMs: 1_000,
        }),
      );
      await startGateway();
    }, 240_000);

    afterAll(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rpc?.close();
      await tryton?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const post = async (collection: string, body: object) => {
      const response = await fetch(`${url}/v1/${collection}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBe(202);
    };
    const view = async (path: string) =>
      (await (await fetch(`${url}${path}`, { headers: auth })).json()) as {
        state: { match?: { status: string; label: string } };
        deliveries: Array<{ state: string; reference?: string }>;
        events: Array<{ type: string }>;
      };
    const until = async (what: string, check: () => Promise<boolean>, ms = 120_000) => {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await sleep(200);
      }
    };
    const trytonInvoices = (reference: string) =>
      rpc.model<Array<{ id: number; state: string; number: string }>>(
        'account.invoice',
        'search_read',
        [
          [
            ['reference', '=', reference],
            ['type', '=', 'in'],
          ],
          0,
          null,
          null,
          ['state', 'number'],
        ],
        ctx,
      );

    const invoiceBody = (poNumber: string, invoiceNumber: string) => {
      const invoice = example('supplier-invoice') as { lines: Array<Record<string, unknown>> };
      return {
        ...invoice,
        invoiceNumber,
        lines: invoice.lines.map((line) => ({ ...line, poNumber })),
      };
    };
    const receiptBody = (
      poNumber: string,
      receiptNumber: string,
      bearings: string,
      grease: boolean,
    ) => ({
      ...example('goods-receipt'),
      asnNumber: undefined,
      receiptNumber,
      lines: [
        {
          lineNumber: 1,
          poNumber,
          poLineNumber: 10,
          item: 'BRG-6204-2RS',
          quantity: { value: bearings, uom: 'EA' },
        },
        ...(grease
          ? [
              {
                lineNumber: 2,
                poNumber,
                poLineNumber: 30,
                item: 'GRS-LGMT2-1KG',
                quantity: { value: '12', uom: 'CAN' },
              },
            ]
          : []),
      ],
    });

    it('holds the invoice before its goods, keeps it held after a partial receipt, posts it once after the last', async () => {
      const stamp = Date.now();
      const poNumber = `TM-${stamp}`;
      const invoiceNumber = `INV-${stamp}`;
      const orderPath = `/v1/purchase-orders/ACME-US/${poNumber}`;
      const invoicePath = `/v1/supplier-invoices/SUP-10023/${invoiceNumber}`;
      await post('purchase-orders', { ...example('purchase-order-submit'), poNumber });
      await until(
        'the order in Tryton',
        async () => (await view(orderPath)).deliveries[0]?.state === 'delivered',
      );

      await post('supplier-invoices', invoiceBody(poNumber, invoiceNumber));
      await until(
        'held awaiting receipt',
        async () => (await view(invoicePath)).state.match?.label === 'held: awaiting receipt',
      );

      await post('goods-receipts', receiptBody(poNumber, `GR-${stamp}-1`, '200', true));
      await until(
        'held for quantity',
        async () => (await view(invoicePath)).state.match?.label === 'held: quantity variance',
      );
      // Held: the delivery waits, and Tryton has no such invoice.
      await sleep(2_000);
      expect((await view(invoicePath)).deliveries[0]?.state).not.toBe('delivered');
      expect(await trytonInvoices(invoiceNumber)).toEqual([]);

      await post('goods-receipts', receiptBody(poNumber, `GR-${stamp}-2`, '295', false));
      await until('released and delivered', async () => {
        const current = await view(invoicePath);
        return (
          current.state.match?.status === 'released' && current.deliveries[0]?.state === 'delivered'
        );
      });
      const posted = await trytonInvoices(invoiceNumber);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.state).toBe('posted');
      const [purchase] = await rpc.model<Array<{ invoices: number[] }>>(
        'purchase.purchase',
        'search_read',
        [[['reference', '=', poNumber]], 0, null, null, ['invoices']],
        ctx,
      );
      expect(purchase?.invoices).toContain(posted[0]?.id);
      const types = (await view(invoicePath)).events.map((e) => e.type);
      expect(types.filter((t) => t.startsWith('Invoice'))).toEqual([
        'InvoiceHeld',
        'InvoiceHeld',
        'InvoiceReleased',
      ]);
    }, 400_000);

    it('killed -9 right after the receipt that releases it: after the restart, released and posted once', async () => {
      const stamp = Date.now();
      const poNumber = `TK-${stamp}`;
      const invoiceNumber = `INV-K-${stamp}`;
      const invoicePath = `/v1/supplier-invoices/SUP-10023/${invoiceNumber}`;
      await post('purchase-orders', { ...example('purchase-order-submit'), poNumber });
      await post('supplier-invoices', invoiceBody(poNumber, invoiceNumber));
      await until('held', async () => (await view(invoicePath)).state.match?.status === 'held');
      await post('goods-receipts', receiptBody(poNumber, `GR-K-${stamp}`, '495', true));
      child.kill('SIGKILL');
      await exited;

      await startGateway();
      await until('released and delivered after the restart', async () => {
        const current = await view(invoicePath);
        return (
          current.state.match?.status === 'released' && current.deliveries[0]?.state === 'delivered'
        );
      });
      const posted = await trytonInvoices(invoiceNumber);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.state).toBe('posted');
      const types = (await view(invoicePath)).events.map((e) => e.type);
      expect(types.filter((t) => t.startsWith('Invoice'))).toEqual([
        'InvoiceHeld',
        'InvoiceReleased',
      ]);
    }, 400_000);
  },
);
