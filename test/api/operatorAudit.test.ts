/**
 * Who did what: an operator's invoice decision, breaker setting and replay request carry the
 * client id and the API key's id (never its secret) in their event metadata, as command writes
 * do, so the audit finds them by client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { permanent } from '../../src/ports/erpConnector.js';
import { type Harness, startHarness } from '../delivery/harness.js';
import { invoice, type MatchGateway, order, startMatchGateway } from '../matching/harness.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** `Bearer cx_<keyId>_<secret>`: the key's id. */
const keyIdOf = (authorization: string) => /cx_([0-9a-f]{16})_/.exec(authorization)?.[1];

let h: Harness | undefined;
let gateway: MatchGateway | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await h?.close();
  await gateway?.close();
  await gw?.close();
  h = undefined;
  gateway = undefined;
  gw = undefined;
});

describe('operator actions record who, with which key', () => {
  it('an invoice rejection carries the key id', async () => {
    gateway = await startMatchGateway();
    await gateway.post('purchase-orders', order());
    await gateway.post('supplier-invoices', invoice('INV-A1', '495'));
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/supplier-invoices/SUP-10023/INV-A1/reject',
      headers: { authorization: gateway.operator, 'idempotency-key': 'audit-1' },
      payload: { reason: 'Duplicate invoice' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const rejected = (await gateway.allEvents()).find((e) => e.type === 'InvoiceRejected');
    expect(rejected?.metadata).toMatchObject({
      clientId: 'ap-clerk-7',
      keyId: keyIdOf(gateway.operator),
    });
  });

  it('a breaker setting and a replay request carry the client id and the key id', async () => {
    h = await startHarness();
    const harness = h;
    const keyId = keyIdOf(harness.operator);
    expect(keyId).toBeDefined();
    const put = await harness.gw.app.inject({
      method: 'PUT',
      url: '/v1/admin/deliveries/breakers/legacy',
      headers: { authorization: harness.operator },
      payload: { state: 'closed', reason: 'Tryton is back' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const [setting] = await harness.gw.store.readStream('DeliveryControl-legacy');
    expect(setting?.metadata).toMatchObject({ clientId: 'ops', keyId });

    harness.connector.script(
      'ACME-US/AU-1',
      permanent('unknown-code', 'item BRG-6204-2RS is unknown to legacy'),
    );
    await harness.submitPo('AU-1');
    await harness.until(
      () => harness.history.list({ state: 'dead-lettered' }).length === 1,
      'dead',
    );
    const replay = await harness.gw.app.inject({
      method: 'POST',
      url: '/v1/admin/deliveries/replay',
      headers: { authorization: harness.operator },
      payload: { all: true, reason: 'crosswalk fixed' },
    });
    expect(replay.statusCode, replay.body).toBe(200);
    const [request] = await harness.gw.store.readStream(`DeliveryReplay-${replay.json().replayId}`);
    expect(request?.metadata).toMatchObject({ clientId: 'ops', keyId });
  });

  it("an architect's rule set, freeze and lift carry the key id", async () => {
    gw = await startTestGateway();
    const test = gw;
    const architect = await test.key('architect-anna', ['architect']);
    const send = (method: 'POST' | 'PUT', url: string, authorization: string, payload: object) =>
      test.app.inject({ method, url, headers: { authorization }, payload });
    const published = await send('POST', '/v1/admin/routing-rules', architect, {
      ruleSet: { name: 'Phase 0', rules: [{ id: 'all-legacy', match: {}, target: 'legacy' }] },
      reason: 'CAB-1',
    });
    expect(published.statusCode, published.body).toBe(201);
    const frozen = await send('POST', '/v1/admin/freezes', architect, {
      scope: { companies: ['ACME-US'] },
      until: '2099-01-01T00:00:00.000Z',
      reason: 'cutover rehearsal',
    });
    expect(frozen.statusCode, frozen.body).toBe(201);
    const lifted = await send(
      'POST',
      `/v1/admin/freezes/${frozen.json().freezeId}/lift`,
      architect,
      { reason: 'done' },
    );
    expect(lifted.statusCode, lifted.body).toBe(200);
    const metadataOf = async (stream: string) =>
      (await test.store.readStream(stream)).map((e) => [
        e.type,
        e.metadata.clientId,
        e.metadata.keyId,
      ]);
    const architectKey = keyIdOf(architect);
    const rules = await metadataOf('coexist-routing-rules');
    expect(rules.at(-1)).toEqual(['RoutingRuleSetPublished', 'architect-anna', architectKey]);
    expect(await metadataOf('coexist-routing-freezes')).toEqual([
      ['ScopeFrozen', 'architect-anna', architectKey],
      ['ScopeUnfrozen', 'architect-anna', architectKey],
    ]);
  });

  it('a tolerance setting carries the key id', async () => {
    gateway = await startMatchGateway();
    const response = await gateway.app.inject({
      method: 'PUT',
      url: '/v1/admin/tolerances',
      headers: { authorization: gateway.operator },
      payload: {
        company: 'ACME-US',
        values: {
          price: { percent: { lower: null, upper: '3' }, amount: { lower: null, upper: null } },
          quantity: { percent: { lower: null, upper: '0' } },
        },
        reason: 'supplier agreement',
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const [set] = await gateway.store.readStream('coexist-match-tolerances');
    expect(set?.metadata).toMatchObject({
      clientId: 'ap-clerk-7',
      keyId: keyIdOf(gateway.operator),
    });
  });
});
