/**
 * Every event the gateway records has a published schema, and follows it. Real scenarios run
 * through the write path, the dispatcher (two ERPs, a gate, a breaker), the dual-write
 * comparer, the operators' and architects' APIs and a migration; then the whole log is read and
 * each event's data validated against the schema of its type (at the version its data names).
 * The EventStoreDB consumer state writes its own events, outside the port: they are validated
 * as that adapter writes them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryGate } from '../../src/delivery/gates.js';
import { eventSchemaId, type StoredEvent } from '../../src/domain/events/registry.js';
import { createAjv, loadContracts } from '../../src/http/contracts.js';
import { type ErpResult, permanent, transient } from '../../src/ports/erpConnector.js';
import { revokeApiKey } from '../../src/registries/apiKeys.js';
import { eventually } from '../delivery/harness.js';
import { invoice, order, receipt } from '../matching/harness.js';
import { example } from '../support/gateway.js';
import { consumerStateEvents } from './consumerStateEvents.js';
import { type Caller, type RecordingGateway, startRecordingGateway } from './recordingGateway.js';
import { typedEvents } from './typedEvents.js';

const contracts = loadContracts();
const ajv = createAjv(contracts.values());

/** Why an event does not follow its schema: none for it, or Ajv's errors; null when it does. */
const violation = (event: StoredEvent) => {
  const id = eventSchemaId(event);
  const validate = ajv.getSchema(id);
  if (!validate) return { type: event.type, errors: `no schema ${id}` };
  if (validate(event.data)) return null;
  const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  return { type: event.type, errors: errors.join('; ') };
};

/** The violations of a list of events, one per type and message (a log repeats itself). */
const violations = (events: readonly StoredEvent[]) => [
  ...new Map(
    events.flatMap((event) => {
      const found = violation(event);
      return found ? [[`${found.type} ${found.errors}`, found] as const] : [];
    }),
  ).values(),
];

/** Purchase orders whose delivery a gate decides: held until acknowledged, dropped, refused. */
const gate: DeliveryGate = (state) => {
  const { poNumber, status } = state as { poNumber: string; status: string };
  if (poNumber.startsWith('HOLD-') && status !== 'acknowledged') {
    return { kind: 'wait', reason: "awaiting the supplier's acknowledgement" };
  }
  if (poNumber.startsWith('DROP-')) {
    return status === 'cancelled'
      ? { kind: 'skip', reason: 'cancelled before it was released' }
      : { kind: 'wait', reason: 'awaiting release' };
  }
  if (poNumber.startsWith('REFUSE-')) return { kind: 'refuse', reason: 'blocked supplier' };
  return { kind: 'go' };
};

const answered = (reference: string, details: Record<string, string | number>): ErpResult => ({
  ok: true,
  acknowledgement: { reference, record: `x,${reference}`, alreadyDelivered: false, details },
});

/** The types the scenarios must record (the log may hold more: all are validated). */
const expectedTypes = [
  'ApiKeyIssued',
  'ApiKeyRevoked',
  'RoutingRuleSetPublished',
  'ScopeFrozen',
  'ScopeUnfrozen',
  'DocumentOwnershipAssigned',
  'DocumentOwnershipChanged',
  'PurchaseOrderSubmitted',
  'PurchaseOrderAcknowledged',
  'PurchaseOrderCancelled',
  'DeliveryRequested',
  'DeliveryAttemptStarted',
  'DeliveryAttemptFailed',
  'DeliverySucceeded',
  'DeliveryDeadLettered',
  'DeliveriesReplayRequested',
  'DeliveryReplayed',
  'DeliveryResolutionRequested',
  'DeliveryResolved',
  'DeliverySkipped',
  'DeliveryHeld',
  'DeliveryBreakerSet',
  'DeliveryBreakerChanged',
  'DeliveryDispatcherSnapshotTaken',
  'DualWriteAgreed',
  'DualWriteDiverged',
  'GoodsReceiptRecorded',
  'SupplierInvoiceReceived',
  'MatchTolerancesSet',
  'InvoiceMatched',
  'InvoiceHeld',
  'InvoiceReleased',
  'InvoiceRejected',
];

let g: RecordingGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

