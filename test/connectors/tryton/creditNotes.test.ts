/**
 * A supplier credit note (`"documentKind": "creditNote"`) through the Tryton connector against a
 * real Tryton 6.0: Tryton 6.0 has no credit-note type of its own, a supplier credit note is an
 * `in` invoice whose lines have negative quantities (what its own "credit" wizard makes), so it
 * is posted as one (numbered from the credit-note sequence), a credit, never a second charge.
 */
import { describe, expect, it } from 'vitest';
import type { SubmitSupplierInvoice } from '../../../src/domain/children/types.js';
import type { ErpDelivery } from '../../../src/ports/erpConnector.js';
import {
  goodsReceipt,
  purchaseOrderState,
  submitPo,
  supplierInvoice,
  unique,
} from '../fixtures.js';
import { useTrytonHarness } from './harness.js';
import { prepareTryton } from './sandbox.js';

const unavailable = prepareTryton();

/** A credit note of 10 EA at 1.84 on line 10 of the order, and a freight refund of 5.00. */
const creditNote = (poNumber: string): ErpDelivery => {
  const invoice = supplierInvoice(poNumber).state as SubmitSupplierInvoice;
  const invoiceNumber = unique('CN');
  const [line] = invoice.lines;
  const state: SubmitSupplierInvoice = {
    ...invoice,
    invoiceNumber,
    documentKind: 'creditNote',
    creditedInvoiceNumber: invoice.invoiceNumber,
    lines: [
      {
        ...(line as SubmitSupplierInvoice['lines'][number]),
        quantity: { value: '10', uom: 'EA' },
        lineAmount: '18.40',
      },
    ],
    charges: [{ type: 'freight', amount: '5.00', description: 'Freight refund' }],
    taxes: [{ taxCode: 'US-EXEMPT-RESALE', taxableAmount: '23.40', taxAmount: '0.00' }],
    totals: { netAmount: '23.40', taxAmount: '0.00', grossAmount: '23.40' },
  };
  return {
    document: 'supplierInvoice',
    action: 'submit',
    key: { supplier: state.supplier, invoiceNumber },
    state,
  };
};

describe.skipIf(unavailable !== null)(
  `Tryton connector: supplier credit notes${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  { timeout: 60_000 },
  () => {
    const h = useTrytonHarness();

    it('posts a credit note as a credit: negative quantities on the purchase lines, a negative total, once', async () => {
      const po = purchaseOrderState();
      await h.delivered(submitPo(po));
      await h.delivered(goodsReceipt(po.poNumber, { 10: '495', 30: '12' }));
      await h.delivered(supplierInvoice(po.poNumber));
      const credit = creditNote(po.poNumber);
      const ack = await h.delivered(credit);
      expect((await h.delivered(credit)).alreadyDelivered).toBe(true);

      const ids = await h.search('account.invoice', [
        ['type', '=', 'in'],
        ['reference', '=', (credit.key as { invoiceNumber: string }).invoiceNumber],
      ]);
      expect(ids).toHaveLength(1);
      const tryton = await h.read<{ lines: number[] }>('account.invoice', ids[0] as number, [
        'state',
        'number',
        'untaxed_amount',
        'total_amount',
        'lines',
      ]);
      expect(tryton).toMatchObject({
        state: 'posted',
        number: ack.reference,
        untaxed_amount: '-23.40',
        total_amount: '-23.40',
      });
      expect(ack.details).toMatchObject({ totalAmount: '-23.40', untaxedAmount: '-23.40' });
      const lines = await h.rpc.model<Array<Record<string, unknown>>>(
        'account.invoice.line',
        'read',
        [tryton.lines, ['origin', 'quantity', 'unit_price', 'amount']],
        h.ctx,
      );
      const purchase = await h.purchaseOf(po.poNumber);
      const poLines = await h.linesOf(purchase.lines);
      const origin = `purchase.line,${poLines.find((l) => l.sequence === 10)?.id}`;
      expect(lines.map((l) => [l.origin, l.quantity, l.amount])).toEqual([
        [origin, -10, '-18.40'],
        [null, -1, '-5.00'],
      ]);
      // The purchase lists the credit note beside the invoice it credits.
      expect((purchase as unknown as { invoices: number[] }).invoices).toContain(ids[0]);
    });
  },
);
