/**
 * A supplier credit note to the cloud ERP with the Business Central profile: the profile posts
 * purchase invoices, and a credit note posted as one would be a second charge. So it is refused
 * permanently, in words that say why and what to do, and nothing is written in BC (the sandbox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestConnector } from '../../../src/adapters/connectors/rest/connector.js';
import type { SubmitSupplierInvoice } from '../../../src/domain/children/types.js';
import type { ErpDelivery } from '../../../src/ports/erpConnector.js';
import { type SandboxProcess, startSandboxProcess } from '../../sandbox/cloudErpProcess.js';
import { purchaseOrderState, submitPo, supplierInvoice, unique } from '../fixtures.js';

describe('REST connector with the Business Central profile, a supplier credit note', () => {
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

  it('is refused permanently, never posted as an invoice', async () => {
    const po = purchaseOrderState();
    expect((await connector.deliver(submitPo(po))).ok).toBe(true);
    const invoiceNumber = unique('CN');
    const delivery = supplierInvoice(po.poNumber, invoiceNumber);
    const state: SubmitSupplierInvoice = {
      ...(delivery.state as SubmitSupplierInvoice),
      documentKind: 'creditNote',
    };
    const result = await connector.deliver({ ...delivery, state } as ErpDelivery);
    expect(result).toMatchObject({
      ok: false,
      error: {
        kind: 'permanent',
        code: 'credit-note-unsupported',
        message: expect.stringMatching(
          new RegExp(`Credit note ${invoiceNumber} .*purchase credit memo`),
        ),
      },
    });
    const { documents } = await sandbox.inspect();
    expect(
      documents.purchaseInvoices.filter((i) => i.vendorInvoiceNumber === invoiceNumber),
    ).toEqual([]);
  }, 60_000);
});
