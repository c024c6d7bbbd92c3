/** AP's queue of held invoices, from the read model: by reason, supplier and age. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MatchProcess, startMatchProcess } from '../../src/matching/process.js';
import { inMemoryConsumerState } from '../../src/ports/consumerState.js';
import { type Registries, startRegistries } from '../../src/registries/registries.js';
import { type ReadSideGateway, startReadSideGateway } from '../graphql/readSideGateway.js';
import { json } from '../support/gateway.js';
import { invoice, order, receipt } from './harness.js';

let gateway: ReadSideGateway;
let registries: Registries;
let match: MatchProcess;
let writer: string;
let operator: string;

const post = async (collection: string, body: object) => {
  const response = await gateway.post(`/v1/${collection}`, body, writer);
  expect(response.statusCode).toBe(202);
  const head = await gateway.store.headPosition();
  if (head !== null) await match.waitFor(head);
  await gateway.settle();
};

const onLine20 = <T extends object>(body: T): T => ({
  ...body,
  lines: ((body as { lines: object[] }).lines ?? []).map((line) => ({
    ...line,
    poLineNumber: 20,
    item: 'BRG-6305-ZZ',
  })),
});

const list = async (query: string, authorization = operator) =>
  gateway.app.inject({
    method: 'GET',
    url: `/v1/admin/held-invoices${query}`,
    headers: { authorization },
  });

const numbers = async (query: string) =>
  json<{ items: Array<{ invoiceNumber: string }> }>(await list(query)).items.map(
    (i) => i.invoiceNumber,
  );

beforeAll(async () => {
  gateway = await startReadSideGateway();
  registries = await startRegistries(gateway.store);
  match = startMatchProcess({
    store: gateway.store,
    state: inMemoryConsumerState(),
    owner: 'test',
    tolerances: registries.tolerances,
    leaseTtlMs: null,
    now: () => gateway.now(),
  });
  writer = await gateway.key('erp-feed', ['writer']);
  operator = await gateway.key('ap-clerk', ['operator']);
  await post('purchase-orders', order());
  await post('supplier-invoices', invoice('INV-OLD', '300'));
  gateway.advance(3 * 86_400_000);
  await post('goods-receipts', receipt('GR-1', '200'));
  // The others on line 20 (240 EA at 3.10), where 50 were received.
  await post('goods-receipts', onLine20(receipt('GR-2', '50')));
  await post('supplier-invoices', onLine20(invoice('INV-PRICE', '10', '3.50')));
  await post('supplier-invoices', onLine20(invoice('INV-OK', '10', '3.10')));
}, 60_000);

afterAll(async () => {
  await match.stop();
  await registries.stop();
  await gateway.close();
});

describe('GET /v1/admin/held-invoices', () => {
  it('lists held invoices oldest hold first, with reason, label and age; cleared ones are not listed', async () => {
    const response = await list('');
    expect(response.statusCode).toBe(200);
    const { items } = json<{ items: Array<Record<string, unknown>> }>(response);
    expect(items.map((i) => [i.invoiceNumber, i.label])).toEqual([
      ['INV-OLD', 'held: quantity variance'],
      ['INV-PRICE', 'held: price variance'],
    ]);
    expect(items[0]).toMatchObject({
      supplier: 'SUP-10023',
      grossAmount: '552.00',
      url: '/v1/supplier-invoices/SUP-10023/INV-OLD',
    });
    expect(typeof items[0]?.heldForSeconds).toBe('number');
  });

  it('filters by reason, supplier and age', async () => {
    expect(await numbers('?reason=price-variance')).toEqual(['INV-PRICE']);
    expect(await numbers('?reason=awaiting-receipt')).toEqual([]);
    expect(await numbers('?supplier=SUP-OTHER')).toEqual([]);
    const twoDaysAgo = new Date(gateway.now().getTime() - 2 * 86_400_000).toISOString();
    expect(await numbers(`?heldBefore=${encodeURIComponent(twoDaysAgo)}`)).toEqual(['INV-OLD']);
  });

  it('is for operators, auditors and architects; a bad filter is a 400 naming it', async () => {
    expect((await list('', writer)).statusCode).toBe(403);
    const bad = await list('?reason=late');
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toMatchObject({ errors: [{ pointer: '/reason' }] });
  });
});
