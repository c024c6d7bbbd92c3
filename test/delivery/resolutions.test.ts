/**
 * A dead letter that can never succeed must not block its document for ever: an operator
 * resolves it (done in the ERP by hand: counts as delivered) or skips it (never delivered),
 * recorded with who, when and why; what waited behind it is then delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryStatusOf } from '../../src/delivery/status.js';
import { permanent } from '../../src/ports/erpConnector.js';
import { newKey } from '../support/gateway.js';
import { coexist } from '../support/process.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});
const po = (n: string) => `PurchaseOrder-ACME-US/${n}`;
const refused = permanent(
  'tryton-refused-change',
  'Tryton cannot add line 40 to purchase 2: a purchase amendment only changes existing lines',
);
const statesOf = (documentStream: string) =>
  h.history
    .list({ target: 'legacy' })
    .filter((s) => s.documentStream === documentStream)
    .map((s) => s.state)
    .join();
const post = (url: string, payload: object, key = newKey(), authorization = h.operator) =>
  h.gw.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization, 'idempotency-key': key },
  });

/** An order delivered, its change refused for good, a second change and a receipt behind it. */
const blocked = async (n: string) => {
  await h.submitPo(n);
  await h.until(() => statesOf(po(n)) === 'delivered', 'order delivered');
  h.connector.script(`ACME-US/${n}`, refused);
  await h.changePo(n);
  await h.until(() => statesOf(po(n)) === 'delivered,dead-lettered', 'change dead-lettered');
  const change = await post(
    `/v1/purchase-orders/ACME-US/${n}/changes`,
    {
      changeReason: 'Quantity settled with the supplier.',
      lines: [{ lineNumber: 10, action: 'update', quantity: { value: '550', uom: 'EA' } }],
    },
    newKey(),
    h.writer,
  );
  expect(change.statusCode, change.body).toBe(202);
  await h.receipt(n, `GR-${n}`);
  await h.until(
    () => statesOf(`GoodsReceipt-DAL1/GR-${n}`) === 'waiting-for-parent',
    'receipt waits',
  );
  expect(statesOf(po(n))).toBe('delivered,dead-lettered,pending');
  return h.history.list({ state: 'dead-lettered' })[0]?.id as string;
};

