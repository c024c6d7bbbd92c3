/**
 * Each canonical document delivered by the REST connector with the Business Central profile
 * to the cloud-ERP sandbox (a process of its own), and read back from the sandbox: what BC
 * holds is the document through the crosswalk, and the acknowledgement's details are BC's own
 * amounts (what dual-write compares).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestConnector } from '../../../src/adapters/connectors/rest/connector.js';
import type { PurchaseOrderState } from '../../../src/domain/purchaseOrder/types.js';
import type { ErpResult } from '../../../src/ports/erpConnector.js';
import { type SandboxProcess, startSandboxProcess } from '../../sandbox/cloudErpProcess.js';
import {
  goodsReceipt,
  journalEntry,
  poDelivery,
  purchaseOrderState,
  shipmentNotice,
  submitPo,
  supplierInvoice,
  unique,
} from '../fixtures.js';

const acknowledged = (result: ErpResult) => {
  if (!result.ok) throw new Error(`expected a delivery, got ${JSON.stringify(result.error)}`);
  return result.acknowledgement;
};

describe('REST connector with the Business Central profile, documents read back from the sandbox', () => {
  let sandbox: SandboxProcess;
  let connector: RestConnector;
  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    connector = new RestConnector(sandbox.connectorConfig());
  }, 60_000);
  afterAll(async () => {
    await connector?.close();
    await sandbox?.stop();
  });

  const orderIn = async (poNumber: string) =>
    (await sandbox.inspect()).documents.purchaseOrders.find((po) => po.number === poNumber);
  const linesOf = (po: Awaited<ReturnType<typeof orderIn>>) =>
    Object.fromEntries(
      (po?.purchaseOrderLines ?? []).map((line) => [
        line.sequence,
        [line.lineObjectNumber, line.quantity, line.directUnitCost, line.expectedReceiptDate],
      ]),
    );

  it('a purchase order submitted, changed, acknowledged and cancelled', async () => {
    const po = purchaseOrderState();
    const submitted = acknowledged(await connector.deliver(submitPo(po)));
    let held = await orderIn(po.poNumber);
    expect(held).toMatchObject({
      vendorNumber: '20000',
      currencyCode: 'USD',
      orderDate: '2026-11-02',
    });
    expect(linesOf(held)).toEqual({
      10: ['70000', 500, 1.84, '2026-11-20'],
      20: ['70001', 240, 3.1, '2026-11-27'],
      30: ['70010', 12, 18.75, '2026-11-20'],
    });
    expect(submitted).toMatchObject({
      reference: po.poNumber,
      record: `purchaseOrders(${held?.id})`,
      alreadyDelivered: false,
      details: {
        totalAmountExcludingTax: String(held?.totalAmountExcludingTax),
        totalTaxAmount: String(held?.totalTaxAmount),
        'lines.10.amountExcludingTax': '920',
      },
    });

    // Line 10 raised, line 30 cancelled, line 40 added.
    const changed: PurchaseOrderState = structuredClone(po);
    (changed.lines[0] as { quantity: { value: string } }).quantity.value = '600';
    (changed.lines[2] as { status: string }).status = 'cancelled';
    changed.lines.push({
      lineNumber: 40,
      item: 'SEAL-CR-12345',
      description: 'Oil seal 25x47x7',
      quantity: { value: '100', uom: 'EA' },
      unitPrice: '0.92',
      status: 'open',
    });
    const change = acknowledged(await connector.deliver(poDelivery('change', changed)));
    expect(change.alreadyDelivered).toBe(false);
    held = await orderIn(po.poNumber);
    expect(linesOf(held)).toEqual({
      10: ['70000', 600, 1.84, '2026-11-20'],
      20: ['70001', 240, 3.1, '2026-11-27'],
      40: ['70020', 100, 0.92, '2026-11-20'],
    });
    expect(change.details?.totalAmountExcludingTax).toBe(String(held?.totalAmountExcludingTax));
    expect(
      acknowledged(await connector.deliver(poDelivery('change', changed))).alreadyDelivered,
    ).toBe(true);

    // The supplier confirms line 20 for a later date.
    const confirmed = structuredClone(changed);
    (confirmed.lines[1] as PurchaseOrderState['lines'][number]).acknowledgement = {
      status: 'changed',
      confirmedDeliveryDate: '2026-12-04',
    };
    acknowledged(await connector.deliver(poDelivery('acknowledge', confirmed)));
    expect(linesOf(await orderIn(po.poNumber))[20]).toEqual(['70001', 240, 3.1, '2026-12-04']);

    const cancelled = acknowledged(await connector.deliver(poDelivery('cancel', confirmed)));
    expect(cancelled).toMatchObject({ reference: po.poNumber, alreadyDelivered: false });
    const after = await sandbox.inspect();
    expect(after.documents.purchaseOrders.some((p) => p.number === po.poNumber)).toBe(false);
    expect(after.documents.purchaseOrdersDeleted.map((d) => d.number)).toContain(po.poNumber);
    expect(
      acknowledged(await connector.deliver(poDelivery('cancel', confirmed))).alreadyDelivered,
    ).toBe(true);
  });

  it('a supplier invoice created with its lines and posted, once', async () => {
    const po = purchaseOrderState();
    acknowledged(await connector.deliver(submitPo(po)));
    const invoiceNumber = unique('INV');
    const delivery = supplierInvoice(po.poNumber, invoiceNumber);
    const first = acknowledged(await connector.deliver(delivery));
    const again = acknowledged(await connector.deliver(delivery));
    const { documents } = await sandbox.inspect();
    const held = documents.purchaseInvoices.filter((i) => i.vendorInvoiceNumber === invoiceNumber);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      status: 'Open',
      vendorNumber: '20000',
      totalAmountExcludingTax: 1220.8,
      totalTaxAmount: 0,
    });
    const lines = ((held[0]?.purchaseInvoiceLines ?? []) as Array<Record<string, unknown>>).map(
      (l) => [l.lineType, l.lineObjectNumber, l.quantity, l.directUnitCost],
    );
    expect(lines).toEqual([
      ['Item', '70000', 495, 1.84],
      ['Item', '70010', 12, 18.75],
      ['Account', '61400', 1, 85],
    ]);
    expect(first).toMatchObject({
      reference: held[0]?.number,
      alreadyDelivered: false,
      details: {
        status: 'Open',
        totalAmountIncludingTax: '1220.8',
        'lines.1.amountExcludingTax': '910.8',
      },
    });
    expect(again).toMatchObject({ reference: first.reference, alreadyDelivered: true });
  });

  it('a journal entry posted from a batch of its own; its G/L entries read back', async () => {
    const entryNumber = unique('JE');
    const delivery = journalEntry(entryNumber);
    const first = acknowledged(await connector.deliver(delivery));
    const again = acknowledged(await connector.deliver(delivery));
    const { documents } = await sandbox.inspect();
    const entries = documents.generalLedgerEntries
      .filter((e) => e.documentNumber === entryNumber)
      .map((e) => [e.accountNumber, e.debitAmount, e.creditAmount]);
    expect(entries).toEqual([
      ['61400', 12450, 0],
      ['61400', 1830.25, 0],
      ['21500', 0, 14280.25],
    ]);
    expect(first).toMatchObject({
      reference: entryNumber,
      alreadyDelivered: false,
      details: { entries: 3, totalDebit: '14280.25', totalCredit: '14280.25' },
    });
    expect(again.alreadyDelivered).toBe(true);
    expect(documents.journalPostings.filter((p) => p.documentNumber === entryNumber)).toHaveLength(
      1,
    );
  });

  it('a journal entry: the lines of a batch it just created are not read back; after a crash mid-way it adds only what is missing', async () => {
    const routes = async () => (await sandbox.inspect()).requests.byRoute;
    const before = await routes();
    const fresh = acknowledged(await connector.deliver(journalEntry(unique('JE'))));
    const after = await routes();
    const sent = (route: string) => (after[route] ?? 0) - (before[route] ?? 0);
    expect(fresh.alreadyDelivered).toBe(false);
    // Two already-posted checks, the batch looked up and created, 3 lines, the post, the read back.
    expect(sent('GET journals()/journalLines')).toBe(0);
    expect(sent('GET generalLedgerEntries') + sent('GET journals') + sent('POST journals')).toBe(4);
    expect(sent('POST journals()/journalLines')).toBe(3);

    // The gateway stops after the batch and its first line were written (a crash, a lost answer).
    const entryNumber = unique('JE');
    let requests = 0;
    const crashing = new RestConnector(sandbox.connectorConfig(), {
      beforeRequest: async () => {
        if (++requests === 5) throw new Error('the gateway stopped here');
      },
    });
    try {
      expect((await crashing.deliver(journalEntry(entryNumber))).ok).toBe(false);
    } finally {
      await crashing.close();
    }
    const resumed = acknowledged(await connector.deliver(journalEntry(entryNumber)));
    const { documents } = await sandbox.inspect();
    expect(
      documents.generalLedgerEntries.filter((e) => e.documentNumber === entryNumber),
    ).toHaveLength(3);
    expect(documents.journalPostings.filter((p) => p.documentNumber === entryNumber)).toEqual([
      expect.objectContaining({ lines: 3 }),
    ]);
    expect(resumed).toMatchObject({ reference: entryNumber, details: { entries: 3 } });
  });

  it('shipment notices and goods receipts: permanent "not supported by this profile", nothing sent', async () => {
    const before = (await sandbox.inspect()).requests.requests;
    for (const delivery of [shipmentNotice('PO-X'), goodsReceipt('PO-X', { 10: '5' })]) {
      expect(connector.supports(delivery.document, delivery.action)).toBe(false);
      const result = await connector.deliver(delivery);
      expect(result).toMatchObject({
        ok: false,
        error: { kind: 'permanent', code: 'not-supported-by-profile' },
      });
      if (!result.ok) expect(result.error.message).toContain('Business Central');
    }
    expect((await sandbox.inspect()).requests.requests).toBe(before);
  });
});
