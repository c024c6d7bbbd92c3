/**
 * Routing through the API: publishing, ownership decided once (drain), affinity of ASNs,
 * receipts and invoices to their purchase order, mixed owners, freezes, and the audit trail.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { startRegistries } from '../../src/registries/registries.js';
import { RuleSetVersionConflictError } from '../../src/registries/ruleSets.js';
import type { RuleSet } from '../../src/routing/ruleSet.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
let architect: string;
let auditor: string;

beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('erp-feeds', ['writer']);
  architect = await gw.key('architect-anna', ['architect']);
  auditor = await gw.key('audit-firm', ['auditor']);
});
afterAll(() => gw.close());

const allLegacy: RuleSet = {
  name: 'Phase 0',
  rules: [{ id: 'default-legacy', match: {}, target: 'legacy' }],
};
const usPurchasingCloud: RuleSet = {
  name: 'Phase 2: ACME-US purchasing on cloud',
  rules: [
    {
      id: 'acme-us-purchasing-cloud',
      match: {
        documentTypes: ['purchaseOrder', 'shipmentNotice', 'goodsReceipt', 'supplierInvoice'],
        companies: ['ACME-US'],
      },
      target: 'cloud',
      unknownParent: 'legacy',
    },
    { id: 'default-legacy', match: {}, target: 'legacy' },
  ],
};

const publish = (ruleSet: RuleSet, extra: object = {}, auth = architect) =>
  gw.app.inject({
    method: 'POST',
    url: '/v1/admin/routing-rules',
    headers: { authorization: auth },
    payload: { ruleSet, reason: 'CAB approved', ...extra },
  });

const post = (url: string, payload: unknown) =>
  gw.app.inject({
    method: 'POST',
    url,
    headers: { authorization: writer, 'idempotency-key': newKey() },
    payload: payload as object,
  });

type Route = {
  owner: string;
  ruleId: string | null;
  ruleSetVersion: number | null;
  basis: string;
  reason: string;
};
const routeOf = async (response: Awaited<ReturnType<typeof post>>) => {
  expect(response.statusCode, response.body).toBe(202);
  return json<{ route: Route }>(response).route;
};

const purchaseOrder = (poNumber: string) => ({ ...example('purchase-order-submit'), poNumber });
const receiptFor = (receiptNumber: string, poNumbers: string[]) => {
  const receipt = { ...example('goods-receipt'), receiptNumber } as Record<string, unknown>;
  const [line] = receipt.lines as Array<Record<string, unknown>>;
  receipt.lines = poNumbers.map((poNumber, i) => ({ ...line, lineNumber: i + 1, poNumber }));
  return receipt;
};

describe('publishing rule sets', () => {
  it('publishes as architect only, versions monotonic, an equal set is a no-op', async () => {
    expect((await publish(allLegacy, {}, writer)).statusCode).toBe(403);
    const first = await publish(allLegacy);
    expect(first.statusCode).toBe(201);
    expect(json(first)).toMatchObject({
      published: true,
      version: 1,
      author: 'architect-anna',
      reason: 'CAB approved',
    });
    const again = await publish(allLegacy);
    expect([again.statusCode, json(again).published, json(again).version]).toEqual([200, false, 1]);
    const current = await gw.app.inject({
      url: '/v1/admin/routing-rules',
      headers: { authorization: auditor },
    });
    expect(json(current)).toMatchObject({ version: 1, ruleSet: { name: 'Phase 0' } });
  });

  it('rejects an invalid rule set with errors naming rule and field', async () => {
    const response = await publish({
      name: 'bad',
      rules: [{ id: 'x', match: { percent: 500 }, target: 'cloud' }],
    } as never);
    expect(response.statusCode).toBe(422);
    const problem = json<{ errors: Array<{ pointer: string; detail: string }> }>(response);
    expect(problem.errors.map((e) => e.pointer)).toContain('/ruleSet/rules/0/match/percent');
    expect(problem.errors.map((e) => e.detail).join(' ')).toMatch(/Rule x:/);
  });

  it('lets one of two publishes against the same version win', async () => {
    const base = gw.rules.latest()?.version ?? 0;
    const a = { ...allLegacy, name: 'Concurrent A' };
    const b = { ...allLegacy, name: 'Concurrent B' };
    const results = await Promise.allSettled([
      gw.rules.publish(a, { author: 'a', reason: 'race' }, base),
      gw.rules.publish(b, { author: 'b', reason: 'race' }, base),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(RuleSetVersionConflictError);
    const stale = await publish({ ...allLegacy, name: 'Stale' }, { expectedVersion: base });
    expect([stale.statusCode, json(stale).code]).toEqual([409, 'rule-set-version-conflict']);
    expect(gw.rules.latest()?.version).toBe(base + 1);
  });
});

describe('every instance follows the published rule sets', () => {
  it('picks up a version published through another instance, without restart', async () => {
    // A second gateway instance: its own connection to the same file, its own registries.
    const otherStore = getSqliteEventStore({ file: join(gw.dir, 'events.sqlite') });
    const registries = await startRegistries(otherStore);
    const other = registries.rules;
    try {
      const before = other.latest()?.version ?? 0;
      const published = await publish({ ...allLegacy, name: `Seen elsewhere ${before}` });
      const { version } = json<{ version: number }>(published);
      for (let i = 0; i < 100 && other.latest()?.version !== version; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(other.latest()?.version).toBe(version);
      expect(other.inForceAt(new Date())?.ruleSet.name).toBe(`Seen elsewhere ${before}`);
    } finally {
      await registries.stop();
      await otherStore.close();
    }
  });
});

describe('ownership', () => {
  it('is decided once: documents keep their owner after a flip (drain); new ones follow the new rules', async () => {
    await publish({ ...allLegacy, name: 'Phase 1' });
    const before = await routeOf(await post('/v1/purchase-orders', purchaseOrder('OWN-1')));
    expect(before).toMatchObject({ owner: 'legacy', ruleId: 'default-legacy', basis: 'rule' });

    const flip = await publish(usPurchasingCloud);
    const flipped = json<{ version: number }>(flip).version;
    const change = await post('/v1/purchase-orders/ACME-US/OWN-1/changes', {
      notes: 'after the flip',
    });
    expect(await routeOf(change)).toEqual(before);
    const after = await routeOf(await post('/v1/purchase-orders', purchaseOrder('OWN-2')));
    expect(after).toMatchObject({
      owner: 'cloud',
      ruleId: 'acme-us-purchasing-cloud',
      ruleSetVersion: flipped,
    });

    // The auditor's view: which rule set, published by whom, why.
    const doc = await gw.app.inject({
      url: '/v1/purchase-orders/ACME-US/OWN-1',
      headers: { authorization: auditor },
    });
    const version = json<{ route: Route }>(doc).route.ruleSetVersion;
    const published = await gw.app.inject({
      url: `/v1/admin/routing-rules/versions/${version}`,
      headers: { authorization: auditor },
    });
    expect(json(published)).toMatchObject({
      version,
      author: 'architect-anna',
      reason: 'CAB approved',
      ruleSet: { name: 'Phase 1' },
    });
  });

  it('sends ASNs, receipts and invoices to the owner of their purchase order', async () => {
    // OWN-1 is legacy, OWN-2 cloud, although the rules now send ACME-US purchasing to cloud.
    const asn = { ...example('shipment-notice'), asnNumber: 'ASN-AFF-1' } as Record<
      string,
      unknown
    >;
    asn.lines = (asn.lines as Array<Record<string, unknown>>).map((l) => ({
      ...l,
      poNumber: 'OWN-1',
    }));
    expect(await routeOf(await post('/v1/shipment-notices', asn))).toMatchObject({
      owner: 'legacy',
      basis: 'parent',
    });
    expect(
      await routeOf(await post('/v1/goods-receipts', receiptFor('GR-AFF-2', ['OWN-2']))),
    ).toMatchObject({
      owner: 'cloud',
      basis: 'parent',
    });
    const invoice = { ...example('supplier-invoice'), invoiceNumber: 'INV-AFF-1' } as Record<
      string,
      unknown
    >;
    invoice.lines = (invoice.lines as Array<Record<string, unknown>>).map((l) => ({
      ...l,
      poNumber: 'OWN-1',
    }));
    const route = await routeOf(await post('/v1/supplier-invoices', invoice));
    expect(route).toMatchObject({ owner: 'legacy', basis: 'parent' });
    expect(route.reason).toMatch(/Follows the owner of purchase order OWN-1/);
  });

  it("routes children of an unknown purchase order by the rule's unknownParent, and says so", async () => {
    const route = await routeOf(
      await post('/v1/goods-receipts', receiptFor('GR-UNK-1', ['PRE-GO-LIVE-1'])),
    );
    expect(route).toMatchObject({
      owner: 'legacy',
      basis: 'unknownParent',
      ruleId: 'acme-us-purchasing-cloud',
    });
    expect(route.reason).toMatch(/PRE-GO-LIVE-1 unknown to the gateway/);
  });

  it('records an invoice whose lines reference orders of different ERPs as unresolved, never split', async () => {
    const invoice = { ...example('supplier-invoice'), invoiceNumber: 'INV-MIX-1' } as Record<
      string,
      unknown
    >;
    const [first, second] = invoice.lines as Array<Record<string, unknown>>;
    invoice.lines = [
      { ...first, poNumber: 'OWN-1' },
      { ...second, poNumber: 'OWN-2', poLineNumber: 10, item: 'BRG-6204-2RS' },
    ];
    const response = await post('/v1/supplier-invoices', invoice);
    const route = (await routeOf(response)) as Route & { parents: unknown };
    expect(route.owner).toBe('unresolved');
    expect(route.parents).toEqual([
      { poNumber: 'OWN-1', owner: 'legacy' },
      { poNumber: 'OWN-2', owner: 'cloud' },
    ]);
    const doc = await gw.app.inject({
      url: '/v1/supplier-invoices/SUP-10023/INV-MIX-1',
      headers: { authorization: auditor },
    });
    expect(json<{ route: Route }>(doc).route.owner).toBe('unresolved');
  });
});

describe('freezes', () => {
  it('refuses new commands in a frozen scope with 423 until lifted; other scopes carry on', async () => {
    const before = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { authorization: writer, 'idempotency-key': 'accepted-before-the-freeze' },
      payload: purchaseOrder('FRZ-0'),
    });
    expect(before.statusCode).toBe(202);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const frozen = await gw.app.inject({
      method: 'POST',
      url: '/v1/admin/freezes',
      headers: { authorization: architect },
      payload: {
        scope: { companies: ['ACME-US'], documentTypes: ['purchaseOrder'] },
        until,
        reason: 'DAL1 cutover weekend',
      },
    });
    expect(frozen.statusCode).toBe(201);
    const { freezeId } = json<{ freezeId: string }>(frozen);

    const retried = await gw.app.inject({
      method: 'POST',
      url: '/v1/purchase-orders',
      headers: { authorization: writer, 'idempotency-key': 'accepted-before-the-freeze' },
      payload: purchaseOrder('FRZ-0'),
    });
    const refused = await post('/v1/purchase-orders', purchaseOrder('FRZ-1'));
    // A retry of a command accepted before the freeze still gets its original answer.
    expect([retried.statusCode, retried.body]).toEqual([202, before.body]);
    expect(refused.statusCode).toBe(423);
    expect(json(refused)).toMatchObject({
      code: 'scope-frozen',
      frozenUntil: until,
      reason: 'DAL1 cutover weekend',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
    const otherCompany = { ...example('journal-entry'), entryNumber: 'JE-FRZ-1' };
    expect((await post('/v1/journal-entries', otherCompany)).statusCode).toBe(202);

    const lift = await gw.app.inject({
      method: 'POST',
      url: `/v1/admin/freezes/${freezeId}/lift`,
      headers: { authorization: architect },
      payload: { reason: 'Cutover finished early' },
    });
    expect(json(lift)).toMatchObject({
      lifted: { by: 'architect-anna', reason: 'Cutover finished early' },
    });
    expect((await post('/v1/purchase-orders', purchaseOrder('FRZ-1'))).statusCode).toBe(202);
    const events = (await gw.store.readStream('coexist-routing-freezes')).map((e) => e.type);
    expect(events).toEqual(['ScopeFrozen', 'ScopeUnfrozen']);
  });
});
