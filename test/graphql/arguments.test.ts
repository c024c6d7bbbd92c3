/**
 * The audit API's arguments as a new user's client sends them:
 * - `after: null` (literal or variable) and an absent `after` both mean "from the start", on
 *   every connection; only a string that is not one of our cursors is refused;
 * - arguments the REST API validates (company codes, periods, owners, document keys, …) are
 *   validated the same way, refused with BAD_USER_INPUT naming the argument.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../support/gateway.js';
import { type ReadSideGateway, startReadSideGateway } from './readSideGateway.js';

let gw: ReadSideGateway;
let auditor: string;

const gql = async (query: string, variables: object = {}) => {
  const response = await gw.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization: auditor, 'content-type': 'application/json' },
    payload: { query, variables },
  });
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked by the assertions, not by types.
  return response.json() as { data?: any; errors?: any[] };
};

beforeAll(async () => {
  gw = await startReadSideGateway();
  auditor = await gw.key('internal-audit', ['auditor']);
  const writer = await gw.key('srm', ['writer']);
  await gw.rules.publish(
    { name: 'phase 0', rules: [{ id: 'all-legacy', match: {}, target: 'legacy' }] },
    { author: 'ana', reason: 'go-live' },
    undefined,
    gw.now(),
  );
  gw.advance(1_000);
  const submitted = await gw.post(
    '/v1/purchase-orders',
    { ...example('purchase-order-submit'), poNumber: 'N-1' },
    writer,
  );
  expect(submitted.statusCode).toBe(202);
  await gw.settle();
});
afterAll(() => gw?.close());

const po = '{ type: purchaseOrder, key: ["ACME-US", "N-1"] }';

describe('GraphQL connections', () => {
  const connections: Record<string, (after: string) => string> = {
    events: (after) => `events(first: 1, after: ${after}) { edges { cursor } }`,
    'events of a document': (after) =>
      `events(filter: { document: ${po} }, first: 1, after: ${after}) { edges { cursor } }`,
    'document { events }': (after) =>
      `document(ref: ${po}) { events(first: 1, after: ${after}) { edges { cursor } } }`,
    deadLetters: (after) => `deadLetters(first: 1, after: ${after}) { edges { cursor } }`,
  };

  it.each(Object.entries(connections))(
    '%s: after null, literal or variable, is the first page, like no after',
    async (_, field) => {
      const absent = await gql(`{ ${field('"x"').replace(/, after: "x"/, '')} }`);
      expect(absent.errors).toBeUndefined();
      const literal = await gql(`{ ${field('null')} }`);
      expect(literal.errors).toBeUndefined();
      expect(literal.data).toEqual(absent.data);
      const variable = await gql(`query($a: String) { ${field('$a')} }`, { a: null });
      expect(variable.errors).toBeUndefined();
      expect(variable.data).toEqual(absent.data);
      const bad = await gql(`{ ${field('"nope"')} }`);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    },
  );
});

/** The first error's code and the argument it names. */
const refusal = async (query: string) => {
  const answer = await gql(query);
  const [error] = answer.errors ?? [];
  return { code: error?.extensions?.code, argument: error?.extensions?.argument };
};

