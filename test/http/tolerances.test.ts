/**
 * PUT /v1/admin/tolerances at its edges: bad input is one problem listing every violation and
 * records nothing; a setting equal to the scope's own, limit by limit and by value, records
 * nothing either (no version that changes nothing, no re-match of held invoices).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startToleranceGateway, type ToleranceGateway } from './toleranceGateway.js';

let gw: ToleranceGateway;
beforeEach(async () => {
  gw = await startToleranceGateway();
});
afterEach(() => gw?.close());

const put = (payload: object) =>
  gw.app.inject({
    method: 'PUT',
    url: '/v1/admin/tolerances',
    headers: { authorization: gw.operator },
    payload,
  });
const history = async () => {
  await gw.tolerances.refresh();
  return gw.tolerances.list();
};
const values = (upper: string, lower: string | null = null) => ({
  price: { percent: { lower, upper }, amount: { lower: null, upper: null } },
  quantity: { percent: { lower: null, upper: '0' } },
});
const pointers = (response: { json(): unknown }) =>
  (response.json() as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer).sort();

describe('GET /v1/admin/tolerances', () => {
  it('asks for the company a supplier belongs to, pointing at it in the query', async () => {
    const response = await gw.app.inject({
      url: '/v1/admin/tolerances?supplier=SUP-9',
      headers: { authorization: gw.operator },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      expect.objectContaining({ pointer: '/company', in: 'query' }),
    ]);
    expect(response.body).not.toMatch(/body/i);
  });
});

describe('PUT /v1/admin/tolerances', () => {
  it('lists every violation in one problem, and records nothing', async () => {
    const bad = await put({
      company: 'ACME US',
      supplier: 'SUP 9',
      values: {
        price: { percent: { lower: '-1', upper: '2' }, amount: { lower: null } },
        quantity: { percent: { lower: null, upper: '1e3' } },
      },
      reason: 'x',
      effective: 'now',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(pointers(bad)).toEqual([
      '/company',
      '/effective',
      '/reason',
      '/supplier',
      '/values/price/amount/upper',
      '/values/price/percent/lower',
      '/values/quantity/percent/upper',
    ]);
    expect(await history()).toEqual([]);
  });

  it('refuses an empty refinement, pointing at each missing part', async () => {
    const empty = await put({ company: 'ACME-US', supplier: 'SUP-9', values: {}, reason: 'None' });
    expect(empty.statusCode).toBe(400);
    expect(pointers(empty)).toEqual(['/values/price', '/values/quantity']);
    expect(await history()).toEqual([]);
  });

  it("records nothing when the values are the scope's own already, even spelled otherwise", async () => {
    const first = await put({ company: 'ACME-US', values: values('2.5'), reason: 'AP policy' });
    expect(first.json()).toMatchObject({ version: 1, recorded: true });

    const again = await put({ company: 'ACME-US', values: values('2.50'), reason: 'Once more' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ version: 1, recorded: false, reason: 'AP policy' });
    expect(await history()).toHaveLength(1);

    // The same values for one supplier are a setting of their own: later company changes no
    // longer reach it.
    const pinned = await put({
      company: 'ACME-US',
      supplier: 'SUP-9',
      values: values('2.5'),
      reason: 'Keep SUP-9 at 2.5',
    });
    expect(pinned.json()).toMatchObject({ version: 2, recorded: true, supplier: 'SUP-9' });
  });

  it('takes a lower limit above the upper one: each bounds its own side of the reference', async () => {
    const wide = await put({ company: 'ACME-US', values: values('1', '10'), reason: 'Rebates' });
    expect(wide.statusCode).toBe(200);
    expect(wide.json()).toMatchObject({ version: 1, values: values('1', '10') });
  });
});
