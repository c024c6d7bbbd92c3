/**
 * The sandbox's lookups by business key (what the Business Central profile reads before each
 * write): they find exactly the records with that key in that company, follow creates and
 * deletes, and read no other record, so a sandbox holding a bench's thousands of documents
 * answers a lookup as fast as an empty one.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type ApiRequest, handleApi } from '../../src/sandbox/cloudErp/api.js';
import { BcError } from '../../src/sandbox/cloudErp/errors.js';
import { defaultFaults } from '../../src/sandbox/cloudErp/faults.js';
import { Ledger } from '../../src/sandbox/cloudErp/ledger.js';

const us = '8a3c1d00-0000-4000-8000-00000000a001';
const gmbh = '8a3c1d00-0000-4000-8000-00000000a002';

describe('sandbox lookups by business key', () => {
  let ledger: Ledger;
  const call = (
    method: string,
    path: string,
    options: { query?: ApiRequest['query']; body?: unknown; ifMatch?: string } = {},
  ) => {
    try {
      return handleApi(ledger, {
        method,
        path,
        query: options.query ?? {},
        ifMatch: options.ifMatch,
        body: options.body,
      });
    } catch (error) {
      if (error instanceof BcError) return { status: error.status, body: error.message };
      throw error;
    }
  };
  const list = (path: string, filter?: string) =>
    (
      call('GET', path, filter ? { query: { $filter: filter } } : {}).body as {
        value: Array<Record<string, unknown>>;
      }
    ).value;
  const order = (number: string) => ({
    number,
    vendorNumber: '20000',
    orderDate: '2026-11-02',
    currencyCode: 'USD',
    purchaseOrderLines: [{ lineObjectNumber: '70000', quantity: 2, directUnitCost: 1.5 }],
  });
  const postEntry = (company: string, code: string, documentNumber: string) => {
    const journal = call('POST', `companies(${company})/journals`, {
      body: { code, displayName: documentNumber },
    }).body as { id: string };
    for (const [lineNumber, amount] of [
      [10000, 12.5],
      [20000, -12.5],
    ] as const) {
      const line = call('POST', `companies(${company})/journals(${journal.id})/journalLines`, {
        body: {
          lineNumber,
          accountNumber: '61400',
          postingDate: '2026-11-02',
          documentNumber,
          amount,
        },
      });
      expect(line.status).toBe(201);
    }
    expect(
      call('POST', `companies(${company})/journals(${journal.id})/Microsoft.NAV.post`).status,
    ).toBe(204);
  };

  beforeEach(() => {
    const faults = defaultFaults();
    ledger = new Ledger(() => faults);
  });

  it('purchase orders by number: the one of that company, none after a delete, refused twice', () => {
    for (let i = 0; i < 300; i++) {
      expect(
        call('POST', `companies(${us})/purchaseOrders`, { body: order(`PO-${i}`) }).status,
      ).toBe(201);
    }
    expect(call('POST', `companies(${gmbh})/purchaseOrders`, { body: order('PO-7') }).status).toBe(
      201,
    );
    const found = list(`companies(${us})/purchaseOrders`, "number eq 'PO-7'");
    expect(found.map((po) => po.number)).toEqual(['PO-7']);
    expect(list(`companies(${gmbh})/purchaseOrders`, "number eq 'PO-7'")).toHaveLength(1);
    expect(list(`companies(${gmbh})/purchaseOrders`, "number eq 'PO-8'")).toHaveLength(0);
    expect(list(`companies(${us})/purchaseOrders`)).toHaveLength(300);
    // The same number again in the same company: refused, as BC does.
    expect(call('POST', `companies(${us})/purchaseOrders`, { body: order('PO-7') }).status).toBe(
      400,
    );
    const etag = found[0]?.['@odata.etag'] as string;
    expect(
      call('DELETE', `companies(${us})/purchaseOrders(${found[0]?.id})`, { ifMatch: etag }).status,
    ).toBe(204);
    expect(list(`companies(${us})/purchaseOrders`, "number eq 'PO-7'")).toHaveLength(0);
    expect(call('POST', `companies(${us})/purchaseOrders`, { body: order('PO-7') }).status).toBe(
      201,
    );
    expect(list(`companies(${us})/purchaseOrders`, "number eq 'PO-7'")).toHaveLength(1);
  });

  it('journals by code and posted entries by document number, per company', () => {
    for (let i = 0; i < 100; i++) postEntry(us, `GW${i}`, `JE-${i}`);
    postEntry(gmbh, 'GW5', 'JE-5');
    expect(list(`companies(${us})/journals`, "code eq 'GW5'").map((j) => j.code)).toEqual(['GW5']);
    const entries = list(`companies(${us})/generalLedgerEntries`, "documentNumber eq 'JE-5'");
    expect(entries.map((e) => [e.documentNumber, e.debitAmount, e.creditAmount])).toEqual([
      ['JE-5', 12.5, 0],
      ['JE-5', 0, 12.5],
    ]);
    expect(
      list(`companies(${gmbh})/generalLedgerEntries`, "documentNumber eq 'JE-5'"),
    ).toHaveLength(2);
    expect(list(`companies(${us})/generalLedgerEntries`)).toHaveLength(200);
    // A deleted journal's code is free again; a held one is not.
    const journal = list(`companies(${us})/journals`, "code eq 'GW5'")[0] as Record<string, string>;
    expect(call('POST', `companies(${us})/journals`, { body: { code: 'GW5' } }).status).toBe(400);
    expect(
      call('DELETE', `companies(${us})/journals(${journal.id})`, {
        ifMatch: journal['@odata.etag'],
      }).status,
    ).toBe(204);
    expect(list(`companies(${us})/journals`, "code eq 'GW5'")).toHaveLength(0);
    expect(call('POST', `companies(${us})/journals`, { body: { code: 'GW5' } }).status).toBe(201);
  });

  it('purchase invoices by vendor invoice number and vendor; a second posting for the vendor refused', () => {
    const invoice = (vendorNumber: string) => ({
      vendorNumber,
      vendorInvoiceNumber: 'INV-1',
      invoiceDate: '2026-11-02',
      currencyCode: 'USD',
      purchaseInvoiceLines: [{ lineObjectNumber: '70000', quantity: 1, directUnitCost: 3 }],
    });
    const ids = ['20000', '30000', '20000'].map(
      (vendor) =>
        (
          call('POST', `companies(${us})/purchaseInvoices`, { body: invoice(vendor) }).body as {
            id: string;
          }
        ).id,
    );
    const filter = "vendorInvoiceNumber eq 'INV-1' and vendorNumber eq '30000'";
    expect(list(`companies(${us})/purchaseInvoices`, filter).map((i) => i.id)).toEqual([ids[1]]);
    expect(
      call('POST', `companies(${us})/purchaseInvoices(${ids[0]})/Microsoft.NAV.post`).status,
    ).toBe(204);
    expect(
      call('POST', `companies(${us})/purchaseInvoices(${ids[1]})/Microsoft.NAV.post`).status,
    ).toBe(204);
    expect(
      call('POST', `companies(${us})/purchaseInvoices(${ids[2]})/Microsoft.NAV.post`).status,
    ).toBe(400);
  });

  it('a lookup by key reads no other record', () => {
    for (let i = 0; i < 50; i++) {
      call('POST', `companies(${us})/purchaseOrders`, { body: order(`PO-${i}`) });
      postEntry(us, `GW${i}`, `JE-${i}`);
    }
    const scans = [
      vi.spyOn(ledger.purchaseOrders, 'values'),
      vi.spyOn(ledger.journals, 'values'),
      vi.spyOn(ledger.glEntries, 'filter'),
      vi.spyOn(ledger.glEntries, Symbol.iterator),
    ];
    const render = vi.spyOn(ledger, 'poView');
    expect(list(`companies(${us})/purchaseOrders`, "number eq 'PO-9'")).toHaveLength(1);
    expect(list(`companies(${us})/journals`, "code eq 'GW9'")).toHaveLength(1);
    expect(list(`companies(${us})/generalLedgerEntries`, "documentNumber eq 'JE-9'")).toHaveLength(
      2,
    );
    expect(call('POST', `companies(${us})/purchaseOrders`, { body: order('PO-new') }).status).toBe(
      201,
    );
    expect(call('POST', `companies(${us})/journals`, { body: { code: 'GWnew' } }).status).toBe(201);
    for (const scan of scans) expect(scan).not.toHaveBeenCalled();
    // One order rendered for the lookup, one for the create's answer.
    expect(render).toHaveBeenCalledTimes(2);
  });
});
