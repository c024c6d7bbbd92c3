/**
 * The Tryton connector when things go wrong around it, against a real Tryton 6.0: the server
 * killed (before and in the middle of a delivery), the session gone, a warning Tryton wants
 * acknowledged, a crosswalk fixed between two attempts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrytonConnector } from '../../../src/adapters/connectors/tryton/connector.js';
import type { CrosswalkData } from '../../../src/adapters/connectors/tryton/crosswalk.js';
import { TrytonRpc } from '../../../src/adapters/connectors/tryton/rpc.js';
import type { ErpDelivery } from '../../../src/ports/erpConnector.js';
import { goodsReceipt, purchaseOrderState, shipmentNotice, submitPo } from '../fixtures.js';
import { type PrivateTryton, prepareTryton, startPrivateTryton } from './sandbox.js';

const unavailable = prepareTryton();

describe.skipIf(unavailable !== null)(
  `Tryton connector resilience against Tryton 6.0${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  // Tryton answers in 50-300 ms per call on a busy 2-core machine; a receipt is ~20 calls.
  { timeout: 60_000 },
  () => {
    let tryton: PrivateTryton;
    let connector: TrytonConnector;
    let rpc: TrytonRpc;
    let ctx: Record<string, unknown>;

    const purchases = async (poNumber: string) =>
      rpc.model<Array<{ id: number; state: string; number: string }>>(
        'purchase.purchase',
        'search_read',
        [[['reference', '=', poNumber]], 0, null, null, ['state', 'number']],
        ctx,
      );
    const delivered = async (delivery: ErpDelivery) => {
      const result = await connector.deliver(delivery);
      if (!result.ok) throw new Error(`delivery failed: ${JSON.stringify(result.error)}`);
      return result.acknowledgement;
    };

    beforeAll(async () => {
      tryton = await startPrivateTryton();
      connector = new TrytonConnector(tryton.config);
      rpc = new TrytonRpc(tryton.config);
      ctx = await rpc.context(1);
    }, 60_000);

    afterAll(async () => {
      await connector?.close();
      await rpc?.close();
      await tryton?.stop();
    });

    it('answers transient while Tryton is down, and delivers once after it is back', async () => {
      const po = purchaseOrderState();
      await tryton.kill();
      try {
        const result = await connector.deliver(submitPo(po));
        expect(result).toMatchObject({
          ok: false,
          error: { kind: 'transient', code: 'tryton-unreachable' },
        });
      } finally {
        await tryton.start();
      }
      await delivered(submitPo(po));
      expect((await purchases(po.poNumber)).map((p) => p.state)).toEqual(['processing']);
    });

    it('Tryton killed in the middle of deliveries: the next attempt finishes each with one purchase', async () => {
      for (const delayMs of [200, 600]) {
        const po = purchaseOrderState();
        const attempt = connector.deliver(submitPo(po));
        await new Promise((r) => setTimeout(r, delayMs));
        await tryton.kill();
        const first = await attempt;
        if (!first.ok) expect(first.error.kind).toBe('transient');
        await tryton.start();
        await delivered(submitPo(po));
        expect((await purchases(po.poNumber)).map((p) => p.state)).toEqual(['processing']);
      }
    }, 90_000);

    it('logs in again when Tryton no longer knows the session (HTTP 401)', async () => {
      await delivered(submitPo(purchaseOrderState()));
      const db = new Database(join(tryton.dir, 'coexist.sqlite'));
      try {
        expect(db.prepare('DELETE FROM ir_session').run().changes).toBeGreaterThan(0);
      } finally {
        db.close();
      }
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      expect(await purchases(po.poNumber)).toHaveLength(1);
      ctx = await rpc.context(1);
    });

    it("acknowledges Tryton's warning about a receipt dated in the future, as its web client does", async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      const receipt = goodsReceipt(po.poNumber, { 10: '500' });
      const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
      (receipt.state as { receivedAt: string }).receivedAt = `${tomorrow}T08:00:00Z`;
      const ack = await delivered(receipt);
      // Tryton consumes an acknowledgement when it checks it: the answer names what was
      // acknowledged (once when receiving the incoming moves, once for the moves to storage).
      expect(ack.details).toMatchObject({
        state: 'done',
        acknowledgedWarnings: expect.stringMatching(
          /^[0-9a-f]{32}\.effective_date_future(, [0-9a-f]{32}\.effective_date_future)*$/,
        ),
      });
      const [shipment] = await rpc.model<Array<{ effective_date: string; state: string }>>(
        'stock.shipment.in',
        'read',
        [[Number(ack.record.split(',')[1])], ['effective_date', 'state']],
        ctx,
      );
      expect(shipment).toMatchObject({ effective_date: tomorrow, state: 'done' });
    });

    it('a notice received under a receipt: the receipt takes its moves, the emptied notice is cancelled and still counts as delivered', async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      const asn = shipmentNotice(po.poNumber);
      const asnNumber = (asn.key as { asnNumber: string }).asnNumber;
      await delivered(asn);
      const receipt = await delivered(
        goodsReceipt(po.poNumber, { 10: '500', 30: '12' }, undefined, asnNumber),
      );
      expect(receipt.details).toMatchObject({ state: 'done', moves: 2 });
      expect((await delivered(asn)).details).toMatchObject({ state: 'cancelled', moves: 0 });
    });

    it('an unknown item fails permanently; once the crosswalk names it, the same delivery goes through once', async () => {
      const po = purchaseOrderState();
      (po.lines[2] as { item: string }).item = 'GRS-NEW-CODE';
      const failed = await connector.deliver(submitPo(po));
      expect(failed).toMatchObject({
        ok: false,
        error: { kind: 'permanent', code: 'unknown-code' },
      });
      expect(await purchases(po.poNumber)).toHaveLength(0);

      const file = tryton.config.crosswalkFile;
      const crosswalk = JSON.parse(readFileSync(file, 'utf8')) as CrosswalkData;
      crosswalk.items['GRS-NEW-CODE'] = crosswalk.items['GRS-LGMT2-1KG'] as number;
      writeFileSync(file, JSON.stringify(crosswalk));
      await delivered(submitPo(po));
      await delivered(submitPo(po));
      expect(await purchases(po.poNumber)).toHaveLength(1);
    });
  },
);
