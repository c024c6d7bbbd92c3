import { describe, expect, it } from 'vitest';
import {
  BusinessRuleError,
  DocumentNotFoundError,
  DocumentStateConflictError,
} from '../../src/domain/errors.js';
import {
  acknowledge,
  cancel,
  change,
  foldPurchaseOrder,
  submit,
} from '../../src/domain/purchaseOrder/purchaseOrder.js';
import type {
  PurchaseOrderEvent,
  SubmitPurchaseOrder,
} from '../../src/domain/purchaseOrder/types.js';

const key = { company: 'ACME-US', poNumber: '4500012345' };
const order: SubmitPurchaseOrder = {
  ...key,
  supplier: 'SUP-10023',
  site: 'DAL1',
  orderDate: '2026-11-02',
  currency: 'USD',
  lines: [
    {
      lineNumber: 10,
      item: 'BRG-6204-2RS',
      quantity: { value: '500', uom: 'EA' },
      unitPrice: '1.84',
    },
    {
      lineNumber: 20,
      item: 'BRG-6305-ZZ',
      quantity: { value: '200', uom: 'EA' },
      unitPrice: '3.10',
    },
  ],
};
const submitted: PurchaseOrderEvent = { type: 'PurchaseOrderSubmitted', data: order };
const given = (...events: PurchaseOrderEvent[]) => foldPurchaseOrder(events);

