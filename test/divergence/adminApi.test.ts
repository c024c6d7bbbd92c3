/** GET /v1/admin/divergences and the divergence figures in /metrics. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dualWriteStreamOf } from '../../src/divergence/records.js';
import { streamNameOf } from '../../src/domain/documents.js';
import {
  acknowledged,
  type DualHarness,
  defaultRule,
  dualRule,
  startDualHarness,
  waitFor,
} from './harness.js';

let h: DualHarness;
const numbers = ['A-1', 'A-2', 'A-3', 'A-4'];

beforeAll(async () => {
  h = await startDualHarness();
  await h.publish([dualRule, defaultRule]);
  for (const [i, n] of numbers.entries()) {
    h.legacy.script(`ACME-US/${n}`, acknowledged(`P${i}`, { taxAmount: '20.13' }));
    // The last one agrees; the others diverge.
    const tax = i === numbers.length - 1 ? '20.130' : `20.1${i}`;
    h.cloud.script(`ACME-US/${n}`, acknowledged(`C${i}`, { taxAmount: tax }));
    await h.submitPo('ACME-US', n);
  }
  for (const n of numbers) {
    const stream = dualWriteStreamOf(
      streamNameOf({ type: 'purchaseOrder', key: { company: 'ACME-US', poNumber: n } }),
    );
    await waitFor(async () => (await h.gw.store.readStream(stream)).length > 0, `compare ${n}`);
  }
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const get = (url: string, authorization = h.operator) =>
  h.gw.app.inject({ method: 'GET', url, headers: { authorization } });

describe('GET /v1/admin/divergences', () => {
  it('lists divergences oldest first with their diff, a page at a time', async () => {
    const first = await get('/v1/admin/divergences?limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json() as {
      divergences: Array<{ documentKey: { poNumber: string }; differences: unknown[] }>;
      nextCursor: string | null;
    };
    expect(page1.divergences).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await get(`/v1/admin/divergences?limit=2&cursor=${page1.nextCursor}`, h.auditor);
    const page2 = second.json() as typeof page1;
    expect(page2.divergences).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    const all = [...page1.divergences, ...page2.divergences];
    expect(all.map((d) => d.documentKey.poNumber).sort()).toEqual(['A-1', 'A-2', 'A-3']);
    expect(all.find((d) => d.documentKey.poNumber === 'A-1')?.differences).toEqual([
      { path: '/taxAmount', primary: '20.13', shadow: '20.1' },
    ]);
  });

  it('filters by target, document type and time', async () => {
    const count = async (query: string) =>
      ((await get(`/v1/admin/divergences?${query}`)).json() as { divergences: unknown[] })
        .divergences.length;
    expect(await count('target=cloud')).toBe(3);
    expect(await count('target=legacy')).toBe(3);
    // A target that is no ERP is a mistake, not an empty page.
    expect((await get('/v1/admin/divergences?target=other')).statusCode).toBe(400);
    expect(await count('documentType=purchaseOrder')).toBe(3);
    expect(await count('documentType=journalEntry')).toBe(0);
    expect(await count('since=2000-01-01T00:00:00Z')).toBe(3);
    expect(await count('since=2099-01-01T00:00:00Z')).toBe(0);
  });

  it('answers bad input with a problem naming each field, and refuses other roles', async () => {
    const bad = await get('/v1/admin/divergences?since=yesterday&limit=0&documentType=memo');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    const pointers = (bad.json() as { errors: Array<{ pointer: string }> }).errors.map(
      (e) => e.pointer,
    );
    expect(pointers).toEqual(expect.arrayContaining(['/since', '/limit', '/documentType']));
    const cursor = await get('/v1/admin/divergences?cursor=bm90LW91cnM');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json()).toMatchObject({ errors: [{ pointer: '/cursor' }] });
    expect((await get('/v1/admin/divergences', h.writer)).statusCode).toBe(403);
    expect((await get('/v1/admin/divergences', h.architect)).statusCode).toBe(403);
  });
});

describe('/metrics', () => {
  it('reports comparisons, divergences and the divergence rate per scope', async () => {
    const response = await get('/metrics');
    expect(response.statusCode).toBe(200);
    const labels = 'document_type="purchaseOrder",company="ACME-US"';
    expect(response.body).toContain(`coexist_dual_write_comparisons{${labels}} 4`);
    expect(response.body).toContain(`coexist_dual_write_divergences{${labels}} 3`);
    expect(response.body).toContain(`coexist_dual_write_divergence_rate{${labels}} 0.75`);
  });
});
