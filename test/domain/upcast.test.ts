import { describe, expect, it } from 'vitest';
import { eventSchemaId, ownershipEventType } from '../../src/domain/events/registry.js';
import { upcast } from '../../src/domain/events/upcast.js';

const notice = {
  supplier: 'SUP-1',
  asnNumber: 'ASN-1',
  company: 'ACME-US',
  site: 'DAL1',
  shippedAt: '2026-11-08T08:00:00Z',
  lines: [
    {
      lineNumber: 1,
      poNumber: 'PO-1',
      poLineNumber: 1,
      item: 'BRG',
      quantity: { value: '1', uom: 'EA' },
    },
  ],
};
const v1Exception = {
  code: 'UNKNOWN_PO_LINE',
  pointer: '/lines/0/poLineNumber',
  detail: 'No line 1.',
};

describe('upcasting recorded events to their current shape', () => {
  it('turns a v1 child event into v2: each exception a warning, the version recorded', () => {
    const v1 = { type: 'ShipmentNoticeSubmitted', data: { ...notice, exceptions: [v1Exception] } };
    expect(eventSchemaId(v1)).toBe(
      'https://coexist.dev/contracts/events/v1/shipment-notice-submitted.json',
    );
    const current = upcast(v1);
    expect(current).toEqual({
      type: 'ShipmentNoticeSubmitted',
      data: {
        ...notice,
        schemaVersion: 2,
        exceptions: [{ ...v1Exception, severity: 'warning' }],
      },
    });
    expect(current && eventSchemaId(current)).toBe(
      'https://coexist.dev/contracts/events/v2/shipment-notice-submitted.json',
    );
  });

  it('leaves current events as they are, and knows nothing of unregistered types', () => {
    const v2 = {
      type: 'GoodsReceiptRecorded',
      data: { schemaVersion: 2, exceptions: [{ ...v1Exception, severity: 'blocking' }] },
    };
    expect(upcast(v2)).toEqual(v2);
    const ownership = { type: ownershipEventType, data: { owner: 'cloud' } };
    expect(upcast(ownership)).toBe(ownership);
    expect(upcast({ type: 'DeliveryAttemptRecorded', data: {} })).toBeNull();
    expect(upcast({ type: 'toString', data: {} })).toBeNull();
  });
});
