import { describe, expect, it } from 'vitest';
import { given, recorded } from '../testing.js';
import { type CoverageRow, routingCoverage } from './routingCoverage.js';

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

  const migrated = (
    poNumber: string,
    from: string,
    to: string,
    at: string,
    site: string | null = 'DAL1',
  ) =>
    recorded(
      `PurchaseOrder-ACME-US/${poNumber}`,
      'DocumentOwnershipChanged',
      {
        document: { type: 'purchaseOrder', key: { company: 'ACME-US', poNumber } },
        ...(site ? { site } : {}),
        route: { owner: to, primary: to, basis: 'migration', ruleId: null, ruleSetVersion: null },
        previous: { owner: from, primary: from },
        at,
      },
      { route: { owner: to, primary: to, basis: 'migration' } },
      new Date(at),
    );

  const table = (rows: Map<string, CoverageRow>) =>
    [...rows.values()].map((r) => [
      r.day,
      r.site,
      r.owner,
      r.documents,
      r.recorded,
      r.migratedIn,
      r.migratedOut,
    ]);

  it('Given documents migrated on a later day, Then each moves to the new owner on the day of the migration: counted in there, out of the old owner, so what each owner holds is the sum of its days', () => {
    const rows = given(routingCoverage, [
      submitted('1', 'legacy', 'DAL1', '2026-12-01T08:00:00Z'),
      submitted('2', 'legacy', 'DAL1', '2026-12-01T09:00:00Z'),
      submitted('3', 'legacy', 'DAL1', '2026-12-01T09:30:00Z'),
      migrated('1', 'legacy', 'cloud', '2026-12-03T06:00:00Z'),
      migrated('2', 'legacy', 'cloud', '2026-12-03T06:00:01Z'),
    ]);
    // [day, site, owner, documents (net), recorded, migrated in, migrated out]
    expect(table(rows)).toEqual([
      ['2026-12-01', 'DAL1', 'legacy', 3, 3, 0, 0],
      ['2026-12-03', 'DAL1', 'legacy', -2, 0, 0, 2],
      ['2026-12-03', 'DAL1', 'cloud', 2, 0, 2, 0],
    ]);
    const holds = (owner: string) =>
      [...rows.values()].filter((r) => r.owner === owner).reduce((n, r) => n + r.documents, 0);
    expect([holds('legacy'), holds('cloud')]).toEqual([1, 2]);
  });

  it('Given a document migrated twice (legacy to dual, then dual to cloud), Then it is counted once, under its last owner', () => {
    const rows = given(routingCoverage, [
      submitted('4', 'legacy', 'HOU1', '2026-12-01T08:00:00Z'),
      migrated('4', 'legacy', 'dual', '2026-12-02T08:00:00Z', 'HOU1'),
      migrated('4', 'dual', 'cloud', '2026-12-02T12:00:00Z', 'HOU1'),
    ]);
    expect(table(rows)).toEqual([
      ['2026-12-01', 'HOU1', 'legacy', 1, 1, 0, 0],
      ['2026-12-02', 'HOU1', 'legacy', -1, 0, 0, 1],
      ['2026-12-02', 'HOU1', 'dual', 0, 0, 1, 1],
      ['2026-12-02', 'HOU1', 'cloud', 1, 0, 1, 0],
    ]);
  });

  it('Given a migration recorded without the site (before moves carried it), Then it is counted under no site, for its company and type', () => {
    const rows = given(routingCoverage, [
      migrated('5', 'legacy', 'cloud', '2026-12-02T08:00:00Z', null),
    ]);
    expect(
      [...rows.values()].map((r) => [r.company, r.documentType, r.site, r.owner, r.documents]),
    ).toEqual([
      ['ACME-US', 'purchaseOrder', null, 'legacy', -1],
      ['ACME-US', 'purchaseOrder', null, 'cloud', 1],
    ]);
  });
});