describe('purchase order', () => {
  it('is submitted once; a second submit of the same key conflicts', () => {
    expect(submit(null, order)).toEqual([submitted]);
    expect(() => submit(given(submitted), order)).toThrow(DocumentStateConflictError);
  });

  it('rejects duplicate line numbers, pointing at the repeat', () => {
    const line = order.lines[0];
    if (!line) throw new Error('fixture');
    const error = catchError(() => submit(null, { ...order, lines: [line, line] }));
    expect(error).toBeInstanceOf(BusinessRuleError);
    expect((error as BusinessRuleError).violations).toEqual([
      { pointer: '/lines/1/lineNumber', detail: 'Line number 10 is used more than once.' },
    ]);
  });

  it('applies line changes: update, add, cancel', () => {
    const events = change(given(submitted), key, {
      lines: [
        { action: 'update', lineNumber: 10, quantity: { value: '450', uom: 'EA' } },
        {
          action: 'add',
          lineNumber: 30,
          item: 'SEAL-22',
          quantity: { value: '50', uom: 'EA' },
          unitPrice: '0.40',
        },
        { action: 'cancel', lineNumber: 20 },
      ],
    });
    const state = given(submitted, ...events);
    expect(state?.changeCount).toBe(1);
    expect(state?.lines.map((l) => [l.lineNumber, l.quantity.value, l.status])).toEqual([
      [10, '450', 'open'],
      [20, '200', 'cancelled'],
      [30, '50', 'open'],
    ]);
  });

  it('reports every change naming a line that does not exist (or already does), as 422 violations', () => {
    const error = catchError(() =>
      change(given(submitted), key, {
        lines: [
          { action: 'update', lineNumber: 99, unitPrice: '2.00' },
          {
            action: 'add',
            lineNumber: 10,
            item: 'X',
            quantity: { value: '1', uom: 'EA' },
            unitPrice: '1',
          },
        ],
      }),
    ) as BusinessRuleError;
    expect(error).toBeInstanceOf(BusinessRuleError);
    expect(error.violations.map((v) => v.pointer)).toEqual([
      '/lines/0/lineNumber',
      '/lines/1/lineNumber',
    ]);
  });

  it('refuses an acknowledgement of an unknown line', () => {
    expect(() =>
      acknowledge(given(submitted), key, {
        acknowledgedAt: '2026-11-03T09:00:00Z',
        status: 'accepted_with_changes',
        lines: [{ lineNumber: 15, status: 'accepted' }],
      }),
    ).toThrow(BusinessRuleError);
  });

  it('records a supplier acknowledgement per line', () => {
    const events = acknowledge(given(submitted), key, {
      acknowledgedAt: '2026-11-03T09:00:00Z',
      status: 'accepted_with_changes',
      lines: [{ lineNumber: 20, status: 'changed', confirmedDeliveryDate: '2026-11-20' }],
    });
    const state = given(submitted, ...events);
    expect(state?.status).toBe('acknowledged');
    expect(state?.lines[1]?.acknowledgement).toEqual({
      status: 'changed',
      confirmedDeliveryDate: '2026-11-20',
    });
  });

  it('refuses every command once cancelled (409), and commands on an unknown order (404)', () => {
    const cancelled = given(
      submitted,
      ...cancel(given(submitted), key, { reason: 'Duplicate order' }),
    );
    expect(cancelled?.status).toBe('cancelled');
    expect(() => cancel(cancelled, key, { reason: 'again' })).toThrow(DocumentStateConflictError);
    expect(() => change(cancelled, key, { notes: 'x' })).toThrow(/cancelled/);
    expect(() =>
      acknowledge(cancelled, key, { acknowledgedAt: '2026-11-03T09:00:00Z', status: 'accepted' }),
    ).toThrow(DocumentStateConflictError);
    expect(() => change(null, key, { notes: 'x' })).toThrow(DocumentNotFoundError);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('purchase order state', () => {
  it('folds past event types it does not handle, exactly as without them', () => {
    const unknown = { type: 'DeliveryAttemptRecorded', data: { target: 'legacy' } };
    const ownership = {
      type: 'DocumentOwnershipAssigned',
      data: { document: { type: 'purchaseOrder', key }, owner: 'legacy' },
    };
    expect(foldPurchaseOrder([ownership, submitted, unknown])).toEqual(given(submitted));
    const changed = change(given(submitted), key, { notes: 'Dock 4' });
    expect(foldPurchaseOrder([submitted, unknown, ...changed])).toEqual(
      given(submitted, ...changed),
    );
  });

  it('keeps every header field the client sent, and the changes to them', () => {
    const header = {
      buyer: 'j.doe',
      paymentTerms: 'NET30',
      incoterms: { code: 'FCA' as const, place: 'Memphis' },
      externalReference: 'EDI-850-0042',
      requestedDeliveryDate: '2026-11-20',
      notes: 'Call before delivery.',
      shipTo: { street: '1 Main St', city: 'Dallas', country: 'US' },
    };
    const full: PurchaseOrderEvent = {
      type: 'PurchaseOrderSubmitted',
      data: { ...order, ...header },
    };
    const { lines: _lines, ...sent } = full.data;
    expect(given(full)).toMatchObject(sent);
    const changes = change(given(full), key, {
      changeReason: 'Supplier moved the date',
      requestedDeliveryDate: '2026-11-27',
      notes: 'Dock 4',
    });
    expect(given(full, ...changes)).toMatchObject({
      ...sent,
      requestedDeliveryDate: '2026-11-27',
      notes: 'Dock 4',
      lastChangeReason: 'Supplier moved the date',
    });
  });

  it('is cancelled once every line is cancelled, and then refuses changes (409)', () => {
    const first = change(given(submitted), key, { lines: [{ action: 'cancel', lineNumber: 10 }] });
    expect(given(submitted, ...first)?.status).toBe('open');
    const second = change(given(submitted, ...first), key, {
      changeReason: 'Project stopped',
      lines: [{ action: 'cancel', lineNumber: 20, reason: 'Not needed' }],
    });
    const state = given(submitted, ...first, ...second);
    expect(state?.status).toBe('cancelled');
    expect(state?.cancellation).toEqual({ reason: 'Project stopped' });
    expect(state?.lines[1]).toMatchObject({
      status: 'cancelled',
      cancellationReason: 'Not needed',
    });
    expect(() => change(state, key, { notes: 'x' })).toThrow(DocumentStateConflictError);
  });

  it("refuses to change a line's unit of measure, pointing at it (422)", () => {
    const error = catchError(() =>
      change(given(submitted), key, {
        lines: [{ action: 'update', lineNumber: 10, quantity: { value: '5', uom: 'BOX' } }],
      }),
    ) as BusinessRuleError;
    expect(error).toBeInstanceOf(BusinessRuleError);
    expect(error.code).toBe('invalid-change');
    expect(error.violations).toEqual([
      {
        pointer: '/lines/0/quantity/uom',
        detail:
          'Line 10 is ordered in EA; its unit cannot change to BOX (cancel the line and add one in BOX).',
      },
    ]);
  });

  it('keeps the acknowledgement number and notes', () => {
    const events = acknowledge(given(submitted), key, {
      acknowledgedAt: '2026-11-03T09:00:00Z',
      status: 'accepted',
      acknowledgementNumber: 'ACK-77',
      note: 'Ships from Memphis',
      lines: [{ lineNumber: 10, status: 'accepted', note: 'In stock' }],
    });
    const state = given(submitted, ...events);
    expect(state?.acknowledgement).toEqual({
      acknowledgedAt: '2026-11-03T09:00:00Z',
      status: 'accepted',
      acknowledgementNumber: 'ACK-77',
      note: 'Ships from Memphis',
    });
    expect(state?.lines[0]?.acknowledgement).toEqual({ status: 'accepted', note: 'In stock' });
  });
});