describe('resolving and skipping dead letters', () => {
  it('resolves a dead letter done by hand: it counts as delivered and what waited proceeds', async () => {
    h = await startHarness();
    const id = await blocked('RS-1');
    const key = newKey();
    const body = { reason: 'line 40 added in Tryton by hand', reference: 'P-2/40' };
    const answer = await post(`/v1/admin/deliveries/${id}/resolve`, body, key);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({
      deliveryId: id,
      outcome: 'resolved',
      by: 'ops',
      reason: body.reason,
      reference: 'P-2/40',
      previousState: 'dead-lettered',
    });
    await h.until(() => statesOf(po('RS-1')) === 'delivered,delivered,delivered', 'proceeds');
    await h.until(() => statesOf('GoodsReceipt-DAL1/GR-RS-1') === 'delivered', 'receipt');

    const one = (
      await h.gw.app.inject({
        method: 'GET',
        url: `/v1/admin/deliveries/${id}`,
        headers: { authorization: h.operator },
      })
    ).json();
    expect(one).toMatchObject({
      state: 'delivered',
      reference: 'P-2/40',
      resolution: { outcome: 'resolved', by: 'ops', reason: body.reason, reference: 'P-2/40' },
    });
    // The audit: the operator's request (with the API key's id) and the delivery's own event.
    const events = await h.deliveryEvents('legacy', po('RS-1'));
    expect(events.find((e) => e.type === 'DeliveryResolved')?.data).toMatchObject({
      deliveryId: id,
      by: 'ops',
      reason: body.reason,
    });
    const [request] = await h.gw.store.readStream(
      `DeliveryResolution-${answer.json().resolutionId}`,
    );
    expect(request?.metadata).toMatchObject({ clientId: 'ops', keyId: expect.any(String) });
    expect(request?.metadata.keyId).not.toBe('');

    // A retry with the same key answers the same resolution; another request with it is refused.
    const again = await post(`/v1/admin/deliveries/${id}/resolve`, body, key);
    expect(again.statusCode).toBe(200);
    expect(again.json().resolutionId).toBe(answer.json().resolutionId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const reused = await post(`/v1/admin/deliveries/${id}/resolve`, { reason: 'other' }, key);
    expect(reused.statusCode).toBe(422);
    // Nothing left to resolve now.
    const late = await post(`/v1/admin/deliveries/${id}/skip`, { reason: 'too late' });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'delivery-not-resolvable' });
  });

  it('skips a dead letter: visible as skipped, the later commands delivered, counted in /metrics', async () => {
    h = await startHarness();
    const id = await blocked('SK-1');
    const metrics = async () =>
      (
        await h.gw.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: h.operator },
        })
      ).body;
    expect(await metrics()).toContain('coexist_delivery_dead_letters{target="legacy"} 1');
    const answer = await post(`/v1/admin/deliveries/${id}/skip`, { reason: 'superseded' });
    expect(answer.statusCode).toBe(200);
    await h.until(() => statesOf(po('SK-1')) === 'delivered,skipped,delivered', 'proceeds');
    await h.until(() => statesOf('GoodsReceipt-DAL1/GR-SK-1') === 'delivered', 'receipt');
    const after = await metrics();
    expect(after).toContain(
      'coexist_delivery_outcomes_total{target="legacy",document_type="purchaseOrder",outcome="skipped"} 1',
    );
    expect(after).not.toContain('coexist_delivery_dead_letters{target="legacy"} 1');
    expect(after).not.toMatch(/coexist_delivery_backlog\{target="legacy",state="skipped"\}/);
    expect(h.connector.callsFor('ACME-US/SK-1')).toEqual([
      'purchaseOrder:submit',
      'purchaseOrder:change',
      'purchaseOrder:change',
    ]);
    const listed = await h.gw.app.inject({
      method: 'GET',
      url: '/v1/admin/deliveries?state=skipped',
      headers: { authorization: h.operator },
    });
    expect(listed.json()).toMatchObject({
      total: 1,
      deliveries: [{ id, state: 'skipped', resolution: { outcome: 'skipped', by: 'ops' } }],
    });
    const [legacy] = await deliveryStatusOf(h.gw.store, po('SK-1'));
    expect(legacy?.state).toBe('delivered');
    expect(legacy?.deliveries.map((d) => d.state)).toEqual(['delivered', 'skipped', 'delivered']);
  });

  it('refuses bad input with a problem, an unknown delivery with 404, and a writer with 403', async () => {
    h = await startHarness();
    const id = await blocked('BAD-1');
    const bad = await post(`/v1/admin/deliveries/${id}/resolve`, { reason: 'x', extra: 1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const missing = await post('/v1/admin/deliveries/legacy.nope/skip', { reason: 'no such' });
    expect(missing.statusCode).toBe(404);
    const writer = await post(
      `/v1/admin/deliveries/${id}/skip`,
      { reason: 'mine' },
      newKey(),
      h.writer,
    );
    expect(writer.statusCode).toBe(403);
    const noKey = await h.gw.app.inject({
      method: 'POST',
      url: `/v1/admin/deliveries/${id}/skip`,
      payload: { reason: 'no key' },
      headers: { authorization: h.operator },
    });
    expect(noKey.statusCode).toBe(400);
    expect(statesOf(po('BAD-1'))).toBe('delivered,dead-lettered,pending');
  });

  it('coexist dlq resolve and skip record the operator from the CLI', async () => {
    h = await startHarness();
    const id = await blocked('CLI-1');
    const dir = ['--data-dir', h.gw.dir];
    const out = await coexist([
      'dlq',
      'skip',
      id,
      '--reason',
      'will not be delivered',
      ...dir,
      '--json',
    ]);
    expect(JSON.parse(out.stdout)).toMatchObject({ deliveryId: id, outcome: 'skipped' });
    await h.until(() => statesOf(po('CLI-1')) === 'delivered,skipped,delivered', 'proceeds');
    const [request] = await h.gw.store.readStream(
      `DeliveryResolution-${JSON.parse(out.stdout).resolutionId}`,
    );
    expect(request?.data.by).toMatch(/^cli:.+/);
    await expect(
      coexist(['dlq', 'resolve', id, '--reason', 'by hand', ...dir]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('only a dead-lettered or held delivery'),
    });
  });
});
