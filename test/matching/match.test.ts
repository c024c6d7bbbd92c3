/**
 * The three-way match, table-driven: cumulative quantities across receipts and invoices,
 * prices against the order within tolerance (exactly at a limit is inside), the invoice's own
 * arithmetic, units, currencies and credit notes.
 */
import { describe, expect, it } from 'vitest';
import {
  type InvoiceFact,
  type MatchInput,
  matchInvoice,
  type ReceiptFact,
} from '../../src/domain/matching/match.js';
import {
  type AppliedTolerances,
  defaultApplied,
  resolveTolerances,
  type Tolerances,
} from '../../src/domain/matching/tolerances.js';
import type { PurchaseOrderState } from '../../src/domain/purchaseOrder/types.js';

const order = (lines: Array<[number, string, string, string?]>): PurchaseOrderState =>
  ({
    company: 'ACME-US',
    poNumber: 'PO-1',
    supplier: 'SUP-1',
    currency: 'USD',
    status: 'open',
    changeCount: 0,
    lines: lines.map(([lineNumber, quantity, unitPrice, uom = 'EA']) => ({
      lineNumber,
      item: `ITEM-${lineNumber}`,
      quantity: { value: quantity, uom },
      unitPrice,
      status: 'open',
    })),
  }) as unknown as PurchaseOrderState;

type Line = [poLineNumber: number, quantity: string, unitPrice: string, lineAmount?: string];

const invoice = (
  lines: Line[],
  extra: Partial<InvoiceFact> & { uom?: string } = {},
): InvoiceFact => {
  const { uom = 'EA', ...rest } = extra;
  const invoiceLines = lines.map(([poLineNumber, quantity, unitPrice, lineAmount], i) => ({
    lineNumber: i + 1,
    poNumber: 'PO-1',
    poLineNumber,
    quantity: { value: quantity, uom },
    unitPrice,
    lineAmount: lineAmount ?? (Number(quantity) * Number(unitPrice)).toFixed(2),
  }));
  const net = invoiceLines.reduce((sum, l) => sum + Number(l.lineAmount), 0).toFixed(2);
  return {
    supplier: 'SUP-1',
    invoiceNumber: 'INV-1',
    company: 'ACME-US',
    currency: 'USD',
    lines: invoiceLines,
    totals: { netAmount: net, taxAmount: '0.00', grossAmount: net },
    ...rest,
  };
};

const receipt = (
  lines: Array<[poLineNumber: number, quantity: string, returned?: string]>,
  uom = 'EA',
): ReceiptFact => ({
  company: 'ACME-US',
  lines: lines.map(([poLineNumber, quantity, returned]) => ({
    poNumber: 'PO-1',
    poLineNumber,
    quantity: { value: quantity, uom },
    ...(returned ? { returnedQuantity: { value: returned, uom } } : {}),
  })),
});

const tolerances = (values: Partial<Tolerances> = {}): AppliedTolerances => ({
  ...defaultApplied,
  values: { ...defaultApplied.values, ...values },
});

const po = order([
  [10, '600', '1.84'],
  [20, '10', '100.00'],
]);

const match = (input: Partial<MatchInput> & { invoice: InvoiceFact }) =>
  matchInvoice({
    orders: new Map([['PO-1', po]]),
    receipts: [],
    earlierInvoices: [],
    tolerances: defaultApplied,
    ...input,
  });

