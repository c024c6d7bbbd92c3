/** What a migration delivers, and the owner a document's stream records (pure parts). */
import { describe, expect, it } from 'vitest';
import { recordedRoute } from '../../src/commands/ownership.js';
import { requestsFor } from '../../src/delivery/requests.js';
import type { PurchaseOrderState } from '../../src/domain/purchaseOrder/types.js';
import {
  migratedState,
  migrationTargets,
  type OwnershipChange,
} from '../../src/migration/deliveries.js';
import type { JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';

const qty = (value: string) => ({ value, uom: 'EA' });
const change = (over: Partial<OwnershipChange> = {}): OwnershipChange => ({
  route: { owner: 'cloud', primary: 'cloud' },
  previous: { owner: 'legacy', primary: 'legacy' },
  migrationId: 'm-1',
  by: 'architect-jo',
  reason: 'CAB-1',
  oldOwnerPolicy: 'cancel-remainder',
  carriedOver: [
    { lineNumber: 10, ordered: qty('10'), received: qty('4'), invoiced: qty('2') },
    { lineNumber: 20, ordered: qty('5'), received: qty('0'), invoiced: qty('0') },
  ],
  ...over,
});
const nothingReceived = change().carriedOver.map((l) => ({ ...l, received: qty('0') }));

describe('migrationTargets', () => {
  it.each([
    [
      'legacy → cloud, cancel-remainder with goods received: submit to cloud, change on legacy',
      change(),
      ['cloud:primary:submit', 'legacy:primary:change'],
    ],
    [
      'nothing received: the old owner cancels',
      change({ carriedOver: nothingReceived }),
      ['cloud:primary:submit', 'legacy:primary:cancel'],
    ],
    [
      'leave: nothing for the old owner',
      change({ oldOwnerPolicy: 'leave' }),
      ['cloud:primary:submit'],
    ],
    [
      'legacy → dual(legacy+cloud): only the shadow is new, the primary stays',
      change({ route: { owner: 'dual', primary: 'legacy', shadow: 'cloud' } }),
      ['cloud:shadow:submit'],
    ],
    [
      'dual(legacy+cloud) → cloud: the shadow becomes the owner, legacy is dropped',
      change({ previous: { owner: 'dual', primary: 'legacy', shadow: 'cloud' } }),
      ['legacy:primary:change'],
    ],
  ])('%s', (_name, input, expected) => {
    expect(migrationTargets(input).map((t) => `${t.target}:${t.role}:${t.action}`)).toEqual(
      expected,
    );
  });
});

const order = {
  company: 'ACME-EU',
  poNumber: 'PO-1',
  status: 'open',
  changeCount: 0,
  lines: [
    { lineNumber: 10, item: 'A', quantity: qty('10'), unitPrice: '1', status: 'open' },
    { lineNumber: 20, item: 'B', quantity: qty('5'), unitPrice: '1', status: 'open' },
  ],
} as unknown as PurchaseOrderState;

describe('migratedState', () => {
  it('the new owner is asked only for what is still to receive, each line with its history (ordered, received, invoiced)', () => {
    const three = {
      ...order,
      lines: [
        ...order.lines,
        { lineNumber: 30, item: 'C', quantity: qty('12'), unitPrice: '1', status: 'open' },
      ],
    } as unknown as PurchaseOrderState;
    const carriedOver = [
      ...change().carriedOver,
      { lineNumber: 30, ordered: qty('12'), received: qty('12'), invoiced: qty('12') },
    ];
    const state = migratedState(three, change({ carriedOver }), 'submit') as unknown as {
      lines: Array<{
        lineNumber: number;
        quantity: { value: string };
        ordered: { value: string };
        received: { value: string };
        invoiced: { value: string };
      }>;
    };
    expect(
      state.lines.map((l) => [
        l.lineNumber,
        l.quantity.value,
        l.ordered.value,
        l.received.value,
        l.invoiced.value,
      ]),
    ).toEqual([
      [10, '6', '10', '4', '2'],
      [20, '5', '5', '0', '0'],
      // Fully received and invoiced: nothing left to receive there, never re-opened.
      [30, '0', '12', '12', '12'],
    ]);
  });

  it('the old owner keeps what it received; the rest is cancelled, saying who and why', () => {
    const state = migratedState(order, change(), 'change');
    expect(state.lines.map((l) => [l.lineNumber, l.status, l.quantity.value])).toEqual([
      [10, 'open', '4'],
      [20, 'cancelled', '5'],
    ]);
    expect(state.lastChangeReason).toMatch(
      /Open remainder cancelled\. Moved to cloud by architect-jo \(migration m-1\): CAB-1/,
    );
  });

  it('nothing received: the old owner cancels the order', () => {
    const state = migratedState(order, change({ carriedOver: nothingReceived }), 'cancel');
    expect(state.status).toBe('cancelled');
    expect(state.cancellation?.reason).toMatch(/Moved to cloud/);
  });
});

const event = (type: string, data: object, route: object, revision = 0): RecordedEvent => ({
  id: `e-${revision}`,
  type,
  streamName: 'PurchaseOrder-ACME-EU/PO-1',
  revision: BigInt(revision),
  position: BigInt(revision + 1),
  data: data as JsonObject,
  metadata: { route: route as JsonObject },
  recordedAt: new Date(),
});

describe('recordedRoute and requestsFor', () => {
  const assigned = {
    owner: 'legacy',
    primary: 'legacy',
    basis: 'rule',
    ruleId: 'r',
    ruleSetVersion: 1,
    reason: 'r',
  };
  const migrated = {
    owner: 'cloud',
    primary: 'cloud',
    basis: 'migration',
    ruleId: null,
    ruleSetVersion: null,
    reason: 'm',
  };
  const document = { type: 'purchaseOrder', key: { company: 'ACME-EU', poNumber: 'PO-1' } };
  const events = [
    event('DocumentOwnershipAssigned', { document, ...assigned }, assigned, 0),
    event('PurchaseOrderSubmitted', { company: 'ACME-EU', poNumber: 'PO-1' }, assigned, 1),
    event('DocumentOwnershipChanged', { ...change(), document, route: migrated }, migrated, 2),
  ];

  it('the latest owner: the migration’s, else the assigned one', () => {
    expect(recordedRoute(events.slice(0, 2))).toEqual(assigned);
    expect(recordedRoute(events)).toEqual(migrated);
    expect(recordedRoute([])).toBeNull();
  });

  it('a migration event is a document event the dispatcher delivers, per target and action', () => {
    const requests = requestsFor(events[2] as RecordedEvent, new Date(0));
    expect(
      requests.map((r) => [r.target, r.role, r.action, r.documentKey.poNumber, r.commandRevision]),
    ).toEqual([
      ['cloud', 'primary', 'submit', 'PO-1', 2],
      ['legacy', 'primary', 'change', 'PO-1', 2],
    ]);
  });
});
