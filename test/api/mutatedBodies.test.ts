/**
 * Thousands of near-valid requests: each command's contract example with one to three fields
 * deleted, duplicated or replaced by odd values (empty, huge, negative, not a date, wrong
 * type…). Whatever the mix, the gateway answers 2xx or a 4xx problem, never a 500, and a
 * refused request records nothing. Seeded, so a failure replays exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

const perEndpoint = 300;
/** [contract file, URL]; the order commands last, as the cancellation closes the order. */
const endpoints: Array<[string, string]> = [
  ['purchase-order-submit', '/v1/purchase-orders'],
  ['shipment-notice', '/v1/shipment-notices'],
  ['goods-receipt', '/v1/goods-receipts'],
  ['supplier-invoice', '/v1/supplier-invoices'],
  ['journal-entry', '/v1/journal-entries'],
  ['purchase-order-change', '/v1/purchase-orders/ACME-US/4500012345/changes'],
  ['purchase-order-acknowledgement', '/v1/purchase-orders/ACME-US/4500012345/acknowledgements'],
  ['purchase-order-cancellation', '/v1/purchase-orders/ACME-US/4500012345/cancellation'],
];
const businessKeys = ['poNumber', 'asnNumber', 'receiptNumber', 'invoiceNumber', 'entryNumber'];
const oddValues: Json[] = [
  ...['', '0', '-0', '-1', '0.0000000001', '1e999', '99999999999999999999999999999.9999999999'],
  ...['NaN', 'Infinity', '\u0000', 'x'.repeat(5000), '😀', '１', ' 1', '001'],
  ...['2026-02-30', '2026-13-01', '0000-01-01', '9999-12-31', 'EA', 'USD', 'ZZZ'],
  ...[null, 0, -1, 1.5, 1e308, true, [], {}, [1], { a: 1 }],
];

const example = (file: string): { [key: string]: Json } =>
  JSON.parse(readFileSync(join('contracts/http/v1', `${file}.json`), 'utf8')).examples[0];

/** A small linear congruential generator: the same seed, the same requests. */
const randomFrom = (seed: number) => {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000; // [0, 1)
  };
};

/** Every (container, key) pair in a JSON value, depth first. */
const slots = (value: Json, found: Array<[Container, string | number]> = []) => {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const slot: string | number = Array.isArray(value) ? Number(key) : key;
      found.push([value, slot]);
      slots((value as Record<string | number, Json>)[slot] as Json, found);
    }
  }
  return found;
};

const mutate = (body: { [key: string]: Json }, random: () => number) => {
  const copy = structuredClone(body);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const found = slots(copy);
    if (found.length === 0) break; // all deleted (a one-field body)
    const [container, slot] = pick(found);
    const record = container as Record<string | number, Json>;
    const roll = random();
    if (roll < 0.15 && !Array.isArray(container)) delete record[slot];
    else if (roll < 0.3 && Array.isArray(container))
      container.push(structuredClone(container[0] as Json));
    else if (roll < 0.4 && typeof record[slot] === 'string') record[slot] += pick(['0', '.5', 'X']);
    else record[slot] = structuredClone(pick(oddValues));
  }
  return copy;
};

let gw: TestGateway;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('fuzz', ['writer'], {}, 10_000_000);
});
afterAll(() => gw.close());

const post = (url: string, body: Json) =>
  gw.app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: writer,
      'idempotency-key': newKey(),
      'content-type': 'application/json',
    },
    payload: JSON.stringify(body),
  });

describe('near-valid requests', () => {
  it('get 2xx or a 4xx problem, never a 500, and only accepted ones record events', async () => {
    const random = randomFrom(20261125);
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    let recorded = 0;
    for (const [file, url] of endpoints) {
      for (let i = 0; i < perEndpoint; i++) {
        const body = example(file);
        // New documents get keys of their own, so that most requests reach the domain rules
        // instead of meeting a document that exists already.
        if (!url.includes('/4500012345/')) {
          for (const key of businessKeys) if (key in body) body[key] = `FZ${file.length}-${i}`;
        }
        // The first request of each endpoint is the untouched example: it sets the scene.
        const sent = i === 0 ? body : mutate(body, random);
        const response = await post(url, sent);
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode === 202) {
          recorded += response.json().eventIds.length;
        } else if (
          response.statusCode >= 500 ||
          response.statusCode < 400 ||
          !/application\/problem\+json/.test(String(response.headers['content-type']))
        ) {
          failures.push(`${url} ${response.statusCode} ${response.body.slice(0, 300)}
  sent ${JSON.stringify(sent).slice(0, 600)}`);
        }
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
    // Most requests must reach past the schema, or this test checks little.
    expect(statuses[202]).toBeGreaterThan(endpoints.length * perEndpoint * 0.05);
    expect(statuses[400]).toBeGreaterThan(0);
    expect(await gw.allEvents()).toHaveLength(recorded);
  }, 60_000);
});