describe('three-way match: quantities, cumulative', () => {
  const cases: Array<{
    name: string;
    input: Partial<MatchInput> & { invoice: InvoiceFact };
    result: string;
    received?: string;
    invoiced?: string;
  }> = [
    {
      name: 'nothing received yet: awaiting receipt',
      input: { invoice: invoice([[10, '495', '1.84']]) },
      result: 'awaiting-receipt',
      received: '0',
      invoiced: '495',
    },
    {
      name: 'a partial receipt under the invoiced quantity: quantity variance',
      input: { invoice: invoice([[10, '495', '1.84']]), receipts: [receipt([[10, '200']])] },
      result: 'quantity-variance',
      received: '200',
    },
    {
      name: 'two receipts adding up to the invoiced quantity: matched',
      input: {
        invoice: invoice([[10, '495', '1.84']]),
        receipts: [receipt([[10, '200']]), receipt([[10, '295']])],
      },
      result: 'matched',
      received: '495',
    },
    {
      name: 'received net of returns: 500 received, 10 returned, 490 invoiced matches',
      input: {
        invoice: invoice([[10, '490', '1.84']]),
        receipts: [receipt([[10, '500', '10']])],
      },
      result: 'matched',
      received: '490',
    },
    {
      name: 'received net of returns: 500 received, 10 returned, 495 invoiced is over',
      input: {
        invoice: invoice([[10, '495', '1.84']]),
        receipts: [receipt([[10, '500', '10']])],
      },
      result: 'quantity-variance',
    },
    {
      name: 'a second invoice on the line is matched against what is left: 300 + 300 > 495',
      input: {
        invoice: invoice([[10, '300', '1.84']]),
        receipts: [receipt([[10, '495']])],
        earlierInvoices: [invoice([[10, '300', '1.84']], { invoiceNumber: 'INV-0' })],
      },
      result: 'quantity-variance',
      invoiced: '600',
    },
    {
      name: 'a second invoice within what was received: 300 + 195 = 495',
      input: {
        invoice: invoice([[10, '195', '1.84']]),
        receipts: [receipt([[10, '495']])],
        earlierInvoices: [invoice([[10, '300', '1.84']], { invoiceNumber: 'INV-0' })],
      },
      result: 'matched',
      invoiced: '495',
    },
    {
      name: 'a credit note on the earlier invoice makes room: 300 - 100 + 295 = 495',
      input: {
        invoice: invoice([[10, '295', '1.84']]),
        receipts: [receipt([[10, '495']])],
        earlierInvoices: [
          invoice([[10, '300', '1.84']], { invoiceNumber: 'INV-0' }),
          invoice([[10, '100', '1.84']], { invoiceNumber: 'CN-1', documentKind: 'creditNote' }),
        ],
      },
      result: 'matched',
      invoiced: '495',
    },
    {
      name: 'a credit note itself waits for no goods',
      input: {
        invoice: invoice([[10, '100', '1.84']], { documentKind: 'creditNote' }),
        earlierInvoices: [invoice([[10, '300', '1.84']], { invoiceNumber: 'INV-0' })],
      },
      result: 'matched',
      invoiced: '200',
    },
    {
      name: 'a credit note taking back more than was invoiced: quantity variance',
      input: {
        invoice: invoice([[10, '400', '1.84']], { documentKind: 'creditNote' }),
        earlierInvoices: [invoice([[10, '300', '1.84']], { invoiceNumber: 'INV-0' })],
      },
      result: 'quantity-variance',
      invoiced: '-100',
    },
    {
      name: 'the issue: 100,000 invoiced against 600 ordered, 495 received',
      input: {
        invoice: invoice([[10, '100000', '1.84']]),
        receipts: [receipt([[10, '495']])],
      },
      result: 'quantity-variance',
    },
    {
      name: 'a unit of measure other than the order line: quantity variance (no conversion)',
      input: {
        invoice: invoice([[10, '1', '1.84']], { uom: 'BOX' }),
        receipts: [receipt([[10, '495']])],
      },
      result: 'quantity-variance',
    },
    {
      name: 'receipts in another unit do not count as received in the invoice unit',
      input: { invoice: invoice([[10, '495', '1.84']]), receipts: [receipt([[10, '495']], 'BOX')] },
      result: 'awaiting-receipt',
      received: '0',
    },
    {
      name: 'quantity tolerance 1 %: 500 invoiced against 495 received is 1.0101 % over',
      input: {
        invoice: invoice([[10, '500', '1.84']]),
        receipts: [receipt([[10, '495']])],
        tolerances: tolerances({ quantity: { percent: { lower: null, upper: '1' } } }),
      },
      result: 'quantity-variance',
    },
    {
      name: 'quantity tolerance 1 %: 505 invoiced against 500 received is exactly at the limit',
      input: {
        invoice: invoice([[10, '505', '1.84']]),
        receipts: [receipt([[10, '500']])],
        tolerances: tolerances({ quantity: { percent: { lower: null, upper: '1' } } }),
      },
      result: 'matched',
    },
  ];
  it.each(cases)('$name', ({ input, result, received, invoiced }) => {
    const evaluation = match(input);
    const [line] = evaluation.lines;
    expect(line?.result).toBe(result);
    expect(evaluation.result).toBe(result === 'matched' ? 'matched' : 'held');
    if (received !== undefined) expect(line?.receivedToDate).toBe(received);
    if (invoiced !== undefined) expect(line?.invoicedToDate).toBe(invoiced);
  });
});

