import { describe, expect, it } from 'vitest';
import { given, recorded } from '../testing.js';
import { routingCoverage } from './routingCoverage.js';

const submitted = (poNumber: string, owner: string, site: string, at: string) =>
  recorded(
    `PurchaseOrder-ACME-US/${poNumber}`,
    'PurchaseOrderSubmitted',
    { company: 'ACME-US', poNumber, site },
    { route: { owner, ruleId: 'r', ruleSetVersion: 1, basis: 'rule', reason: 'x' } },
    new Date(at),
  );

describe('routing coverage read model', () => {
  it('Given documents routed on two days, Then counts per day, type, company, site and owner', () => {
    const rows = given(routingCoverage, [
      submitted('1', 'legacy', 'DAL1', '2026-12-01T08:00:00Z'),
      submitted('2', 'legacy', 'DAL1', '2026-12-01T09:00:00Z'),
      submitted('3', 'cloud', 'DAL1', '2026-12-01T10:00:00Z'),
      submitted('4', 'cloud', 'HOU1', '2026-12-02T08:00:00Z'),
    ]);
    expect([...rows.values()].map((row) => [row.day, row.site, row.owner, row.documents])).toEqual([
      ['2026-12-01', 'DAL1', 'legacy', 2],
      ['2026-12-01', 'DAL1', 'cloud', 1],
      ['2026-12-02', 'HOU1', 'cloud', 1],
    ]);
  });

  it('Given a change or an event without a route, Then nothing is counted', () => {
    const change = recorded(
      'PurchaseOrder-ACME-US/1',
      'PurchaseOrderChanged',
      { company: 'ACME-US' },
      {
        route: { owner: 'legacy' },
      },
    );
    const unrouted = recorded('PurchaseOrder-ACME-US/9', 'PurchaseOrderSubmitted', {
      company: 'ACME-US',
    });
    expect(given(routingCoverage, [change, unrouted]).size).toBe(0);
  });
});
