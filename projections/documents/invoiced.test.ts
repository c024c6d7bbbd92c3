/**
 * What a purchase order line shows as invoiced (docs/matching.md): every invoice recorded on
 * it, held ones included, rejected ones not, less credit notes.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/ports/eventStore.js';
import { given, recorded } from '../testing.js';
import { documents } from './documents.js';
import { po, submitted } from './fixtures.js';

const invoiceLine = (poLineNumber: number, quantity: string) => ({
  lineNumber: 1,
  poNumber: 'PO-1',
  poLineNumber,
  quantity: { value: quantity, uom: 'EA' },
  unitPrice: '2.00',
  lineAmount: (Number(quantity) * 2).toFixed(2),
});

const invoice = (invoiceNumber: string, quantity: string, extra: JsonObject = {}) =>
  recorded(`SupplierInvoice-SUP-1/${invoiceNumber}`, 'SupplierInvoiceReceived', {
    supplier: 'SUP-1',
    invoiceNumber,
    company: 'ACME-US',
    invoiceDate: '2026-11-07',
    currency: 'USD',
    lines: [invoiceLine(1, quantity)],
    totals: { netAmount: '0', taxAmount: '0', grossAmount: '0' },
    exceptions: [],
    ...extra,
  });

const held = (invoiceNumber: string) =>
  recorded(`SupplierInvoice-SUP-1/${invoiceNumber}`, 'InvoiceHeld', {
    supplier: 'SUP-1',
    invoiceNumber,
    evaluatedAt: '2026-11-07T10:00:00Z',
    evaluation: { result: 'held', reasons: ['quantity-variance'], lines: [] },
  });

const decision = { at: '2026-11-08T10:00:00Z', by: 'ap-clerk-7', reason: 'Not ours' };

/** The rejection as the reject route records it: the order lines the invoice stops counting on. */
const rejected = (invoiceNumber: string, quantity: string, documentKind = 'invoice') =>
  recorded(`SupplierInvoice-SUP-1/${invoiceNumber}`, 'InvoiceRejected', {
    supplier: 'SUP-1',
    invoiceNumber,
    ...decision,
    heldFor: ['quantity-variance'],
    company: 'ACME-US',
    documentKind,
    orderLines: [{ poNumber: 'PO-1', poLineNumber: 1, quantity: { value: quantity, uom: 'EA' } }],
  });

const invoicedOnLine1 = (events: ReturnType<typeof recorded>[]) =>
  given(documents, [...submitted(), ...events]).get(po)?.lines?.[0]?.invoiced;

describe('documents read model, invoiced per order line', () => {
  it('Given an invoice held then rejected, Then the rejected one no longer counts', () => {
    expect(invoicedOnLine1([invoice('INV-1', '40'), invoice('INV-2', '10'), held('INV-2')])).toBe(
      '50',
    );
    expect(
      invoicedOnLine1([
        invoice('INV-1', '40'),
        invoice('INV-2', '10'),
        held('INV-2'),
        rejected('INV-2', '10'),
        invoice('INV-3', '5'),
      ]),
    ).toBe('45');
  });

  it('Given a credit note, Then it lowers what is invoiced; rejected, it no longer does', () => {
    const credit = invoice('CN-1', '10', { documentKind: 'creditNote' });
    expect(invoicedOnLine1([invoice('INV-1', '100'), credit])).toBe('90');
    expect(
      invoicedOnLine1([invoice('INV-1', '100'), credit, rejected('CN-1', '10', 'creditNote')]),
    ).toBe('100');
  });

  it('Given a held invoice, Then it counts (it may still be released)', () => {
    expect(invoicedOnLine1([invoice('INV-1', '30'), held('INV-1')])).toBe('30');
  });

  it('Given a held invoice an operator overrides, Then it still counts once', () => {
    const override = recorded('SupplierInvoice-SUP-1/INV-1', 'InvoiceReleased', {
      supplier: 'SUP-1',
      invoiceNumber: 'INV-1',
      releasedBy: 'override',
      ...decision,
      heldFor: ['quantity-variance'],
    });
    expect(invoicedOnLine1([invoice('INV-1', '30'), held('INV-1'), override])).toBe('30');
  });

  it('Given a rejection recorded without its order lines (before they were recorded), Then the order is left as it was', () => {
    const old = recorded('SupplierInvoice-SUP-1/INV-1', 'InvoiceRejected', {
      supplier: 'SUP-1',
      invoiceNumber: 'INV-1',
      ...decision,
      heldFor: [],
    });
    const state = given(documents, [...submitted(), invoice('INV-1', '30'), old]);
    expect(state.get(po)?.lines?.[0]?.invoiced).toBe('30');
    expect(state.get('SupplierInvoice-SUP-1/INV-1')?.revision).toBe(Number(old.revision));
  });
});