describe('three-way match: prices against the order, at the tolerance boundary', () => {
  const received = [receipt([[10, '600']])];
  const percent = (upper: string, lower: string | null = null) =>
    tolerances({ price: { percent: { lower, upper }, amount: { lower: null, upper: null } } });
  const cases: Array<[name: string, price: string, applied: AppliedTolerances, result: string]> = [
    ['the order price', '1.84', defaultApplied, 'matched'],
    // 2 % of 1.84 is 0.0368: 1.8768 is exactly at the default limit.
    ['exactly 2 % over (default): inside', '1.8768', defaultApplied, 'matched'],
    ['just over 2 % (default): outside', '1.876801', defaultApplied, 'price-variance'],
    ['the issue: 99.99 against 1.84', '99.99', defaultApplied, 'price-variance'],
    ['under the order price with no lower limit', '0.50', defaultApplied, 'matched'],
    ['exactly 5 % under with a lower limit of 5 %', '1.748', percent('2', '5'), 'matched'],
    ['just over 5 % under', '1.747999', percent('2', '5'), 'price-variance'],
    // 1/3 % of 1.84 has no exact decimal: compared without dividing, so the limit holds.
    ['within 1/3 %: 1.846 is 0.326 % over', '1.846', percent('0.333333'), 'matched'],
    [
      'absolute limit 0.01 per unit: 1.85 is at it',
      '1.85',
      tolerances({
        price: { percent: { lower: null, upper: '2' }, amount: { lower: null, upper: '0.01' } },
      }),
      'matched',
    ],
    [
      'absolute limit 0.01 per unit: 1.850001 is past it, though within 2 %',
      '1.850001',
      tolerances({
        price: { percent: { lower: null, upper: '2' }, amount: { lower: null, upper: '0.01' } },
      }),
      'price-variance',
    ],
  ];
  it.each(cases)('%s', (_name, price, applied, result) => {
    const evaluation = match({
      invoice: invoice([[10, '1', price, price]]),
      receipts: received,
      tolerances: applied,
    });
    expect(evaluation.lines[0]?.result).toBe(result);
  });

  it('reports the variance and its percent on the line', () => {
    const [line] = match({
      invoice: invoice([[10, '1', '1.90', '1.90']]),
      receipts: received,
    }).lines;
    expect(line).toMatchObject({
      orderUnitPrice: '1.84',
      invoiceUnitPrice: '1.90',
      priceVariance: '0.06',
      priceVariancePercent: '3.2609',
      result: 'price-variance',
    });
    expect(line?.findings[0]?.detail).toContain('beyond the upper limit of 2 %');
  });

  it('an invoice in another currency than the order cannot be price-matched', () => {
    const evaluation = match({
      invoice: invoice([[10, '1', '1.84', '1.84']], { currency: 'EUR' }),
      receipts: received,
    });
    expect(evaluation.lines[0]?.findings.map((f) => f.code)).toContain('CURRENCY_MISMATCH');
    expect(evaluation.reasons).toEqual(['price-variance']);
  });
});

