/**
 * After a migration, the owner it added holds each carried-over line's remainder (what the old
 * owner had not yet received). Later commands must keep delivering remainders to it: a change
 * that re-sent the full ordered quantity would re-open goods the old owner already received.
 */
import { describe, expect, it } from 'vitest';
import type { DeliveryRequest } from '../../src/delivery/records.js';
import { prepareDelivery } from '../../src/delivery/requests.js';
import { migrationAdding, type OwnershipChange } from '../../src/migration/deliveries.js';
import type { JsonObject, RecordedEvent } from '../../src/ports/eventStore.js';

const qty = (value: string) => ({ value, uom: 'EA' });
const stream = 'PurchaseOrder-ACME-EU/PO-1';
const document = { type: 'purchaseOrder', key: { company: 'ACME-EU', poNumber: 'PO-1' } };
const legacy = {
  owner: 'legacy',
  primary: 'legacy',
  basis: 'rule',
  ruleId: 'r',
  ruleSetVersion: 1,
  reason: 'r',
};
const cloud = {
  owner: 'cloud',
  primary: 'cloud',
  basis: 'migration',
  ruleId: null,
  ruleSetVersion: null,
  reason: 'm',
};

const migration: OwnershipChange = {
  route: { owner: 'cloud', primary: 'cloud' },
  previous: { owner: 'legacy', primary: 'legacy' },
  migrationId: 'm-1',
  by: 'architect-jo',
  reason: 'CAB-1',
  oldOwnerPolicy: 'cancel-remainder',
  carriedOver: [
    { lineNumber: 10, ordered: qty('10'), received: qty('4'), invoiced: qty('2') },
    { lineNumber: 20, ordered: qty('5'), received: qty('5'), invoiced: qty('5') },
  ],
};

const event = (revision: number, type: string, data: object, route: object): RecordedEvent => ({
  id: `e-${revision}`,
  type,
  streamName: stream,
  revision: BigInt(revision),
  position: BigInt(revision + 1),
  data: data as JsonObject,
  metadata: { route: route as JsonObject },
  recordedAt: new Date('2026-11-15T10:00:00.000Z'),
});

const line = (lineNumber: number, item: string, quantity: string) => ({
  lineNumber,
  item,
  quantity: qty(quantity),
  unitPrice: '1.00',
});

const history = [
  event(0, 'DocumentOwnershipAssigned', { document, ...legacy }, legacy),
  event(
    1,
    'PurchaseOrderSubmitted',
    {
      company: 'ACME-EU',
      poNumber: 'PO-1',
      supplier: 'SUP-1',
      site: 'MUC1',
      orderDate: '2026-11-01',
      currency: 'EUR',
      lines: [line(10, 'A', '10'), line(20, 'B', '5')],
    },
    legacy,
  ),
  event(2, 'DocumentOwnershipChanged', { ...migration, document, route: cloud }, cloud),
  // After the move the buyer orders 2 more of line 10.
  event(
    3,
    'PurchaseOrderChanged',
    { company: 'ACME-EU', poNumber: 'PO-1', changeReason: 'more', lines: [line(10, 'A', '12')] },
    cloud,
  ),
];

const request = (target: string, commandRevision: number, action: string): DeliveryRequest => ({
  deliveryId: `${target}.e-${commandRevision}`,
  target,
  role: 'primary',
  documentStream: stream,
  documentType: 'purchaseOrder',
  documentKey: document.key,
  commandEventId: `e-${commandRevision}`,
  commandEventType: history[commandRevision]?.type ?? '',
  commandRevision,
  commandPosition: String(commandRevision + 1),
  action,
  parents: [],
  correlationId: null,
  commandId: null,
  requestedAt: '2026-11-15T10:00:00.000Z',
});

const linesDelivered = async (target: string, revision: number, action: string) => {
  const prepared = await prepareDelivery(async () => history, request(target, revision, action));
  if (prepared.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(prepared)}`);
  const state = prepared.delivery.state as unknown as {
    lines: Array<{ lineNumber: number; quantity: { value: string }; received?: { value: string } }>;
  };
  return state.lines.map((l) => [l.lineNumber, l.quantity.value, l.received?.value ?? null]);
};

describe('commands after a migration, delivered to the owner it added', () => {
  it('the migration itself asks the new owner for the remainders', async () => {
    expect(await linesDelivered('cloud', 2, 'submit')).toEqual([
      [10, '6', '4'],
      [20, '0', '5'],
    ]);
  });

  it('a later change still asks for remainders: 12 ordered, 4 received before the move → 8', async () => {
    expect(await linesDelivered('cloud', 3, 'change')).toEqual([
      [10, '8', '4'],
      [20, '0', '5'],
    ]);
  });

  it('a command from before the move reaches the owner of the time as it was', async () => {
    expect(await linesDelivered('legacy', 1, 'submit')).toEqual([
      [10, '10', null],
      [20, '5', null],
    ]);
  });
});

describe('migrationAdding', () => {
  const back: OwnershipChange = {
    ...migration,
    route: migration.previous,
    previous: migration.route,
    migrationId: 'm-2',
  };
  it.each([
    ['no migration', [], 'cloud', null],
    ['the target a migration added', [migration], 'cloud', 'm-1'],
    ['the owner a migration dropped', [migration], 'legacy', null],
    ['moved there and back: the latest move decides', [migration, back], 'legacy', 'm-2'],
    ['moved away again', [migration, back], 'cloud', null],
  ])('%s', (_name, changes, target, expected) => {
    expect(migrationAdding(changes as OwnershipChange[], target)?.migrationId ?? null).toBe(
      expected,
    );
  });
});
