/**
 * Events read from SQLite parse their data and metadata on first use, and must still behave
 * as plain objects wherever an event is copied, compared or changed (upcasters, read models).
 */
import { describe, expect, it } from 'vitest';
import { type EventRow, toRecordedEvent } from '../../src/adapters/eventStore/sqlite/schema.js';

const row = (): EventRow => ({
  position: 42,
  id: '6f1c2d1e-0000-4000-8000-000000000001',
  stream: 'PurchaseOrder-ACME-US/4500012345',
  revision: 3,
  type: 'PurchaseOrderChanged',
  data: '{"company":"ACME-US","poNumber":"4500012345","lines":[{"lineNumber":10}]}',
  metadata: '{"clientId":"srm","correlationId":"c-1"}',
  recorded_at: '2026-11-15T10:00:00.000Z',
});

describe('an event read from SQLite', () => {
  it('has its fields, data and metadata as own enumerable properties', () => {
    const event = toRecordedEvent(row());
    expect(Object.keys(event).sort()).toEqual(
      ['data', 'id', 'metadata', 'position', 'recordedAt', 'revision', 'streamName', 'type'].sort(),
    );
    expect({ ...event }).toEqual({
      id: '6f1c2d1e-0000-4000-8000-000000000001',
      type: 'PurchaseOrderChanged',
      streamName: 'PurchaseOrder-ACME-US/4500012345',
      revision: 3n,
      position: 42n,
      recordedAt: new Date('2026-11-15T10:00:00.000Z'),
      data: { company: 'ACME-US', poNumber: '4500012345', lines: [{ lineNumber: 10 }] },
      metadata: { clientId: 'srm', correlationId: 'c-1' },
    });
  });

  it('parses its data once: every read answers the same object', () => {
    const event = toRecordedEvent(row());
    expect(event.data).toBe(event.data);
    expect(event.metadata).toBe(event.metadata);
  });

  it('takes a new data or metadata by assignment, before or after a read', () => {
    const unread = toRecordedEvent(row());
    unread.data = { replaced: true };
    expect(unread.data).toEqual({ replaced: true });
    const read = toRecordedEvent(row());
    expect(read.metadata.clientId).toBe('srm');
    read.metadata = { clientId: 'other' };
    expect({ ...read }.metadata).toEqual({ clientId: 'other' });
  });

  it('keeps each event apart from the others read from the same rows', () => {
    const source = row();
    const first = toRecordedEvent(source);
    const second = toRecordedEvent(source);
    first.data.poNumber = 'changed';
    expect(second.data.poNumber).toBe('4500012345');
  });
});
