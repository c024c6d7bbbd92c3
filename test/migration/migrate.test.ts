/**
 * Migrating open documents, end to end in-process: the write path, the admin endpoint, the
 * dispatcher delivering to two test connectors (legacy and cloud).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { streamNameOf } from '../../src/domain/documents.js';
import { eventSchemaId } from '../../src/domain/events/registry.js';
import { createAjv, loadContracts } from '../../src/http/contracts.js';
import { type DualHarness, defaultRule, startDualHarness, waitFor } from '../divergence/harness.js';
import { example } from '../support/gateway.js';

let h: DualHarness;
afterEach(async () => {
  await h?.close();
});

const po = (company: string, poNumber: string) =>
  streamNameOf({ type: 'purchaseOrder', key: { company, poNumber } });

type Line = { type: string } & Record<string, unknown>;
interface Result {
  type: 'result';
  migrationId: string;
  moved: Array<{
    document: { key: { poNumber: string } };
    from: string;
    to: string;
    carriedOver: Array<{ lineNumber: number; received: { value: string } }>;
  }>;
  alreadyOwned: number;
  notOpen: number;
  skipped: unknown[];
  scopeRuleSet: object;
}

const ndjson = (body: string): Line[] =>
  body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

const migrateApi = async (body: object, authorization = h.architect) => {
  const response = await h.gw.app.inject({
    method: 'POST',
    url: '/v1/admin/migrations',
    headers: { authorization },
    payload: body,
  });
  return response;
};

const migrateEu = async (extra: object = {}): Promise<Result> => {
  const response = await migrateApi({
    scope: { documentType: 'purchaseOrder', company: 'ACME-EU' },
    to: 'cloud',
    reason: 'CAB-2291 ACME-EU purchasing cutover',
    ...extra,
  });
  expect(response.statusCode).toBe(200);
  const lines = ndjson(response.body);
  const result = lines.at(-1) as unknown as Result;
  expect(result.type).toBe('result');
  return result;
};

const receipt = (company: string, poNumber: string, receiptNumber: string) => {
  const { asnNumber: _asn, ...body } = example('goods-receipt') as {
    asnNumber: string;
    lines: Array<Record<string, unknown>>;
  };
  return h.post('/v1/goods-receipts', {
    ...body,
    company,
    receiptNumber,
    lines: body.lines.map((l) => ({ ...l, poNumber })),
  });
};

/** ACME-EU: EU-1 open, EU-2 partly received, EU-3 cancelled; ACME-US: US-1 open. All legacy. */
const seed = async () => {
  for (const [company, n] of [
    ['ACME-EU', 'EU-1'],
    ['ACME-EU', 'EU-2'],
    ['ACME-EU', 'EU-3'],
    ['ACME-US', 'US-1'],
  ] as const) {
    expect((await h.submitPo(company, n)).statusCode).toBe(202);
  }
  expect((await receipt('ACME-EU', 'EU-2', 'GR-EU-2')).statusCode).toBe(202);
  const cancel = await h.post('/v1/purchase-orders/ACME-EU/EU-3/cancellation', {
    reason: 'Supplier discontinued the item',
  });
  expect(cancel.statusCode).toBe(202);
  await waitFor(() => h.legacy.delivered.length === 6, 'the legacy deliveries');
};

const keys = (result: Result) => result.moved.map((m) => m.document.key.poNumber);

