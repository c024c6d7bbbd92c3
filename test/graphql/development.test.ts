/**
 * The audit API in development mode: GraphiQL for a browser (operations still need the
 * auditor role), and unexpected errors masked even there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReadSideGateway, startReadSideGateway } from './readSideGateway.js';

describe('GraphQL audit API, development mode', () => {
  let dev: ReadSideGateway;
  beforeAll(async () => {
    dev = await startReadSideGateway({
      mode: 'development',
      wrapReadModels: (store) => ({
        ...store,
        find: async () => {
          throw new Error('disk full at /var/lib/secret');
        },
      }),
    });
  });
  afterAll(() => dev?.close());

  it('serves GraphiQL to a browser, and still refuses operations without the auditor role', async () => {
    const page = await dev.app.inject({
      method: 'GET',
      url: '/graphql',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/graphiql/i);
    const anonymous = await dev.app.inject({
      method: 'GET',
      url: '/graphql?query=%7B__typename%7D',
      headers: { accept: 'application/json' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const writerKey = await dev.key('srm', ['writer']);
    const refused = await dev.app.inject({
      method: 'GET',
      url: '/graphql?query=%7B__typename%7D',
      headers: { authorization: writerKey, accept: 'application/json' },
    });
    expect(refused.json().errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('masks unexpected errors', async () => {
    const key = await dev.key('audit', ['auditor']);
    const response = await dev.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: key },
      payload: { query: '{ events { edges { cursor } } }' },
    });
    const body = response.json();
    expect(body.errors[0].message).toBe('Unexpected error.');
    expect(JSON.stringify(body)).not.toMatch(/secret|disk full/);
  });
});
