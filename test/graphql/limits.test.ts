/**
 * What the audit API refuses besides bad arguments, each with a code, found by a new user's trial:
 * - introspection: disabled in production (like field suggestions); in development GraphiQL's
 *   standard introspection query works and a deeper one is refused as too deep;
 * - operations the API does not serve (mutations, subscriptions): OPERATION_NOT_SUPPORTED.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadSideGateway, startReadSideGateway } from './readSideGateway.js';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked by the assertions, not by types.
type Answer = { data?: any; errors?: any[] };

const gqlOn = (gw: ReadSideGateway, authorization: string) => async (query: string) => {
  const response = await gw.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { query },
  });
  return response.json() as Answer;
};

/** GraphiQL's introspection query, with every option it may ask for. */
const graphiqlIntrospection = getIntrospectionQuery({
  descriptions: true,
  inputValueDeprecation: true,
  schemaDescription: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  oneOf: true,
});

/** An introspection query 63 `ofType` levels deep. */
const deepIntrospection = `{ __schema { types { ${'ofType { '.repeat(63)}name${' }'.repeat(63)} } } }`;

const modes = {} as Record<'production' | 'development', (query: string) => Promise<Answer>>;
const gateways: ReadSideGateway[] = [];
beforeAll(async () => {
  for (const mode of ['production', 'development'] as const) {
    const gw = await startReadSideGateway({ mode });
    gateways.push(gw);
    modes[mode] = gqlOn(gw, await gw.key('internal-audit', ['auditor']));
  }
});
afterAll(() => Promise.all(gateways.map((gw) => gw.close())));

describe('GraphQL introspection', () => {
  it("answers GraphiQL's introspection query in development", async () => {
    const answer = await modes.development(graphiqlIntrospection);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.__schema.queryType.name).toBe('Query');
  });

  it('refuses a deeper introspection query in development as too deep', async () => {
    const answer = await modes.development(deepIntrospection);
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  it('refuses introspection in production, with a code, and still answers __typename', async () => {
    for (const query of [
      graphiqlIntrospection,
      deepIntrospection,
      '{ __type(name: "Query") { name } }',
    ]) {
      const answer = await modes.production(query);
      expect(answer.data, query).toBeUndefined();
      expect(answer.errors?.[0]?.extensions?.code, query).toBe('INTROSPECTION_DISABLED');
    }
    expect((await modes.production('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

describe('GraphQL operations the audit API does not serve', () => {
  it('refuses a mutation and a subscription with a code, in either mode', async () => {
    for (const mode of ['production', 'development'] as const) {
      for (const query of [
        'mutation { __typename }',
        'subscription { __typename }',
        'mutation Erase { publishRuleSet(name: "x") }',
      ]) {
        const answer = await modes[mode](query);
        expect(answer.data ?? null, `${mode}: ${query}`).toBeNull();
        expect(answer.errors?.[0]?.extensions?.code, `${mode}: ${query}`).toBe(
          'OPERATION_NOT_SUPPORTED',
        );
        expect(answer.errors?.[0]?.message).toMatch(/read-only/);
      }
    }
  });
});