describe('GraphQL arguments, validated as the REST contracts validate them', () => {
  it('refuses a company that is not a code, and a period that is not YYYY-MM, naming the argument', async () => {
    const rest = await gw.app.inject({
      method: 'GET',
      url: '/v1/gl/trial-balance?company=acme%20us&period=2026-11',
      headers: { authorization: auditor },
    });
    expect(rest.statusCode).toBe(400);
    for (const company of ['acme us', '', '-ACME', 'A'.repeat(36)]) {
      const query = `{ trialBalance(company: ${JSON.stringify(company)}, period: "2026-11") { balanced } }`;
      expect(await refusal(query), company).toEqual({
        code: 'BAD_USER_INPUT',
        argument: 'company',
      });
    }
    expect(
      await refusal('{ trialBalance(company: "ACME-US", period: "2026-13") { balanced } }'),
    ).toEqual({ code: 'BAD_USER_INPUT', argument: 'period' });
  });

  it('answers an unknown company that is a valid code with an empty balance', async () => {
    const answer = await gql(
      '{ trialBalance(company: "NO-SUCH-CO", period: "2026-11") { balanced currencies { currency } accounts { account } } }',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.trialBalance).toEqual({ balanced: true, currencies: [], accounts: [] });
  });

  it('takes every owner the REST lists take, unresolved included, and refuses the others', async () => {
    for (const owner of ['legacy', 'cloud', 'dual', 'unresolved']) {
      const rest = await gw.app.inject({
        method: 'GET',
        url: `/v1/purchase-orders?owner=${owner}`,
        headers: { authorization: auditor },
      });
      expect(rest.statusCode, owner).toBe(200);
      const answer = await gql(
        `{ routingCoverage(from: "2026-12-01", to: "2026-12-01", owner: "${owner}") { owner } }`,
      );
      expect(answer.errors, owner).toBeUndefined();
      expect(
        answer.data.routingCoverage.every((row: { owner: string }) => row.owner === owner),
      ).toBe(true);
    }
    expect(
      await refusal(
        '{ routingCoverage(from: "2026-12-01", to: "2026-12-01", owner: "mars") { owner } }',
      ),
    ).toEqual({ code: 'BAD_USER_INPUT', argument: 'owner' });
  });

  it('refuses document keys that are not codes, as the REST document URLs do', async () => {
    const rest = await gw.app.inject({
      method: 'GET',
      url: '/v1/purchase-orders/acme%20us/N-1',
      headers: { authorization: auditor },
    });
    expect(rest.statusCode).toBe(400);
    const ref = '{ type: purchaseOrder, key: ["acme us", "N-1"] }';
    expect(await refusal(`{ document(ref: ${ref}) { status } }`)).toEqual({
      code: 'BAD_USER_INPUT',
      argument: 'ref.key',
    });
    expect(await refusal(`{ events(filter: { document: ${ref} }) { edges { cursor } } }`)).toEqual({
      code: 'BAD_USER_INPUT',
      argument: 'filter.document.key',
    });
  });

  it('refuses a correlation id the API would never have recorded', async () => {
    for (const id of ['has spaces', 'x'.repeat(129), '']) {
      expect(
        await refusal(`{ events(filter: { correlationId: "${id}" }) { edges { cursor } } }`),
        id,
      ).toEqual({ code: 'BAD_USER_INPUT', argument: 'filter.correlationId' });
    }
  });

  it('names first and after when it refuses them, on every connection', async () => {
    const long = 'A'.repeat(600);
    for (const [field, first, after] of [
      ['events', 'events(first: 0)', `events(after: "${long}")`],
      ['deadLetters', 'deadLetters(first: 101)', `deadLetters(after: "${long}")`],
      [
        'document { events }',
        `document(ref: ${po}) { events(first: 101) { edges { cursor } } }`,
        `document(ref: ${po}) { events(after: "nope") { edges { cursor } } }`,
      ],
    ]) {
      const select = (call: string) =>
        `{ ${call}${call.endsWith('}') ? '' : ' { edges { cursor } }'} }`;
      expect(await refusal(select(first as string)), field).toEqual({
        code: 'BAD_USER_INPUT',
        argument: 'first',
      });
      expect(await refusal(select(after as string)), field).toEqual({
        code: 'BAD_USER_INPUT',
        argument: 'after',
      });
    }
  });

  it('takes null for an optional argument as its default', async () => {
    for (const [withNull, without] of [
      ['events(first: null, order: null)', 'events'],
      [
        `document(ref: ${po}, asOf: null) { events(first: null, order: null)`,
        `document(ref: ${po}) { events`,
      ],
      ['deadLetters(first: null, target: null)', 'deadLetters'],
    ]) {
      const close = (call: string) => (call.includes('{') ? ' }' : '');
      const query = (call: string) => `{ ${call} { edges { cursor } }${close(call)} }`;
      const answer = await gql(query(withNull as string));
      expect(answer.errors, withNull).toBeUndefined();
      expect(answer.data, withNull).toEqual((await gql(query(without as string))).data);
    }
    const coverage = (owner: string) =>
      gql(`{ routingCoverage(from: "2026-12-01", to: "2026-12-01"${owner}) { owner documents } }`);
    const all = await coverage('');
    expect(all.data.routingCoverage.length).toBeGreaterThan(0);
    expect(await coverage(', owner: null')).toEqual(all);
  });
});
