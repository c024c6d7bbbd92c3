import { describe, expect, it } from 'vitest';
import {
  canonicalScalar,
  compareResults,
  diff,
  type NormalisationProfile,
  normalise,
  type ResultObject,
} from '../../src/domain/divergence/compare.js';

describe('canonicalScalar', () => {
  it.each([
    ['decimals by value', '12.50', undefined, '12.5'],
    ['a number and its string agree', 12.5, undefined, '12.5'],
    ['a leading plus', '+3', undefined, '3'],
    ['trailing zeros of an integer', '100.000', undefined, '100'],
    ['scale rounds half up', '10.125', 2, '10.13'],
    ['scale leaves what it need not round', '10.1', 2, '10.1'],
    ['negative decimals', '-0.50', undefined, '-0.5'],
    ['a date stays', '2026-11-02', undefined, '2026-11-02'],
    ['an instant in UTC', '2026-11-02T15:30:00+01:00', undefined, '2026-11-02T14:30:00.000Z'],
    ['a midnight instant is its date', '2026-11-02T00:00:00Z', undefined, '2026-11-02'],
    ['an SQL-style instant', '2026-11-02 14:30:00Z', undefined, '2026-11-02T14:30:00.000Z'],
    ['text is trimmed', '  P00042 ', undefined, 'P00042'],
    ['booleans', true, undefined, 'true'],
    ['null', null, undefined, 'null'],
  ] as const)('%s', (_name, value, scale, expected) => {
    expect(canonicalScalar(value, scale)).toBe(expected);
  });
});

describe('normalise', () => {
  const cases: Array<[string, ResultObject, NormalisationProfile, Record<string, string>]> = [
    [
      'flat details',
      { taxAmount: '20.00', total: 120 },
      {},
      { '/taxAmount': '20', '/total': '120' },
    ],
    [
      'field names through the crosswalk',
      { totalTaxAmount: '20.00' },
      { fields: { totalTaxAmount: 'taxAmount' } },
      { '/taxAmount': '20' },
    ],
    [
      'codes through the crosswalk, by canonical field',
      { status: 'Open', taxGroup: 'VAT20' },
      {
        fields: { taxGroup: 'taxCode' },
        values: { status: { Open: 'open' }, taxCode: { VAT20: 'V20' } },
      },
      { '/status': 'open', '/taxCode': 'V20' },
    ],
    [
      'ignored fields',
      { state: 'processing', taxAmount: '1' },
      { ignore: ['state'] },
      { '/taxAmount': '1' },
    ],
    [
      'lines keyed by line number, whatever their order',
      {
        lines: [
          { lineNumber: 20, amount: '5.0' },
          { lineNumber: 10, amount: '7' },
        ],
      },
      {},
      {
        '/lines/10': 'present',
        '/lines/10/lineNumber': '10',
        '/lines/10/amount': '7',
        '/lines/20': 'present',
        '/lines/20/lineNumber': '20',
        '/lines/20/amount': '5',
      },
    ],
    [
      'lines as an object keyed by line number (a JSONata mapping)',
      { lines: { '10.0': { taxAmount: '1.50' } } },
      {},
      { '/lines/10': 'present', '/lines/10/taxAmount': '1.5' },
    ],
    [
      'another line key',
      { lines: [{ sequence: '2', qty: 1 }] },
      { lineKey: 'sequence' },
      { '/lines/2': 'present', '/lines/2/sequence': '2', '/lines/2/qty': '1' },
    ],
    ['scale per target', { taxAmount: '10.125' }, { scale: 2 }, { '/taxAmount': '10.13' }],
  ];
  it.each(cases)('%s', (_name, result, profile, expected) => {
    const normalised = normalise(result, profile);
    for (const [path, value] of Object.entries(expected)) expect(normalised[path]).toBe(value);
    expect(Object.keys(normalised).sort()).toEqual(Object.keys(expected).sort());
  });

  it('sorts unkeyed arrays so their order does not matter', () => {
    expect(normalise({ tags: ['b', 'a'] })).toEqual(normalise({ tags: ['a', 'b'] }));
    expect(normalise({ tags: ['b', 'a'] })).not.toEqual(normalise({ tags: ['a', 'c'] }));
  });
});

