/** Events of a purchase order for the documents model's specs. */
import type { JsonObject } from '../../src/ports/eventStore.js';
import { recorded } from '../testing.js';

export const po = 'PurchaseOrder-ACME-US/PO-1';
export const ownership = (stream: string, document: JsonObject, owner = 'legacy') =>
  recorded(stream, 'DocumentOwnershipAssigned', {
    document,
    owner,
    primary: 'legacy',
    basis: 'rule',
    ruleId: 'us-legacy',
    ruleSetVersion: 1,
    reason: 'US plants stay on legacy',
  });
export const line = (lineNumber: number, value: string) => ({
  lineNumber,
  item: `ITEM-${lineNumber}`,
  quantity: { value, uom: 'EA' },
  unitPrice: '2.00',
});
export const submitted = () => [
  ownership(po, { type: 'purchaseOrder', key: { company: 'ACME-US', poNumber: 'PO-1' } }),
  recorded(po, 'PurchaseOrderSubmitted', {
    company: 'ACME-US',
    poNumber: 'PO-1',
    supplier: 'SUP-1',
    site: 'DAL1',
    orderDate: '2026-11-01',
    currency: 'USD',
    lines: [line(1, '100'), line(2, '50')],
  }),
];