describe('recorded events', () => {
  it('checks what it must: an unknown type has no schema, a wrong shape names its field', () => {
    expect(violation({ type: 'SomethingNew', data: {} })).toEqual({
      type: 'SomethingNew',
      errors: 'no schema https://coexist.dev/contracts/events/v1/something-new.json',
    });
    const held = { deliveryId: 'legacy.e1', reason: 'waiting', at: 1 };
    expect(violation({ type: 'DeliveryHeld', data: held })).toMatchObject({
      type: 'DeliveryHeld',
      errors: expect.stringContaining('/at must be string'),
    });
  });

  it('follow the schema of their type, for every type the scenarios record', async () => {
    g = await startRecordingGateway(gate);
    const gw = g;
    const down = transient('tryton-unreachable', 'Tryton does not answer');
    const unknownItem = permanent('unknown-code', 'item BRG-6204-2RS is unknown to legacy');
    gw.legacy.script('ACME-EU/B-1', down, down);
    for (const n of ['DL-1', 'RS-1', 'SK-1']) gw.legacy.script(`ACME-EU/${n}`, unknownItem);
    // Dual ACME-US orders: the ERPs compute one's tax alike, the other's not.
    gw.legacy.script('ACME-US/DW-1', answered('P0001', { taxAmount: '20.13', state: 'done' }));
    gw.cloud.script('ACME-US/DW-1', answered('106001', { taxAmount: 20.12, state: 'Open' }));
    gw.legacy.script('ACME-US/DW-2', answered('P0002', { taxAmount: '5.50' }));
    gw.cloud.script('ACME-US/DW-2', answered('106002', { taxAmount: '5.5' }));
    // Alone, so that nothing delivered between its failures closes the breaker again.
    await gw.submitPo('ACME-EU', 'B-1');
    const legacyState = (n: string) => gw.states('legacy', `PurchaseOrder-ACME-EU/${n}`);
    await gw.until(() => legacyState('B-1') === 'delivered', 'B-1 delivered after two failures');
    for (const n of ['DL-1', 'RS-1', 'SK-1', 'HOLD-1', 'DROP-1', 'M-1']) {
      await gw.submitPo('ACME-EU', n);
    }
    // Outside the migration's scope: its dead letter stays, and nothing waits behind it.
    await gw.submitPo('ACME-MX', 'REFUSE-1');
    await gw.submitPo('ACME-US', 'DW-1');
    await gw.submitPo('ACME-US', 'DW-2');
    await gw.until(
      () =>
        ['DL-1', 'RS-1', 'SK-1'].every((n) => legacyState(n) === 'dead-lettered') &&
        gw.states('legacy', 'PurchaseOrder-ACME-MX/REFUSE-1') === 'dead-lettered',
      'four dead letters',
    );
    await gw.until(() => legacyState('HOLD-1') === 'held', 'HOLD-1 held');

    // Invoices on the (dual) example order, matched under ACME-US's tolerances: one within
    // them, two over in price, held until AP overrides one and rejects the other.
    await gw.tolerances.set(
      {
        company: 'ACME-US',
        supplier: null,
        values: {
          price: { percent: { lower: null, upper: '1' }, amount: { lower: null, upper: '0.05' } },
          quantity: { percent: { lower: null, upper: '0' } },
        },
      },
      { author: 'ap-lead', reason: 'AP policy 2026' },
    );
    const documents: Array<[string, object]> = [
      ['purchase-orders', order()],
      ['goods-receipts', receipt('GR-1', '500')],
      ['supplier-invoices', invoice('INV-OK', '10')],
      ['supplier-invoices', invoice('INV-PRICE', '10', '2.50')],
      ['supplier-invoices', invoice('INV-REJ', '10', '2.50')],
    ];
    for (const [collection, body] of documents) {
      const answer = await gw.request('writer', 'POST', `/v1/${collection}`, body);
      expect(answer.statusCode, answer.body).toBe(202);
    }
    const invoiceState = (n: string) => gw.states('legacy', `SupplierInvoice-SUP-10023/${n}`);
    await gw.until(
      () => ['INV-PRICE', 'INV-REJ'].every((n) => invoiceState(n) === 'held'),
      'two invoices held by their match',
    );

    const dead = (n: string) =>
      gw.deliveryIn('dead-lettered', 'legacy', `PurchaseOrder-ACME-EU/${n}`);
    const operations: Array<[Caller, 'POST' | 'PUT', string, object]> = [
      [
        'operator',
        'POST',
        '/v1/admin/deliveries/replay',
        {
          ids: [dead('DL-1')],
          cap: 10,
          dryRun: false,
          reason: 'crosswalk fixed',
        },
      ],
      [
        'operator',
        'POST',
        `/v1/admin/deliveries/${dead('RS-1')}/resolve`,
        {
          reason: 'entered in Tryton by hand',
          reference: 'P00042',
        },
      ],
      [
        'operator',
        'POST',
        `/v1/admin/deliveries/${dead('SK-1')}/skip`,
        {
          reason: 'superseded by a new order',
        },
      ],
      [
        'operator',
        'PUT',
        '/v1/admin/deliveries/breakers/cloud',
        {
          state: 'open',
          reason: 'cloud maintenance',
        },
      ],
      [
        'operator',
        'PUT',
        '/v1/admin/deliveries/breakers/cloud',
        {
          state: 'closed',
          reason: 'maintenance over',
        },
      ],
      [
        'writer',
        'POST',
        '/v1/purchase-orders/ACME-EU/HOLD-1/acknowledgements',
        example('purchase-order-acknowledgement'),
      ],
      [
        'writer',
        'POST',
        '/v1/purchase-orders/ACME-EU/DROP-1/cancellation',
        example('purchase-order-cancellation'),
      ],
    ];
    const invoices = '/v1/supplier-invoices/SUP-10023';
    operations.push(
      ['operator', 'POST', `${invoices}/INV-PRICE/override`, { reason: 'price agreed by phone' }],
      ['operator', 'POST', `${invoices}/INV-REJ/reject`, { reason: 'price never agreed' }],
    );
    for (const [caller, method, url, body] of operations) {
      const answer = await gw.request(caller, method, url, body);
      expect(answer.statusCode, `${method} ${url}: ${answer.body}`).toBeLessThan(300);
    }
    const frozen = await gw.request('architect', 'POST', '/v1/admin/freezes', {
      scope: { companies: ['ACME-EU'], documentTypes: ['journalEntry'] },
      until: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'ledger cutover',
    });
    expect(frozen.statusCode, frozen.body).toBe(201);
    const { freezeId } = JSON.parse(frozen.body) as { freezeId: string };
    const lifted = await gw.request('architect', 'POST', `/v1/admin/freezes/${freezeId}/lift`, {
      reason: 'cutover done early',
    });
    expect(lifted.statusCode, lifted.body).toBe(200);
    const retired = await gw.gw.key('retired-feed', ['writer']);
    const keyId = /cx_([a-f0-9]{16})_/.exec(retired)?.[1] as string;
    await revokeApiKey(gw.gw.store, keyId, 'feed retired', 'cli:alice');
    const migrated = await gw.request('architect', 'POST', '/v1/admin/migrations', {
      scope: { documentType: 'purchaseOrder', company: 'ACME-EU' },
      to: 'cloud',
      reason: 'CAB-2291 ACME-EU purchasing cutover',
    });
    expect(migrated.statusCode, migrated.body).toBe(200);

    await gw.until(
      () => legacyState('DL-1').startsWith('delivered'),
      'DL-1 delivered once replayed',
    );
    await gw.until(() => gw.idle(), 'no delivery left to move', 20_000);
    const recordedTypes = async () => new Set((await gw.allEvents()).map((e) => e.type));
    await eventually(async () => {
      const types = await recordedTypes();
      return ['DualWriteAgreed', 'DualWriteDiverged', 'DeliveryDispatcherSnapshotTaken'].every(
        (type) => types.has(type),
      );
    }, 'the comparisons and a snapshot');

    const events = await gw.allEvents();
    expect(violations(events)).toEqual([]);
    const recorded = new Set(events.map((e) => e.type));
    expect(expectedTypes.filter((type) => !recorded.has(type))).toEqual([]);
    // Both shapes of a dead letter: after an attempt, and refused by a gate before any.
    const deadLetters = events.filter((e) => e.type === 'DeliveryDeadLettered');
    expect(new Set(deadLetters.map((e) => e.data.attempt === null))).toEqual(
      new Set([true, false]),
    );
  }, 60_000);

  it('in the EventStoreDB consumer state follow theirs: checkpoints, leases, parked events', async () => {
    const events = await consumerStateEvents();
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['ConsumerCheckpointMoved', 'ConsumerLeaseTaken', 'ConsumerEventParked']),
    );
    expect(violations(events)).toEqual([]);
  });

  it('have schemas whose examples follow them, with no secret in them', () => {
    const eventSchemas = [...contracts.values()].filter(
      (s) => /\/events\/v\d+\//.test(s.$id ?? '') && !/(common|metadata)\.json$/.test(s.$id ?? ''),
    );
    for (const schema of eventSchemas) {
      const examples = schema.examples ?? [];
      const name = /([a-z-]+)\.json$/.exec(schema.$id ?? '')?.[1] ?? '';
      // The document events' examples are the request contracts' (contracts.test.ts).
      if (!typedEvents.has(name)) {
        expect(examples.length, `${schema.$id} has examples`).toBeGreaterThan(0);
      }
      for (const data of examples) {
        expect(violation({ type: String(schema.title), data: data as object }), schema.$id).toBe(
          null,
        );
      }
    }
    const keyExample = JSON.stringify(
      contracts.get('https://coexist.dev/contracts/events/v1/api-key-issued.json')?.examples,
    );
    expect(keyExample).not.toMatch(/cx_[a-f0-9]{16}_/);
  });
});