describe('diff', () => {
  const cases: Array<[string, Record<string, string>, Record<string, string>, unknown[]]> = [
    ['equal answers', { '/a': '1' }, { '/a': '1' }, []],
    [
      'a differing field',
      { '/tax': '20' },
      { '/tax': '21' },
      [{ path: '/tax', primary: '20', shadow: '21' }],
    ],
    [
      'a field only one ERP reports is not compared',
      { '/state': 'done', '/a': '1' },
      { '/a': '1' },
      [],
    ],
    [
      'a line only the primary holds, reported once at the line',
      { '/lines/1': 'present', '/lines/1/q': '2', '/lines/2': 'present', '/lines/2/q': '3' },
      { '/lines/1': 'present', '/lines/1/q': '2' },
      [{ path: '/lines/2', primary: 'present', shadow: null }],
    ],
    [
      'a line only the shadow holds',
      {},
      { '/lines/7': 'present', '/lines/7/q': '1' },
      [{ path: '/lines/7', primary: null, shadow: 'present' }],
    ],
    [
      'a nested line under a missing line is not reported again',
      {},
      { '/lines/7': 'present', '/lines/7/lots/A': 'present' },
      [{ path: '/lines/7', primary: null, shadow: 'present' }],
    ],
    [
      'differences sorted by path',
      { '/z': '1', '/a': '1' },
      { '/z': '2', '/a': '2' },
      [
        { path: '/a', primary: '1', shadow: '2' },
        { path: '/z', primary: '1', shadow: '2' },
      ],
    ],
  ];
  it.each(cases)('%s', (_name, primary, shadow, expected) => {
    expect(diff(primary, shadow)).toEqual(expected);
  });
});

describe('compareResults', () => {
  it('reports a line only one ERP holds, whether lines come as an array or keyed by number', () => {
    expect(
      compareResults(
        {
          result: {
            lines: [
              { lineNumber: 10, tax: '1' },
              { lineNumber: 20, tax: '2' },
            ],
          },
        },
        { result: { lines: { '10': { tax: '1.0' } } } },
      ),
    ).toEqual([{ path: '/lines/20', primary: 'present', shadow: null }]);
  });

  it('finds only the tax the shadow computed differently, through both profiles', () => {
    const legacy = {
      result: {
        state: 'posted',
        untaxedAmount: '100.00',
        taxAmount: '20.13',
        totalAmount: '120.13',
      },
      profile: { ignore: ['state'] },
    };
    const cloud = {
      result: {
        status: 'Open',
        totalAmountExcludingTax: 100,
        totalTaxAmount: 20.12,
        totalAmountIncludingTax: '120.13',
      },
      profile: {
        fields: {
          totalAmountExcludingTax: 'untaxedAmount',
          totalTaxAmount: 'taxAmount',
          totalAmountIncludingTax: 'totalAmount',
        },
        ignore: ['status'],
      },
    };
    expect(compareResults(legacy, cloud)).toEqual([
      { path: '/taxAmount', primary: '20.13', shadow: '20.12' },
    ]);
    const rounded = (side: typeof legacy | typeof cloud) => ({
      ...side,
      profile: { ...side.profile, scale: 1 },
    });
    expect(compareResults(rounded(legacy), rounded(cloud))).toEqual([]);
  });

  it('compares lines the port carries flat (`lines.10.amount`), as the REST connector and Tryton answer them', () => {
    // The Business Central profile's answer, flattened by the REST connector; Tryton's answer.
    const cloud = {
      'lines.10.quantity': '500',
      'lines.10.unitCost': '1.84',
      'lines.10.amountExcludingTax': '920',
      'lines.10.taxAmount': '0.01',
      'lines.20.quantity': '240',
      'lines.20.amountExcludingTax': '744',
      'lines.30.quantity': '12',
      '@odata.etag': 'W/"1"',
    };
    const tryton = {
      'lines.10.quantity': '500.0',
      'lines.10.unitCost': '1.8400',
      'lines.10.untaxedAmount': '920.00',
      'lines.20.quantity': '240.0',
      'lines.20.untaxedAmount': '744.10',
    };
    const profile = { fields: { amountExcludingTax: 'untaxedAmount' } };
    expect(normalise(cloud, profile)).toMatchObject({
      '/lines/10': 'present',
      '/lines/10/untaxedAmount': '920',
      '/lines/10/taxAmount': '0.01',
      // Only the line maps' keys are split: other dotted names stay whole.
      '/@odata.etag': 'W/"1"',
    });
    expect(compareResults({ result: tryton, profile }, { result: cloud, profile })).toEqual([
      { path: '/lines/20/untaxedAmount', primary: '744.1', shadow: '744' },
      { path: '/lines/30', primary: null, shadow: 'present' },
    ]);
  });
});
