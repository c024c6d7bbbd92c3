import { describe, expect, it } from 'vitest';
import { foldDocument } from '../../src/domain/fold.js';
import { given, recorded } from '../testing.js';
import { documentStates } from './documentStates.js';

const stream = 'PurchaseOrder-ACME-US/S-1';
const route = { owner: 'legacy', basis: 'rule', ruleId: 'us-legacy', ruleSetVersion: 1 };
const line = (lineNumber: number, value: string) => ({
  lineNumber,
  item: `ITEM-${lineNumber}`,
  quantity: { value, uom: 'EA' },
  unitPrice: '2.00',
});
const events = () => [
  recorded(
    stream,
    'DocumentOwnershipAssigned',
    { document: { type: 'purchaseOrder', key: { company: 'ACME-US', poNumber: 'S-1' } }, ...route },
    { route },
  ),
  recorded(
    stream,
    'PurchaseOrderSubmitted',
    {
      company: 'ACME-US',
      poNumber: 'S-1',
      supplier: 'SUP-1',
      site: 'DAL1',
      orderDate: '2026-11-01',
      currency: 'USD',
      lines: [line(1, '100'), line(2, '50')],
    },
    { route },
  ),
  recorded(stream, 'PurchaseOrderChanged', {
    company: 'ACME-US',
    poNumber: 'S-1',
    lines: [{ action: 'cancel', lineNumber: 2 }],
  }),
];

describe('document states read model', () => {
  it('Given an order submitted and changed, Then its state is the domain fold of its stream', () => {
    const record = given(documentStates, events()).get(stream);
    expect(record).toMatchObject({ documentType: 'purchaseOrder', route, streamRevision: 2 });
    expect(record?.state).toEqual(
      JSON.parse(JSON.stringify(foldDocument('purchaseOrder', events()))),
    );
  });

  it('Given only the ownership event, Then the document has no state yet', () => {
    const [ownership] = events();
    expect(given(documentStates, ownership ? [ownership] : []).get(stream)).toMatchObject({
      state: null,
      streamRevision: Number(ownership?.revision),
    });
  });

  it('Given an event type no decider knows, Then the state stays and the revision moves', () => {
    const before = given(documentStates, events()).get(stream);
    const unknown = recorded(stream, 'InvoiceMatched', { whatever: true });
    const after = given(documentStates, [...events(), unknown]).get(stream);
    expect(after?.state).toEqual(before?.state);
    expect(after?.streamRevision).toBe(Number(unknown.revision));
  });
});
