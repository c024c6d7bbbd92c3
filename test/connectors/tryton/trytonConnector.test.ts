/**
 * The Tryton connector against a real Tryton 6.0 (a private server on a copy of the sandbox's
 * golden database): every mapping delivered and read back from Tryton field by field,
 * deliveries repeated and resumed, Tryton's refusals surfaced as permanent errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrytonConnector } from '../../../src/adapters/connectors/tryton/connector.js';
import type { CrosswalkData } from '../../../src/adapters/connectors/tryton/crosswalk.js';
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
    let cw: CrosswalkData;

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
        [
          'number',
          'state',
          'lines',
          'shipment_state',
          'invoices',
          'party',
          'warehouse',
          'currency',
          'purchase_date',
          'invoice_method',
        ],
      );
    };
    const linesOf = (ids: number[]) =>
      rpc.model<Array<Record<string, unknown>>>(
        'purchase.line',
        'read',
        [
          ids,
          [
            'sequence',
            'product',
            'quantity',
            'unit',
            'unit_price',
            'description',
            'taxes',
            'moves',
          ],
        ],
        ctx,
      );

    /** The create step alone, as a crashed delivery leaves it: a draft purchase with the reference. */
    const createDraftOnly = async (po: ReturnType<typeof purchaseOrderState>) => {
      const supplier = cw.suppliers['SUP-10023'] as { party: number; address: number };
      await rpc.model(
        'purchase.purchase',
        'create',
        [
          [
            {
              party: supplier.party,
              invoice_address: supplier.address,
              currency: cw.currencies.USD,
              warehouse: cw.sites.DAL1?.warehouse,
              reference: po.poNumber,
              invoice_method: 'manual',
              purchase_date: { __class__: 'date', year: 2026, month: 11, day: 2 },
              lines: [
                [
                  'create',
                  po.lines.map((l) => ({
                    type: 'line',
                    sequence: l.lineNumber,
                    product: cw.items[l.item],
                    quantity: Number(l.quantity.value),
                    unit: cw.units[l.quantity.uom],
                    unit_price: { __class__: 'Decimal', decimal: l.unitPrice },
                    description: l.description,
                  })),
                ],
              ],
            },
          ],
        ],
        ctx,
      );
    };

    beforeAll(async () => {
      tryton = await startPrivateTryton();
      connector = new TrytonConnector(tryton.config);
      rpc = new TrytonRpc(tryton.config);
      ctx = await rpc.context(1);
      cw = JSON.parse(readFileSync(tryton.config.crosswalkFile, 'utf8')) as CrosswalkData;
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
      expect(ack).toMatchObject({
        reference: purchase.number,
        record: `purchase.purchase,${purchase.id}`,
        alreadyDelivered: false,
      });
      expect(purchase).toMatchObject({
        state: 'processing',
        party: cw.suppliers['SUP-10023']?.party,
        warehouse: cw.sites.DAL1?.warehouse,
        currency: cw.currencies.USD,
        purchase_date: '2026-11-02',
        invoice_method: 'manual',
      });
      const lines = await linesOf(purchase.lines);
      expect(
        lines.map((l) => [
          l.sequence,
          l.product,
          l.quantity,
          l.unit,
          l.unit_price,
          l.description,
          l.taxes,
        ]),
      ).toEqual(
        po.lines.map((l) => [
          l.lineNumber,
          cw.items[l.item],
          Number(l.quantity.value),
          cw.units[l.quantity.uom],
          l.unitPrice,
          l.description,
          [cw.taxes['ACME-US']?.['US-EXEMPT-RESALE']],
        ]),
      );
    });

    it('delivers the same purchase order twice: still one purchase, the second answer says already delivered', async () => {
      const po = purchaseOrderState();
      const first = await delivered(submitPo(po));
      const second = await delivered(submitPo(po));
      expect(second).toEqual({ ...first, alreadyDelivered: true });
      expect(await search('purchase.purchase', [['reference', '=', po.poNumber]])).toHaveLength(1);
    });

    it('continues a purchase created but never confirmed (a crash after the create step) to processing, with one purchase', async () => {
      const po = purchaseOrderState();
      await createDraftOnly(po);
      expect((await purchaseOf(po.poNumber)).state).toBe('draft');
      const ack = await delivered(submitPo(po));
      const purchase = await purchaseOf(po.poNumber);
      expect(purchase.state).toBe('processing');
      expect(ack.reference).toBe(purchase.number);
    });

    it('refuses an unknown item with a permanent error naming the item and the target, and creates nothing', async () => {
      const po = purchaseOrderState();
      (po.lines[1] as { item: string }).item = 'BRG-NOT-IN-TRYTON';
      const result = await connector.deliver(submitPo(po));
      expect(result).toEqual({
        ok: false,
        error: expect.objectContaining({
          kind: 'permanent',
          code: 'unknown-code',
          message: expect.stringMatching(/item BRG-NOT-IN-TRYTON .*target legacy/),
        }),
      });
      expect(await search('purchase.purchase', [['reference', '=', po.poNumber]])).toHaveLength(0);
    });

    it("surfaces Tryton's own refusal as a permanent error in Tryton's words (a unit of another category)", async () => {
      const po = purchaseOrderState();
      (po.lines[0] as { quantity: { value: string; uom: string } }).quantity = {
        value: '5',
        uom: 'KG',
      };
      const result = await connector.deliver(submitPo(po));
      expect(result.ok).toBe(false);
      const error = (result as Extract<ErpResult, { ok: false }>).error;
      expect(error.kind).toBe('permanent');
      // Tryton's domain validation message names the field.
      expect(error.message).toMatch(/Unit/);
      expect(error.code).not.toBe('connector-failure');
    });

    it('receives partially (Tryton creates the backorder), then finally (nothing left due); lots recorded; repeats create nothing', async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      const partial = goodsReceipt(po.poNumber, { 10: '300' });
      const first = await delivered(partial);
      expect(await delivered(partial)).toMatchObject({
        reference: first.reference,
        alreadyDelivered: true,
      });
      let purchase = await purchaseOf(po.poNumber);
      const line10 = (await linesOf(purchase.lines)).find((l) => l.sequence === 10) as {
        moves: number[];
      };
      let moves = await rpc.model<Array<{ quantity: number; state: string; lot: number | null }>>(
        'stock.move',
        'read',
        [line10.moves, ['quantity', 'state', 'lot']],
        ctx,
      );
      expect(moves.map((m) => [m.state, m.quantity]).sort()).toEqual([
        ['done', 300],
        ['draft', 200],
      ]);
      const lot = await read<{ number: string }>(
        'stock.lot',
        moves.find((m) => m.state === 'done')?.lot as number,
        ['number'],
      );
      expect(lot.number).toBe('L2026-4471');
      const shipments = await search('stock.shipment.in', [
        ['reference', '=', (partial.key as { receiptNumber: string }).receiptNumber],
      ]);
      expect(shipments).toHaveLength(1);
      expect(
        await read('stock.shipment.in', shipments[0] as number, ['state', 'number']),
      ).toMatchObject({ state: 'done', number: first.reference });

      await delivered(goodsReceipt(po.poNumber, { 10: '200', 20: '240', 30: '12' }));
      purchase = await purchaseOf(po.poNumber);
      moves = await rpc.model(
        'stock.move',
        'read',
        [
          (await linesOf(purchase.lines)).flatMap((l) => l.moves as number[]),
          ['quantity', 'state', 'lot'],
        ],
        ctx,
      );
      expect(moves.filter((m) => m.state !== 'done')).toEqual([]);
      expect(purchase).toMatchObject({ shipment_state: 'received' });
    });

    it('submits a shipment notice: a draft supplier shipment with the expected moves', async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      const asn = shipmentNotice(po.poNumber);
      const ack = await delivered(asn);
      const [id] = await search('stock.shipment.in', [
        ['reference', '=', (asn.key as { asnNumber: string }).asnNumber],
      ]);
      const shipment = await read<{ state: string; incoming_moves: number[]; number: string }>(
        'stock.shipment.in',
        id as number,
        ['state', 'incoming_moves', 'number', 'planned_date'],
      );
      expect(shipment).toMatchObject({
        state: 'draft',
        number: ack.reference,
        planned_date: '2026-11-18',
      });
      const moves = await rpc.model<Array<{ quantity: number; product: number }>>(
        'stock.move',
        'read',
        [shipment.incoming_moves, ['quantity', 'product']],
        ctx,
      );
      expect(moves.map((m) => [m.product, m.quantity]).sort()).toEqual(
        [
          [cw.items['BRG-6204-2RS'], 500],
          [cw.items['GRS-LGMT2-1KG'], 12],
        ].sort(),
      );
      expect((await delivered(asn)).alreadyDelivered).toBe(true);
    });

    it('submits a supplier invoice linked to the purchase lines, validated and posted, once', async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      await delivered(goodsReceipt(po.poNumber, { 10: '495', 30: '12' }));
      const invoice = supplierInvoice(po.poNumber);
      const ack = await delivered(invoice);
      expect((await delivered(invoice)).alreadyDelivered).toBe(true);
      const ids = await search('account.invoice', [
        ['type', '=', 'in'],
        ['reference', '=', (invoice.key as { invoiceNumber: string }).invoiceNumber],
      ]);
      expect(ids).toHaveLength(1);
      const tryton = await read<{ lines: number[] }>('account.invoice', ids[0] as number, [
        'state',
        'number',
        'invoice_date',
        'party',
        'untaxed_amount',
        'tax_amount',
        'total_amount',
        'lines',
      ]);
      expect(tryton).toMatchObject({
        state: 'posted',
        number: ack.reference,
        invoice_date: '2026-11-19',
        party: cw.suppliers['SUP-10023']?.party,
        untaxed_amount: '1220.80',
        tax_amount: '0.00',
        total_amount: '1220.80',
      });
      const lines = await rpc.model<Array<Record<string, unknown>>>(
        'account.invoice.line',
        'read',
        [tryton.lines, ['origin', 'quantity', 'unit_price', 'amount']],
        ctx,
      );
      const purchase = await purchaseOf(po.poNumber);
      const poLines = await linesOf(purchase.lines);
      const origin = (n: number) => `purchase.line,${poLines.find((l) => l.sequence === n)?.id}`;
      expect(lines.map((l) => [l.origin, l.quantity, l.amount])).toEqual([
        [origin(10), 495, '910.80'],
        [origin(30), 12, '225.00'],
        [null, 1, '85.00'],
      ]);
      expect((purchase as unknown as { invoices: number[] }).invoices).toEqual(ids);
    });

    it('submits a journal entry: a posted move in the period of its posting date, once', async () => {
      const entry = journalEntry();
      const ack = await delivered(entry);
      expect((await delivered(entry)).alreadyDelivered).toBe(true);
      const entryNumber = (entry.key as { entryNumber: string }).entryNumber;
      const ids = await search('account.move', [['description', 'like', `${entryNumber}: %`]]);
      expect(ids).toHaveLength(1);
      const move = await read<{ lines: number[]; period: number }>(
        'account.move',
        ids[0] as number,
        ['state', 'date', 'journal', 'period', 'post_number', 'lines'],
      );
      expect(move).toMatchObject({
        state: 'posted',
        date: '2026-11-30',
        journal: cw.journals.ACCRUALS,
        post_number: ack.reference,
      });
      expect(await read('account.period', move.period, ['start_date', 'end_date'])).toMatchObject({
        start_date: '2026-11-01',
        end_date: '2026-11-30',
      });
      const lines = await rpc.model<Array<Record<string, unknown>>>(
        'account.move.line',
        'read',
        [move.lines, ['account', 'debit', 'credit']],
        ctx,
      );
      const us = cw.accounts['ACME-US'] as Record<string, number>;
      expect(lines.map((l) => [l.account, l.debit, l.credit]).sort()).toEqual(
        [
          [us['6410-100'], '12450.00', '0'],
          [us['6410-100'], '1830.25', '0'],
          [us['2150-000'], '0', '14280.25'],
        ].sort(),
      );
    });

    it('cancels a purchase with nothing received (amended to zero), and refuses once goods are received', async () => {
      const open = purchaseOrderState();
      await delivered(submitPo(open));
      await delivered(
        poDelivery('cancel', { ...open, status: 'cancelled', cancellation: { reason: 'test' } }),
      );
      const cancelled = await purchaseOf(open.poNumber);
      expect((await linesOf(cancelled.lines)).map((l) => l.quantity)).toEqual([0, 0, 0]);

      const received = purchaseOrderState();
      await delivered(submitPo(received));
      await delivered(goodsReceipt(received.poNumber, { 10: '10' }));
      const result = await connector.deliver(
        poDelivery('cancel', { ...received, status: 'cancelled' }),
      );
      expect(result).toEqual({
        ok: false,
        error: expect.objectContaining({
          kind: 'permanent',
          code: 'tryton-refused-cancel',
          message: expect.stringMatching(/goods received/),
        }),
      });
    });

    it('changes a confirmed purchase through an amendment; adding a line to it is refused', async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      const changed = structuredClone(po);
      (changed.lines[0] as { quantity: { value: string } }).quantity.value = '600';
      (changed.lines[2] as { unitPrice: string }).unitPrice = '19.10';
      await delivered(poDelivery('change', changed));
      const purchase = await purchaseOf(po.poNumber);
      const lines = await linesOf(purchase.lines);
      expect(lines.map((l) => [l.sequence, l.quantity, l.unit_price])).toEqual([
        [10, 600, '1.84'],
        [20, 240, '3.10'],
        [30, 12, '19.10'],
      ]);
      expect((await delivered(poDelivery('change', changed))).alreadyDelivered).toBe(true);

      const added = structuredClone(changed);
      added.lines.push({
        lineNumber: 40,
        item: 'SEAL-CR-12345',
        quantity: { value: '100', uom: 'EA' },
        unitPrice: '0.92',
        status: 'open',
      });
      const result = await connector.deliver(poDelivery('change', added));
      expect(result).toMatchObject({
        ok: false,
        error: { kind: 'permanent', code: 'tryton-refused-change' },
      });
    });

    it('changes a purchase not yet confirmed by writing its lines (quantity, price, a new line, a cancelled line), then confirms it', async () => {
      const po = purchaseOrderState();
      await createDraftOnly(po);
      const changed = structuredClone(po);
      (changed.lines[0] as { quantity: { value: string } }).quantity.value = '600';
      (changed.lines[1] as { status: string }).status = 'cancelled';
      changed.lines.push({
        lineNumber: 40,
        item: 'SEAL-CR-12345',
        description: 'Oil seal 25x47x7',
        quantity: { value: '100', uom: 'EA' },
        unitPrice: '0.92',
        status: 'open',
      });
      await delivered(poDelivery('change', changed));
      const purchase = await purchaseOf(po.poNumber);
      expect(purchase.state).toBe('processing');
      const lines = await linesOf(purchase.lines);
      expect(lines.map((l) => [l.sequence, l.product, l.quantity, l.unit_price]).sort()).toEqual([
        [10, cw.items['BRG-6204-2RS'], 600, '1.84'],
        [20, cw.items['BRG-6305-ZZ'], 0, '3.10'],
        [30, cw.items['GRS-LGMT2-1KG'], 12, '18.75'],
        [40, cw.items['SEAL-CR-12345'], 100, '0.92'],
      ]);
    });

    it("records a supplier's acknowledgement: confirmed delivery dates on the lines and a note, once", async () => {
      const po = purchaseOrderState();
      await delivered(submitPo(po));
      const acked = structuredClone(po);
      acked.acknowledgement = {
        status: 'accepted_with_changes',
        acknowledgedAt: '2026-11-03T09:15:00-06:00',
      };
      (acked.lines[1] as { acknowledgement?: unknown }).acknowledgement = {
        status: 'changed',
        confirmedQuantity: { value: '200', uom: 'EA' },
        confirmedDeliveryDate: '2026-12-04',
      };
      expect((await delivered(poDelivery('acknowledge', acked))).alreadyDelivered).toBe(false);
      expect((await delivered(poDelivery('acknowledge', acked))).alreadyDelivered).toBe(true);
      const purchase = await purchaseOf(po.poNumber);
      const comment = (
        await read<{ comment: string }>('purchase.purchase', purchase.id, ['comment'])
      ).comment;
      expect(comment).toContain(
        'Supplier acknowledgement: accepted_with_changes at 2026-11-03T09:15:00-06:00',
      );
      expect(comment).toContain('line 20: changed, quantity 200 EA, delivery 2026-12-04');
      const lines = await rpc.model<Array<Record<string, unknown>>>(
        'purchase.line',
        'read',
        [purchase.lines, ['sequence', 'delivery_date']],
        ctx,
      );
      expect(lines.find((l) => l.sequence === 20)?.delivery_date).toBe('2026-12-04');
    });
  },
);