describe('coexist rules migrate (POST /v1/admin/migrations)', () => {
  it('moves exactly what the dry run listed and the simulation agrees with; the new owner gets the current state; later commands and children follow it; a second run moves nothing', async () => {
    h = await startDualHarness();
    await seed();
    const dry = await migrateEu({ dryRun: true });
    expect(keys(dry)).toEqual(['EU-1', 'EU-2']);
    expect(dry).toMatchObject({ alreadyOwned: 0, notOpen: 1, skipped: [] });
    const eu2 = dry.moved[1]?.carriedOver;
    expect(eu2?.map((l) => [l.lineNumber, l.received.value])).toEqual([
      [10, '500'],
      [20, '0'],
      [30, '12'],
    ]);
    // A dry run records nothing.
    const typesOf = async (n: string) =>
      (await h.gw.store.readStream(po('ACME-EU', n))).map((e) => e.type);
    expect(await typesOf('EU-1')).not.toContain('DocumentOwnershipChanged');

    // The rule simulation of the scope reports the same orders (plus the one not open).
    const simulation = await h.gw.app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules/simulations',
      headers: { authorization: h.architect },
      payload: { ruleSet: dry.scopeRuleSet },
    });
    const report = ndjson(simulation.body).at(-1) as unknown as {
      byScope: Array<{ documentType: string; company: string; changed: number; moves: object }>;
    };
    const poLines = report.byScope.filter((l) => l.documentType === 'purchaseOrder');
    const changed = (company: string) =>
      poLines.filter((l) => l.company === company).reduce((n, l) => n + l.changed, 0);
    expect(changed('ACME-EU')).toBe(dry.moved.length + dry.notOpen);
    expect(changed('ACME-US')).toBe(0);

    const callsBefore = { legacy: h.legacy.calls.length, cloud: h.cloud.calls.length };
    const real = await migrateEu();
    expect(keys(real)).toEqual(keys(dry));
    expect(real.moved.map((m) => m.carriedOver)).toEqual(dry.moved.map((m) => m.carriedOver));
    expect(real.moved.every((m) => m.from === 'legacy' && m.to === 'cloud')).toBe(true);

    // The ownership change names who and why, and follows its schema.
    const events = await h.gw.store.readStream(po('ACME-EU', 'EU-2'));
    const change = events.at(-1);
    expect(change?.type).toBe('DocumentOwnershipChanged');
    expect(change?.data).toMatchObject({
      by: 'architect',
      reason: 'CAB-2291 ACME-EU purchasing cutover',
      migrationId: real.migrationId,
      // The order's site, which routing coverage counts the move under.
      site: 'DAL1',
      previous: { owner: 'legacy', primary: 'legacy' },
      route: { owner: 'cloud', primary: 'cloud', basis: 'migration' },
      oldOwnerPolicy: 'cancel-remainder',
    });
    // Who, with which API key (its id, never the secret).
    expect(change?.metadata).toMatchObject({
      clientId: 'architect',
      keyId: /cx_([0-9a-f]{16})_/.exec(h.architect)?.[1],
    });
    const ajv = createAjv(loadContracts().values());
    const validate = ajv.getSchema(eventSchemaId(change as { type: string; data: object }));
    expect(validate?.(change?.data), JSON.stringify(validate?.errors)).toBe(true);
    const doc = await h.gw.app.inject({
      url: '/v1/purchase-orders/ACME-EU/EU-2',
      headers: { authorization: h.operator },
    });
    expect(doc.json()).toMatchObject({ route: { owner: 'cloud', basis: 'migration' } });

    // Deliveries: the current state to the cloud, the open remainder cancelled on legacy.
    await waitFor(() => h.cloud.delivered.length === callsBefore.cloud + 2, 'cloud deliveries');
    await waitFor(() => h.legacy.delivered.length === callsBefore.legacy + 2, 'legacy cancels');
    const cloudCalls = h.cloud.calls.slice(callsBefore.cloud);
    expect(cloudCalls.map((c) => `${c.key}:${c.action}`).sort()).toEqual([
      'ACME-EU/EU-1:submit',
      'ACME-EU/EU-2:submit',
    ]);
    const submitted = cloudCalls.find((c) => c.key === 'ACME-EU/EU-2')?.state as {
      status: string;
      lines: Array<{ lineNumber: number; received?: { value: string }; invoiced?: unknown }>;
    };
    expect(submitted.status).toBe('open');
    expect(submitted.lines.map((l) => [l.lineNumber, l.received?.value])).toEqual([
      [10, '500'],
      [20, '0'],
      [30, '12'],
    ]);
    const legacyCalls = h.legacy.calls.slice(callsBefore.legacy);
    const byKey = new Map(legacyCalls.map((c) => [c.key, c]));
    expect(byKey.get('ACME-EU/EU-1')).toMatchObject({
      action: 'cancel',
      state: { status: 'cancelled' },
    });
    const amended = byKey.get('ACME-EU/EU-2');
    expect(amended?.action).toBe('change');
    const amendedState = amended?.state as
      | { lines: Array<{ lineNumber: number; status: string; quantity: { value: string } }> }
      | undefined;
    const amendedLines = amendedState?.lines.map((l) => [l.lineNumber, l.status, l.quantity.value]);
    expect(amendedLines).toEqual([
      [10, 'open', '500'],
      [20, 'cancelled', '240'],
      [30, 'open', '12'],
    ]);
    expect([...byKey.keys()].sort()).toEqual(['ACME-EU/EU-1', 'ACME-EU/EU-2']);

    // Later commands and children follow the new owner.
    const legacyNow = h.legacy.calls.length;
    const late = await receipt('ACME-EU', 'EU-1', 'GR-EU-1');
    expect(late.body.route).toMatchObject({ owner: 'cloud', basis: 'parent' });
    const changed1 = await h.post('/v1/purchase-orders/ACME-EU/EU-1/changes', {
      notes: 'after the migration',
    });
    expect(changed1.body.route).toMatchObject({ owner: 'cloud', basis: 'migration' });
    await waitFor(
      () =>
        h.cloud.delivered.some(
          (c) => c.key === 'SUP-10023/GR-EU-1' || c.key.endsWith('/GR-EU-1'),
        ) && h.cloud.delivered.some((c) => c.key === 'ACME-EU/EU-1' && c.action === 'change'),
      'the receipt and the change delivered to the cloud',
    );
    await h.dispatcher.idle();
    expect(h.legacy.calls.length).toBe(legacyNow);

    // The simulation now sees them owned by the cloud: only the order not open would move.
    const after = await h.gw.app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules/simulations',
      headers: { authorization: h.architect },
      payload: { ruleSet: dry.scopeRuleSet },
    });
    const afterReport = ndjson(after.body).at(-1) as unknown as typeof report;
    expect(
      afterReport.byScope
        .filter((l) => l.documentType === 'purchaseOrder' && l.company === 'ACME-EU')
        .reduce((n, l) => n + l.changed, 0),
    ).toBe(real.notOpen);

    // Running it again moves nothing.
    const again = await migrateEu();
    expect(again.moved).toEqual([]);
    expect(again.alreadyOwned).toBe(2);
    expect((await typesOf('EU-2')).filter((t) => t === 'DocumentOwnershipChanged')).toHaveLength(1);
  });

  it("leaves the old owner's copy alone under the leave policy", async () => {
    h = await startDualHarness();
    await seed();
    const legacyBefore = h.legacy.calls.length;
    const result = await migrateEu({ oldOwnerPolicy: 'leave' });
    expect(keys(result)).toEqual(['EU-1', 'EU-2']);
    await waitFor(() => h.cloud.delivered.length === 2, 'cloud deliveries');
    await h.dispatcher.idle();
    expect(h.legacy.calls.length).toBe(legacyBefore);
  });

  it('moves only the site or supplier asked for, and to a dual owner keeps the old one as primary', async () => {
    h = await startDualHarness();
    await seed();
    const none = await migrateEu({
      scope: { documentType: 'purchaseOrder', company: 'ACME-EU', site: 'NOWHERE' },
      dryRun: true,
    });
    expect(none.moved).toEqual([]);
    const legacyBefore = h.legacy.calls.length;
    const dual = await migrateEu({ to: { dual: { primary: 'legacy', shadow: 'cloud' } } });
    expect(dual.moved.map((m) => m.to)).toEqual(['dual(legacy+cloud)', 'dual(legacy+cloud)']);
    await waitFor(() => h.cloud.delivered.length === 2, 'the shadow gets the orders');
    await h.dispatcher.idle();
    // Legacy stays the primary: nothing is cancelled there.
    expect(h.legacy.calls.length).toBe(legacyBefore);
  });

  it('refuses bad input with problems and changes nothing; only architects migrate', async () => {
    h = await startDualHarness();
    await seed();
    const bad = await migrateApi({
      scope: { documentType: 'goodsReceipt', company: 'ACME-EU' },
      to: 'azure',
      oldOwnerPolicy: 'burn',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const pointers = (bad.json() as { errors: Array<{ pointer: string }> }).errors.map(
      (e) => e.pointer,
    );
    expect(pointers).toEqual(
      expect.arrayContaining(['/scope/documentType', '/reason', '/oldOwnerPolicy']),
    );
    const same = await migrateApi({
      scope: { documentType: 'purchaseOrder', company: 'ACME-EU' },
      to: { dual: { primary: 'cloud', shadow: 'cloud' } },
      reason: 'why not',
    });
    expect(same.statusCode).toBe(422);
    expect(same.json()).toMatchObject({ errors: [{ pointer: '/to/dual/shadow' }] });
    const operator = await migrateApi(
      { scope: { documentType: 'purchaseOrder' }, to: 'cloud', reason: 'ops' },
      h.operator,
    );
    expect(operator.statusCode).toBe(403);
    expect((await h.gw.store.readStream(po('ACME-EU', 'EU-1'))).map((e) => e.type)).not.toContain(
      'DocumentOwnershipChanged',
    );
  });

  it('a legacy → cloud rule flip mid-stream delivers the receipt to its order’s owner', async () => {
    h = await startDualHarness();
    await h.publish([defaultRule], 'all legacy');
    expect((await h.submitPo('ACME-US', 'FLIP-1')).statusCode).toBe(202);
    await h.publish(
      [
        {
          id: 'us-po-cloud',
          match: { documentTypes: ['purchaseOrder', 'goodsReceipt'], companies: ['ACME-US'] },
          target: 'cloud',
        },
        defaultRule,
      ],
      'ACME-US to cloud',
    );
    expect((await h.submitPo('ACME-US', 'FLIP-2')).body.route).toMatchObject({ owner: 'cloud' });
    const late = await receipt('ACME-US', 'FLIP-1', 'GR-FLIP-1');
    expect(late.body.route).toMatchObject({ owner: 'legacy', basis: 'parent' });
    await waitFor(
      () => h.legacy.delivered.some((c) => c.key.endsWith('/GR-FLIP-1')),
      'the receipt on legacy',
    );
    await h.dispatcher.idle();
    expect(h.cloud.calls.map((c) => c.key)).toEqual(['ACME-US/FLIP-2']);
  });
});
