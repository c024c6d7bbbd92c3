/**
 * Which orders a migration takes: open ones, by the balances the log itself gives, where a
 * rejected invoice does not count as invoiced and a credit note takes back (docs/migration.md,
 * docs/matching.md).
 */
import { describe, expect, it } from 'vitest';
import { recorded } from '../../projections/testing.js';
import { planMigration } from '../../src/migration/plan.js';
import type { EventStore, JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';

const order = 'PurchaseOrder-ACME-US/4500013000';
const qty = (value: string) => ({ value, uom: 'EA' });
const poLine = (lineNumber: number, value: string) => ({
  lineNumber,
  item: `ITEM-${lineNumber}`,
  quantity: qty(value),
  unitPrice: '2.00',
});
const orderEvents = () => [
  recorded(order, 'DocumentOwnershipAssigned', {
    document: { type: 'purchaseOrder', key: { company: 'ACME-US', poNumber: '4500013000' } },
    owner: 'legacy',
    primary: 'legacy',
    basis: 'rule',
  }),
  recorded(order, 'PurchaseOrderSubmitted', {
    company: 'ACME-US',
    poNumber: '4500013000',
    supplier: 'SUP-1',
    site: 'DAL1',
    orderDate: '2026-11-01',
    currency: 'USD',
    lines: [poLine(10, '100'), poLine(20, '50')],
  }),
  recorded('GoodsReceipt-DAL1/GR-1', 'GoodsReceiptRecorded', {
    company: 'ACME-US',
    site: 'DAL1',
    receiptNumber: 'GR-1',
    lines: [
      { lineNumber: 1, poNumber: '4500013000', poLineNumber: 10, quantity: qty('100') },
      { lineNumber: 2, poNumber: '4500013000', poLineNumber: 20, quantity: qty('50') },
    ],
  }),
];
const onLine = (poLineNumber: number, value: string) => ({
  poNumber: '4500013000',
  poLineNumber,
  quantity: qty(value),
});
const invoice = (number: string, lines: JsonObject[], extra: JsonObject = {}) =>
  recorded(`SupplierInvoice-SUP-1/${number}`, 'SupplierInvoiceReceived', {
    supplier: 'SUP-1',
    invoiceNumber: number,
    company: 'ACME-US',
    lines: lines.map((line, i) => ({ lineNumber: i + 1, ...line })),
    ...extra,
  });
const rejection = (number: string, lines: JsonObject[]) =>
  recorded(`SupplierInvoice-SUP-1/${number}`, 'InvoiceRejected', {
    supplier: 'SUP-1',
    invoiceNumber: number,
    at: '2026-11-09T10:00:00Z',
    by: 'ap-clerk-7',
    reason: 'Invoiced twice',
    heldFor: ['quantity-variance'],
    company: 'ACME-US',
    documentKind: 'invoice',
    orderLines: lines,
  });

const storeOf = (events: RecordedEvent[]) =>
  ({
    async *readAll() {
      yield* events;
    },
  }) as unknown as EventStore;

const plan = (events: RecordedEvent[]) =>
  planMigration(
    storeOf(events),
    { documentType: 'purchaseOrder', company: 'ACME-US', site: 'DAL1' },
    'cloud',
  );

describe('planMigration: open by the balances matching uses', () => {
  it('Given line 20 received 50 and invoiced 40 + 5 with an invoice of 10 rejected, Then the order is open and moves with invoiced 45', async () => {
    const result = await plan([
      ...orderEvents(),
      invoice('INV-T1', [onLine(10, '100'), onLine(20, '40')]),
      invoice('INV-T2', [onLine(20, '5')]),
      invoice('INV-T3', [onLine(20, '10')]),
      rejection('INV-T3', [onLine(20, '10')]),
    ]);
    expect(result.notOpen).toBe(0);
    expect(result.moves.map((move) => move.streamName)).toEqual([order]);
    expect(
      result.moves[0]?.carriedOver.map((l) => [l.lineNumber, l.received.value, l.invoiced.value]),
    ).toEqual([
      [10, '100', '100'],
      [20, '50', '45'],
    ]);
  });

  it('Given everything received and invoiced but a credit note of 10, Then the order is open (90 invoiced)', async () => {
    const result = await plan([
      ...orderEvents(),
      invoice('INV-T1', [onLine(10, '100'), onLine(20, '50')]),
      invoice('CN-1', [onLine(10, '10')], { documentKind: 'creditNote' }),
    ]);
    expect(result.moves[0]?.carriedOver[0]?.invoiced.value).toBe('90');
  });

  it('Given everything received and invoiced, Then the order is not open and stays', async () => {
    const result = await plan([
      ...orderEvents(),
      invoice('INV-T1', [onLine(10, '100'), onLine(20, '50')]),
    ]);
    expect(result).toMatchObject({ moves: [], notOpen: 1 });
  });
});
