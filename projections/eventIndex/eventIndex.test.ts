import { describe, expect, it } from 'vitest';
import { given, recorded } from '../testing.js';
import { eventIndex } from './eventIndex.js';

describe('event index read model', () => {
  it('Given events, Then one entry each, by position, with who and which correlation', () => {
    const first = recorded(
      'PurchaseOrder-ACME/1',
      'PurchaseOrderSubmitted',
      { poNumber: '1' },
      { clientId: 'srm', keyId: 'k-1', correlationId: 'c-1' },
    );
    const second = recorded('coexist-routing-rules', 'RoutingRuleSetPublished', { version: 1 });
    const index = given(eventIndex, [first, second]);
    expect([...index.values()]).toEqual([
      {
        id: first.position.toString().padStart(40, '0'),
        eventId: first.id,
        type: 'PurchaseOrderSubmitted',
        streamName: 'PurchaseOrder-ACME/1',
        revision: 0,
        recordedAt: '2026-11-01T10:00:00.000Z',
        clientId: 'srm',
        keyId: 'k-1',
        correlationId: 'c-1',
      },
      expect.objectContaining({
        type: 'RoutingRuleSetPublished',
        clientId: null,
        correlationId: null,
      }),
    ]);
  });

  it('Given an event delivered twice, Then its entry is unchanged', () => {
    const event = recorded('PurchaseOrder-ACME/2', 'PurchaseOrderCancelled', {}, { clientId: 'a' });
    const once = given(eventIndex, [event]);
    expect(given(eventIndex, [event, { ...event, metadata: { clientId: 'b' } }])).toEqual(once);
  });
});
