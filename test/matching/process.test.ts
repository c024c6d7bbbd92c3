/**
 * The match process end to end in process: invoices held and released as receipts arrive,
 * exactly one event per change of outcome (also when the log is handled again), operators'
 * overrides and rejections with who and why, and tolerance changes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { documents } from '../../projections/documents/documents.js';
import { given } from '../../projections/testing.js';
import { startMatchProcess } from '../../src/matching/process.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import { json } from '../support/gateway.js';
import { invoice, type MatchGateway, order, receipt, startMatchGateway } from './harness.js';

let gateway: MatchGateway;
beforeEach(async () => {
  gateway = await startMatchGateway();
  await gateway.post('purchase-orders', order());
});
afterEach(async () => {
  await gateway.close();
});

const matchEvents = async (invoiceNumber = 'INV-1') =>
  (await gateway.allEvents())
    .filter((e) => e.streamName === `SupplierInvoice-SUP-10023/${invoiceNumber}`)
    .filter((e) => e.type.startsWith('Invoice'));

const types = async (invoiceNumber = 'INV-1') =>
  (await matchEvents(invoiceNumber)).map((e) => e.type);

const decide = (
  action: 'override' | 'reject',
  reason: string,
  invoiceNumber = 'INV-1',
  authorization = gateway.operator,
) =>
  gateway.app.inject({
    method: 'POST',
    url: `/v1/supplier-invoices/SUP-10023/${invoiceNumber}/${action}`,
    // One key per distinct decision: a repeated one is a retry.
    headers: {
      authorization,
      'idempotency-key': `${action}:${invoiceNumber}:${reason}`.replaceAll(' ', '_'),
    },
    payload: { reason },
  });

const status = (invoiceNumber = 'INV-1') => gateway.invoice('SUP-10023', invoiceNumber);

describe('an invoice before its goods', () => {
  it('is held awaiting receipt, held for quantity after a partial receipt, released by the last one, one event per change', async () => {
    await gateway.post('supplier-invoices', invoice('INV-1', '495'));
    expect(await status()).toMatchObject({
      status: 'held',
      label: 'held: awaiting receipt',
      reasons: ['awaiting-receipt'],
    });

    await gateway.post('goods-receipts', receipt('GR-1', '200'));
    const partial = await status();
    expect(partial).toMatchObject({ status: 'held', label: 'held: quantity variance' });
    expect(partial.evaluation).toMatchObject({
      lines: [{ receivedToDate: '200', invoicedToDate: '495', result: 'quantity-variance' }],
      tolerances: { source: 'default', version: 0 },
    });

    // Still short: the outcome does not change, so nothing is recorded.
    await gateway.post('goods-receipts', receipt('GR-2', '100'));
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceHeld']);

    await gateway.post('goods-receipts', receipt('GR-3', '195'));
    const released = await status();
    expect(released).toMatchObject({
      status: 'released',
      label: 'released by match',
      releasedBy: 'match',
      reasons: [],
    });
    expect(released.evaluation).toMatchObject({ lines: [{ receivedToDate: '495' }] });
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceHeld', 'InvoiceReleased']);

    // Later receipts change nothing: a released invoice may already be posted.
    await gateway.post('goods-receipts', receipt('GR-4', '5'));
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceHeld', 'InvoiceReleased']);
  });

  it('records nothing more when the whole log is handled again from no checkpoint', async () => {
    await gateway.post('supplier-invoices', invoice('INV-1', '495'));
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceReleased']);
    const again = startMatchProcess({
      store: gateway.store,
      state: inMemoryConsumerState(),
      owner: 'again',
      tolerances: gateway.tolerances,
      leaseTtlMs: null,
    });
    await again.caughtUp();
    await again.stop();
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceReleased']);
  });

  it('damaged goods are not received: 490 accepted and 5 damaged do not cover 495 invoiced', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '490', '5'));
    await gateway.post('supplier-invoices', invoice('INV-1', '495'));
    expect(await status()).toMatchObject({ label: 'held: quantity variance' });
  });
});

describe('an invoice after its goods', () => {
  it('is matched once, and stays matched', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    await gateway.post('supplier-invoices', invoice('INV-1', '495'));
    expect(await status()).toMatchObject({ status: 'matched', label: 'matched' });
    expect(await types()).toEqual(['InvoiceMatched']);
    const [matched] = await matchEvents();
    expect(matched?.metadata).toMatchObject({ clientId: 'coexist-match' });
  });

  it('a price just inside the default 2 % is matched; just outside is held for price', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '500'));
    await gateway.post('supplier-invoices', invoice('INV-1', '1', '1.8768'));
    await gateway.post('supplier-invoices', invoice('INV-2', '1', '1.876801'));
    expect(await status('INV-1')).toMatchObject({ status: 'matched' });
    expect(await status('INV-2')).toMatchObject({ label: 'held: price variance' });
  });

  it('an invoice that does not add up is held for amount error', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    const wrong = invoice('INV-1', '495');
    (wrong.lines[0] as { lineAmount: string }).lineAmount = '1000.00';
    await gateway.post('supplier-invoices', {
      ...wrong,
      totals: { netAmount: '1000.00', taxAmount: '0.00', grossAmount: '1000.00' },
    });
    const match = await status();
    expect(match).toMatchObject({ label: 'held: amount error' });
    expect(match.evaluation).toMatchObject({
      amountErrors: [{ code: 'LINE_AMOUNT', pointer: '/lines/0/lineAmount' }],
    });
  });

  it('a credit note reduces invoiced-to-date: another invoice fits again', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    await gateway.post('supplier-invoices', invoice('INV-1', '495'));
    await gateway.post('supplier-invoices', invoice('INV-2', '100'));
    expect(await status('INV-2')).toMatchObject({ label: 'held: quantity variance' });
    await gateway.post(
      'supplier-invoices',
      invoice('CN-1', '100', '1.84', {
        documentKind: 'creditNote',
        creditedInvoiceNumber: 'INV-1',
      }),
    );
    expect(await status('CN-1')).toMatchObject({ status: 'matched' });
    // The credit note is later than INV-2: INV-2 is matched against what preceded it.
    expect(await status('INV-2')).toMatchObject({ status: 'held' });
    await gateway.post('supplier-invoices', invoice('INV-3', '100'));
    expect(await status('INV-3')).toMatchObject({ label: 'held: quantity variance' });
  });
});

describe('operators', () => {
  beforeEach(async () => {
    await gateway.post('supplier-invoices', invoice('INV-1', '495', '1.99'));
  });

  it('override a hold with a reason: released by override, who and why recorded, once', async () => {
    const response = await decide('override', 'Price increase agreed with purchasing');
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({
      match: {
        status: 'released',
        label: 'released by override',
        reasons: ['price-variance', 'awaiting-receipt'],
        decision: { by: 'ap-clerk-7', reason: 'Price increase agreed with purchasing' },
      },
    });
    // The same request again answers the recorded decision; nothing new is recorded.
    expect((await decide('override', 'Price increase agreed with purchasing')).statusCode).toBe(
      200,
    );
    const events = await matchEvents();
    expect(events.map((e) => e.type)).toEqual(['InvoiceHeld', 'InvoiceReleased']);
    expect(events[1]?.data).toMatchObject({
      releasedBy: 'override',
      by: 'ap-clerk-7',
      reason: 'Price increase agreed with purchasing',
      heldFor: ['price-variance', 'awaiting-receipt'],
    });
    // A receipt afterwards records nothing: the override stands.
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceReleased']);
    // And a released invoice can no longer be rejected.
    const late = await decide('reject', 'Too late');
    expect(late.statusCode).toBe(409);
    expect(json(late)).toMatchObject({ code: 'invoice-not-rejectable' });
  });

  it('reject an invoice: never released afterwards, and it no longer counts toward invoiced-to-date', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    await gateway.post('supplier-invoices', invoice('INV-2', '495'));
    expect(await status('INV-2')).toMatchObject({ label: 'held: quantity variance' });
    const response = await decide('reject', 'Wrong price; supplier will re-issue');
    expect(json(response)).toMatchObject({
      match: { status: 'rejected', decision: { by: 'ap-clerk-7' } },
    });
    await gateway.settle();
    expect(await status('INV-2')).toMatchObject({ status: 'released', releasedBy: 'match' });
    expect(await types('INV-1')).toEqual(['InvoiceHeld', 'InvoiceHeld', 'InvoiceRejected']);
    expect((await decide('override', 'Changed my mind')).statusCode).toBe(409);
    // The rejection names what the invoice counted on, so the order's summary takes it back.
    const rejected = (await matchEvents('INV-1')).find((e) => e.type === 'InvoiceRejected');
    expect(rejected?.data).toMatchObject({
      company: 'ACME-US',
      documentKind: 'invoice',
      orderLines: [{ poNumber: '4500012345', poLineNumber: 10, quantity: { value: '495' } }],
    });
    const summaries = given(documents, await gateway.allEvents());
    expect(summaries.get('PurchaseOrder-ACME-US/4500012345')?.lines?.[0]).toMatchObject({
      received: '495',
      invoiced: '495',
    });
  });

  it('only operators decide, with a reason; an unknown invoice is 404; a matched one cannot be overridden', async () => {
    const writer = await decide('override', 'Because', 'INV-1', gateway.writer);
    expect(writer.statusCode).toBe(403);
    const empty = await gateway.app.inject({
      method: 'POST',
      url: '/v1/supplier-invoices/SUP-10023/INV-1/override',
      headers: { authorization: gateway.operator, 'idempotency-key': 'empty' },
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
    expect(json(empty)).toMatchObject({ errors: [{ pointer: '/reason' }] });
    expect((await decide('override', 'Because', 'INV-404')).statusCode).toBe(404);
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    await gateway.post('supplier-invoices', invoice('INV-2', '495'));
    await gateway.post(
      'supplier-invoices',
      invoice('INV-3', '1', '1.84', { documentKind: 'creditNote' }),
    );
    expect(await status('INV-3')).toMatchObject({ status: 'matched' });
    const matched = await decide('override', 'Because', 'INV-3');
    expect(matched.statusCode).toBe(409);
    expect(json(matched)).toMatchObject({ code: 'invoice-not-held' });
    expect(await types('INV-1')).toEqual(['InvoiceHeld', 'InvoiceHeld']);
  });
});

describe('tolerances', () => {
  const put = (body: object, authorization = gateway.operator) =>
    gateway.app.inject({
      method: 'PUT',
      url: '/v1/admin/tolerances',
      headers: { authorization },
      payload: body,
    });
  const values = (upper: string) => ({
    price: { percent: { lower: null, upper }, amount: { lower: null, upper: null } },
    quantity: { percent: { lower: null, upper: '0' } },
  });

  it('a supplier’s wider price tolerance releases its held invoice, and the match names the version', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '495'));
    await gateway.post('supplier-invoices', invoice('INV-1', '495', '1.99'));
    expect(await status()).toMatchObject({ label: 'held: price variance' });

    const company = await put({ company: 'ACME-US', values: values('5'), reason: 'AP policy' });
    expect(company.statusCode).toBe(200);
    await gateway.settle();
    expect(await status()).toMatchObject({ label: 'held: price variance' });

    const supplier = await put({
      company: 'ACME-US',
      supplier: 'SUP-10023',
      values: values('10'),
      reason: 'Bearings surcharge agreed for Q4',
    });
    expect(json(supplier)).toMatchObject({
      version: 2,
      supplier: 'SUP-10023',
      author: 'ap-clerk-7',
    });
    await gateway.settle();
    const released = await status();
    expect(released).toMatchObject({ status: 'released', releasedBy: 'match' });
    expect(released.evaluation).toMatchObject({
      tolerances: { source: 'supplier', version: 2, values: values('10') },
    });

    const shown = await gateway.app.inject({
      method: 'GET',
      url: '/v1/admin/tolerances?company=ACME-US&supplier=SUP-10023',
      headers: { authorization: gateway.operator },
    });
    expect(json(shown)).toMatchObject({
      inForce: { source: 'supplier', version: 2 },
      settings: [{ version: 1 }, { version: 2 }],
    });
  });

  it('writers may not set them; bad values are a 400 listing each violation', async () => {
    expect(
      (await put({ company: 'ACME-US', values: values('5'), reason: 'x' }, gateway.writer))
        .statusCode,
    ).toBe(403);
    const bad = await put({
      company: 'ACME-US',
      values: { ...values('-1'), quantity: { percent: { lower: 'abc', upper: '0' } } },
      reason: 'Because',
    });
    expect(bad.statusCode).toBe(400);
    expect(json<{ errors: Array<{ pointer: string }> }>(bad).errors.map((e) => e.pointer)).toEqual(
      expect.arrayContaining(['/values/price/percent/upper', '/values/quantity/percent/lower']),
    );
    const listed = await gateway.app.inject({
      method: 'GET',
      url: '/v1/admin/tolerances',
      headers: { authorization: gateway.operator },
    });
    expect(json(listed)).toMatchObject({ settings: [] });
  });
});

describe('an order change', () => {
  it('matches again the invoices naming the order: a price raised to the invoice’s releases its hold', async () => {
    await gateway.post('goods-receipts', receipt('GR-1', '500'));
    await gateway.post('supplier-invoices', invoice('INV-1', '1', '1.95'));
    expect(await status()).toMatchObject({ label: 'held: price variance' });
    await gateway.post('purchase-orders/ACME-US/4500012345/changes', {
      changeReason: 'Price agreed with the supplier.',
      lines: [{ lineNumber: 10, action: 'update', unitPrice: '1.95' }],
    });
    expect(await status()).toMatchObject({ status: 'released' });
    expect(await types()).toEqual(['InvoiceHeld', 'InvoiceReleased']);
  });
});
