/** Event-log fixtures for read-side tests: purchase orders written as the write path does. */
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../../src/ports/eventStore.js';

export const orderEvents = (company: string, poNumber: string, owner = 'legacy'): NewEvent[] => {
  const metadata = { clientId: 'erp-feed', correlationId: `corr-${poNumber}` };
  return [
    {
      id: randomUUID(),
      type: 'DocumentOwnershipAssigned',
      data: {
        document: { type: 'purchaseOrder', key: { company, poNumber } },
        owner,
        primary: owner === 'cloud' ? 'cloud' : 'legacy',
        basis: 'rule',
        ruleId: 'r1',
        ruleSetVersion: 1,
        reason: 'test',
      },
      metadata,
    },
    {
      id: randomUUID(),
      type: 'PurchaseOrderSubmitted',
      data: {
        company,
        poNumber,
        supplier: 'SUP-1',
        site: 'DAL1',
        orderDate: '2026-11-01',
        currency: 'USD',
        lines: [
          { lineNumber: 1, item: 'BRG', quantity: { value: '10', uom: 'EA' }, unitPrice: '1' },
        ],
      },
      metadata,
    },
  ];
};

/** Appends `count` orders; concurrently, so the store commits them in a few transactions. */
export const appendOrders = async (store: EventStore, count: number, from = 0) => {
  const numbers = Array.from(
    { length: count },
    (_, i) => `PO-${String(from + i).padStart(6, '0')}`,
  );
  for (let i = 0; i < numbers.length; i += 500) {
    await Promise.all(
      numbers.slice(i, i + 500).map((poNumber) =>
        store.appendToStream(`PurchaseOrder-ACME/${poNumber}`, orderEvents('ACME', poNumber), {
          expectedRevision: 'no_stream',
        }),
      ),
    );
  }
};
