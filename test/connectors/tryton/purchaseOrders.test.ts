/**
 * Purchase orders through the Tryton connector against a real Tryton 6.0 (a private server on
 * a copy of the sandbox's golden database): submit read back field by field, repeated and
 * resumed deliveries, changes before and after confirmation, cancellation, acknowledgement,
 * and Tryton's refusals surfaced as permanent errors.
 */
import { describe, expect, it } from 'vitest';
import { normalise } from '../../../src/domain/divergence/compare.js';
import { goodsReceipt, poDelivery, purchaseOrderState, submitPo } from '../fixtures.js';
import { useTrytonHarness } from './harness.js';
import { prepareTryton } from './sandbox.js';

const unavailable = prepareTryton();

describe.skipIf(unavailable !== null)(
  `Tryton connector: purchase orders against Tryton 6.0${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  // Tryton answers in 50-300 ms per call on a busy 2-core machine; a receipt is ~20 calls.
  { timeout: 60_000 },
  () => {
    const h = useTrytonHarness();

    it('submits a purchase order: a purchase in processing with the order lines, read back field by field', async () => {
      const po = purchaseOrderState();
      const ack = await h.delivered(submitPo(po));
      const purchase = await h.purchaseOf(po.poNumber);
      expect(ack).toMatchObject({
        reference: purchase.number,
        record: `purchase.purchase,${purchase.id}`,
        alreadyDelivered: false,
      });
      expect(purchase).toMatchObject({
        state: 'processing',
        party: h.cw.suppliers['SUP-10023']?.party,
        warehouse: h.cw.sites.DAL1?.warehouse,
        currency: h.cw.currencies.USD,
        purchase_date: '2026-11-02',
        invoice_method: 'manual',
      });
      const lines = await h.linesOf(purchase.lines);
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
          h.cw.items[l.item],
          Number(l.quantity.value),
          h.cw.units[l.quantity.uom],
          l.unitPrice,
          l.description,
          [h.cw.taxes['ACME-US']?.['US-EXEMPT-RESALE']],
        ]),
      );
    });

    it("answers with Tryton's own amounts (document and lines, under the comparison's names), after a change too", async () => {
      const po = purchaseOrderState();
      (po.lines[0] as { taxCode?: string }).taxCode = 'US-TX-8.25';
      const ack = await h.delivered(submitPo(po));
      // 500 x 1.84 = 920.00 taxed at 8.25 % (75.90); 240 x 3.10 = 744.00 and 12 x 18.75 = 225.00
      // exempt. What the dual-write comparer reads of it:
      expect(normalise(ack.details ?? {})).toEqual({
        '/state': 'processing',
        '/shipmentState': 'waiting',
        '/currency': 'USD',
        '/untaxedAmount': '1889',
        '/taxAmount': '75.9',
        '/totalAmount': '1964.9',
        '/lines/10': 'present',
        '/lines/10/quantity': '500',
        '/lines/10/unitCost': '1.84',
        '/lines/10/untaxedAmount': '920',
        '/lines/20': 'present',
        '/lines/20/quantity': '240',
        '/lines/20/unitCost': '3.1',
        '/lines/20/untaxedAmount': '744',
        '/lines/30': 'present',
        '/lines/30/quantity': '12',
        '/lines/30/unitCost': '18.75',
        '/lines/30/untaxedAmount': '225',
      });

      // Confirmed, so changed through an amendment: line 20 cancelled (amended to zero, and then
      // a line the order no longer has), line 10 to 600.
      const changed = structuredClone(po);
      (changed.lines[0] as { quantity: { value: string } }).quantity.value = '600';
      (changed.lines[1] as { status: string }).status = 'cancelled';
      const after = normalise((await h.delivered(poDelivery('change', changed))).details ?? {});
      expect(after).toMatchObject({
        '/untaxedAmount': '1329',
        '/taxAmount': '91.08',
        '/totalAmount': '1420.08',
        '/lines/10/quantity': '600',
        '/lines/10/untaxedAmount': '1104',
      });
      expect(Object.keys(after).filter((path) => path.startsWith('/lines/20'))).toEqual([]);
    });

    it('delivers the same purchase order twice: still one purchase, the second answer says already delivered', async () => {
      const po = purchaseOrderState();
      const first = await h.delivered(submitPo(po));
      const second = await h.delivered(submitPo(po));
      expect(second).toEqual({ ...first, alreadyDelivered: true });
      expect(await h.search('purchase.purchase', [['reference', '=', po.poNumber]])).toHaveLength(
        1,
      );
    });

    it('continues a purchase created but never confirmed (a crash after the create step) to processing, with one purchase', async () => {
      const po = purchaseOrderState();
      await h.createDraftOnly(po);
      expect((await h.purchaseOf(po.poNumber)).state).toBe('draft');
      const ack = await h.delivered(submitPo(po));
      const purchase = await h.purchaseOf(po.poNumber);
      expect(purchase.state).toBe('processing');
      expect(ack.reference).toBe(purchase.number);
    });

    it('refuses an unknown item with a permanent error naming the item and the target, and creates nothing', async () => {
      const po = purchaseOrderState();
      (po.lines[1] as { item: string }).item = 'BRG-NOT-IN-TRYTON';
      const result = await h.connector.deliver(submitPo(po));
      expect(result).toEqual({
        ok: false,
        error: expect.objectContaining({
          kind: 'permanent',
          code: 'unknown-code',
          message: expect.stringMatching(/item BRG-NOT-IN-TRYTON .*target legacy/),
        }),
      });
      expect(await h.search('purchase.purchase', [['reference', '=', po.poNumber]])).toHaveLength(
        0,
      );
    });

    it("surfaces Tryton's own refusal as a permanent error in Tryton's words (a unit of another category)", async () => {
      const po = purchaseOrderState();
      (po.lines[0] as { quantity: { value: string; uom: string } }).quantity = {
        value: '5',
        uom: 'KG',
      };
      const result = await h.connector.deliver(submitPo(po));
      expect(result).toEqual({
        ok: false,
        error: {
          kind: 'permanent',
          code: 'UserError',
          message:
            'The value for field "Unit" in "Purchase Line" is not valid according to its domain.',
        },
      });
      expect(await h.search('purchase.purchase', [['reference', '=', po.poNumber]])).toHaveLength(
        0,
      );
    });

    it('cancels a purchase with nothing received (amended to zero), and refuses once goods are received', async () => {
      const open = purchaseOrderState();
      await h.delivered(submitPo(open));
      await h.delivered(
        poDelivery('cancel', { ...open, status: 'cancelled', cancellation: { reason: 'test' } }),
      );
      const cancelled = await h.purchaseOf(open.poNumber);
      expect((await h.linesOf(cancelled.lines)).map((l) => l.quantity)).toEqual([0, 0, 0]);

      const received = purchaseOrderState();
      await h.delivered(submitPo(received));
      await h.delivered(goodsReceipt(received.poNumber, { 10: '10' }));
      const result = await h.connector.deliver(
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
      await h.delivered(submitPo(po));
      const changed = structuredClone(po);
      (changed.lines[0] as { quantity: { value: string } }).quantity.value = '600';
      (changed.lines[2] as { unitPrice: string }).unitPrice = '19.10';
      await h.delivered(poDelivery('change', changed));
      const purchase = await h.purchaseOf(po.poNumber);
      const lines = await h.linesOf(purchase.lines);
      expect(lines.map((l) => [l.sequence, l.quantity, l.unit_price])).toEqual([
        [10, 600, '1.84'],
        [20, 240, '3.10'],
        [30, 12, '19.10'],
      ]);
      expect((await h.delivered(poDelivery('change', changed))).alreadyDelivered).toBe(true);

      const added = structuredClone(changed);
      added.lines.push({
        lineNumber: 40,
        item: 'SEAL-CR-12345',
        quantity: { value: '100', uom: 'EA' },
        unitPrice: '0.92',
        status: 'open',
      });
      const result = await h.connector.deliver(poDelivery('change', added));
      expect(result).toMatchObject({
        ok: false,
        error: { kind: 'permanent', code: 'tryton-refused-change' },
      });
    });

    it('a change whose amendment was created but not validated (a crash) is finished with one validated amendment', async () => {
      const po = purchaseOrderState();
      await h.delivered(submitPo(po));
      const purchase = await h.purchaseOf(po.poNumber);
      const line10 = (await h.linesOf(purchase.lines)).find((l) => l.sequence === 10);
      // What the first attempt did before it died: the amendment, never validated.
      await h.rpc.model(
        'purchase.amendment',
        'create',
        [
          [
            {
              purchase: purchase.id,
              description: 'interrupted',
              lines: [
                [
                  'create',
                  [
                    {
                      action: 'line',
                      line: line10?.id,
                      product: line10?.product,
                      quantity: 600,
                      unit: line10?.unit,
                      unit_price: { __class__: 'Decimal', decimal: '1.84' },
                      description: line10?.description,
                    },
                  ],
                ],
              ],
            },
          ],
        ],
        h.ctx,
      );
      const changed = structuredClone(po);
      (changed.lines[0] as { quantity: { value: string } }).quantity.value = '600';
      await h.delivered(poDelivery('change', changed));
      const amendments = await h.rpc.model<Array<{ state: string }>>(
        'purchase.amendment',
        'search_read',
        [[['purchase', '=', purchase.id]], 0, null, null, ['state']],
        h.ctx,
      );
      expect(amendments.map((a) => a.state)).toEqual(['validated']);
      expect((await h.linesOf(purchase.lines)).find((l) => l.sequence === 10)?.quantity).toBe(600);
    });

    it('changes a purchase not yet confirmed by writing its lines (quantity, price, a new line, a cancelled line), then confirms it', async () => {
      const po = purchaseOrderState();
      await h.createDraftOnly(po);
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
      await h.delivered(poDelivery('change', changed));
      const purchase = await h.purchaseOf(po.poNumber);
      expect(purchase.state).toBe('processing');
      const lines = await h.linesOf(purchase.lines);
      expect(lines.map((l) => [l.sequence, l.product, l.quantity, l.unit_price]).sort()).toEqual([
        [10, h.cw.items['BRG-6204-2RS'], 600, '1.84'],
        [20, h.cw.items['BRG-6305-ZZ'], 0, '3.10'],
        [30, h.cw.items['GRS-LGMT2-1KG'], 12, '18.75'],
        [40, h.cw.items['SEAL-CR-12345'], 100, '0.92'],
      ]);
    });

    it("records a supplier's acknowledgement: confirmed delivery dates on the lines and a note, once", async () => {
      const po = purchaseOrderState();
      await h.delivered(submitPo(po));
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
      expect((await h.delivered(poDelivery('acknowledge', acked))).alreadyDelivered).toBe(false);
      expect((await h.delivered(poDelivery('acknowledge', acked))).alreadyDelivered).toBe(true);
      const purchase = await h.purchaseOf(po.poNumber);
      const comment = (
        await h.read<{ comment: string }>('purchase.purchase', purchase.id, ['comment'])
      ).comment;
      expect(comment).toContain(
        'Supplier acknowledgement: accepted_with_changes at 2026-11-03T09:15:00-06:00',
      );
      expect(comment).toContain('line 20: changed, quantity 200 EA, delivery 2026-12-04');
      const lines = await h.rpc.model<Array<Record<string, unknown>>>(
        'purchase.line',
        'read',
        [purchase.lines, ['sequence', 'delivery_date']],
        h.ctx,
      );
      expect(lines.find((l) => l.sequence === 20)?.delivery_date).toBe('2026-12-04');
    });
  },
);
