import { describe, expect, it } from 'vitest';
import { given, recorded } from '../testing.js';
import { heldInvoices } from './heldInvoices.js';

const stream = (n: string) => `SupplierInvoice-SUP-1/${n}`;
const receivedInvoice = (n: string) =>
  recorded(stream(n), 'SupplierInvoiceReceived', {
    supplier: 'SUP-1',
    invoiceNumber: n,
    company: 'ACME-US',
    currency: 'USD',
    invoiceDate: '2026-11-19',
    lines: [
      {
        lineNumber: 1,
        poNumber: 'PO-1',
        poLineNumber: 10,
        quantity: { value: '5', uom: 'EA' },
        unitPrice: '1',
        lineAmount: '5',
      },
    ],
    totals: { netAmount: '5', taxAmount: '0', grossAmount: '5' },
  });
const held = (n: string, reasons: string[], at: string) =>
  recorded(stream(n), 'InvoiceHeld', {
    supplier: 'SUP-1',
    invoiceNumber: n,
    evaluatedAt: at,
    evaluation: {
      result: 'held',
      reasons,
      lines: [{ lineNumber: 1, poNumber: 'PO-1', poLineNumber: 10, result: reasons[0] ?? '' }],
      amountErrors: [],
      tolerances: {},
    },
  });

describe('held invoices read model', () => {
  it('Given invoices held, re-held and released, Then the queue holds the open ones with reason and age', () => {
    const rows = given(heldInvoices, [
      receivedInvoice('A'),
      held('A', ['awaiting-receipt'], '2026-11-19T10:00:00Z'),
      receivedInvoice('B'),
      held('B', ['price-variance'], '2026-11-19T11:00:00Z'),
      held('A', ['quantity-variance'], '2026-11-20T10:00:00Z'),
      receivedInvoice('C'),
      held('C', ['awaiting-receipt'], '2026-11-19T12:00:00Z'),
      recorded(stream('C'), 'InvoiceReleased', { releasedBy: 'match' }),
      receivedInvoice('D'),
    ]);
    expect(
      [...rows.values()].map((r) => [r.invoiceNumber, r.status, r.label, r.reason, r.heldSince]),
    ).toEqual([
      ['A', 'held', 'held: quantity variance', 'quantity-variance', '2026-11-19T10:00:00Z'],
      ['B', 'held', 'held: price variance', 'price-variance', '2026-11-19T11:00:00Z'],
      ['D', 'pending', 'pending match', 'none', null],
    ]);
    expect(rows.get(stream('A'))?.lines).toEqual([
      { lineNumber: 1, poNumber: 'PO-1', poLineNumber: 10, result: 'quantity-variance' },
    ]);
  });

  it('Given an invoice rejected or matched at once, Then it is not in the queue', () => {
    const rows = given(heldInvoices, [
      receivedInvoice('E'),
      recorded(stream('E'), 'InvoiceMatched', {}),
      receivedInvoice('F'),
      held('F', ['amount-error'], '2026-11-19T10:00:00Z'),
      recorded(stream('F'), 'InvoiceRejected', { by: 'ap', reason: 'dup' }),
    ]);
    expect(rows.size).toBe(0);
  });
});