describe('three-way match: the invoice adds up', () => {
  const received = [receipt([[10, '600']])];
  const cases: Array<[name: string, invoice: InvoiceFact, codes: string[]]> = [
    ['amounts that add up', invoice([[10, '495', '1.84', '910.80']]), []],
    // 3 × 0.3333 = 0.9999: 1.00 is off by 0.0001, within half a cent.
    ['a line rounded to the cent', invoice([[10, '3', '0.3333', '1.00']]), []],
    // 1 × 1.845 = 1.845: both 1.84 and 1.85 are within half a cent, exactly at the allowance.
    ['a tie rounded down: exactly half a cent', invoice([[10, '1', '1.845', '1.84']]), []],
    ['just over half a cent', invoice([[10, '1', '1.845001', '1.84']]), ['LINE_AMOUNT']],
    [
      'the issue: a line amount that is not quantity × price',
      invoice([[10, '495', '1.84', '1000.00']]),
      ['LINE_AMOUNT'],
    ],
    [
      'a net total that is not the sum of the lines',
      {
        ...invoice([[10, '495', '1.84']]),
        totals: { netAmount: '900.00', taxAmount: '0.00', grossAmount: '900.00' },
      },
      ['NET_TOTAL'],
    ],
    [
      'a gross total that is not net plus tax',
      {
        ...invoice([[10, '495', '1.84']]),
        totals: { netAmount: '910.80', taxAmount: '10.00', grossAmount: '910.80' },
      },
      ['GROSS_TOTAL'],
    ],
    [
      'a tax total that is not the sum of the tax summary',
      {
        ...invoice([[10, '495', '1.84']]),
        taxes: [{ taxAmount: '5.00' }],
        totals: { netAmount: '910.80', taxAmount: '6.00', grossAmount: '916.80' },
      },
      ['TAX_TOTAL'],
    ],
    [
      'charges count toward the net total',
      {
        ...invoice([[10, '495', '1.84']]),
        charges: [{ amount: '85.00' }],
        totals: { netAmount: '995.80', taxAmount: '0.00', grossAmount: '995.80' },
      },
      [],
    ],
    [
      'yen have no minor unit: half a yen is the allowance',
      invoice([[10, '3', '0.5', '2']], { currency: 'JPY' }),
      [],
    ],
  ];
  it.each(cases)('%s', (_name, fact, codes) => {
    const evaluation = match({ invoice: fact, receipts: received });
    expect(evaluation.amountErrors.map((e) => e.code)).toEqual(codes);
    if (codes.length) expect(evaluation.reasons[0]).toBe('amount-error');
  });
});

describe('three-way match: lines it cannot match', () => {
  it('an unknown order, a line the order lacks, another supplier’s order: unknown order', () => {
    const other = { ...po, poNumber: 'PO-2', supplier: 'SUP-2' } as PurchaseOrderState;
    const fact = invoice([
      [10, '1', '1.84', '1.84'],
      [99, '1', '1.84', '1.84'],
    ]);
    const lines = [
      ...fact.lines,
      { ...fact.lines[0], lineNumber: 3, poNumber: 'PO-404' },
      { ...fact.lines[0], lineNumber: 4, poNumber: 'PO-2' },
    ] as InvoiceFact['lines'];
    const evaluation = match({
      invoice: {
        ...fact,
        lines,
        totals: { netAmount: '7.36', taxAmount: '0', grossAmount: '7.36' },
      },
      orders: new Map([
        ['PO-1', po],
        ['PO-2', other],
        ['PO-404', null],
      ]),
      receipts: [receipt([[10, '600']])],
    });
    expect(evaluation.lines.map((l) => [l.result, l.findings[0]?.code ?? null])).toEqual([
      ['matched', null],
      ['unknown-order-line', 'UNKNOWN_ORDER_LINE'],
      ['unknown-order-line', 'UNKNOWN_ORDER'],
      ['unknown-order-line', 'OTHER_SUPPLIER'],
    ]);
    expect(evaluation.reasons).toEqual(['unknown-order-line']);
  });

  it('reasons of several lines are listed most serious first', () => {
    const evaluation = match({
      invoice: invoice([
        [10, '495', '1.84'],
        [20, '1', '150.00', '150.00'],
      ]),
      receipts: [receipt([[20, '1']])],
    });
    expect(evaluation.reasons).toEqual(['price-variance', 'awaiting-receipt']);
  });
});

describe('tolerances in force', () => {
  const values = (upper: string): Tolerances => ({
    ...defaultApplied.values,
    price: { percent: { lower: null, upper }, amount: { lower: null, upper: null } },
  });
  const settings = [
    { version: 1, company: 'ACME-US', supplier: null, values: values('3') },
    { version: 2, company: 'ACME-US', supplier: 'SUP-1', values: values('5') },
    { version: 3, company: 'ACME-US', supplier: null, values: values('4') },
  ];
  it('a supplier’s own setting, else the company’s latest, else the default', () => {
    expect(resolveTolerances(settings, 'ACME-US', 'SUP-1')).toMatchObject({
      source: 'supplier',
      version: 2,
    });
    expect(resolveTolerances(settings, 'ACME-US', 'SUP-9')).toMatchObject({
      source: 'company',
      version: 3,
    });
    expect(resolveTolerances(settings, 'ACME-MX', 'SUP-1')).toEqual(defaultApplied);
  });
});
