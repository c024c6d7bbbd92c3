/** The OpenAPI document is generated from the same contracts that validate requests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { resolveConfig } from '../../src/config/config.js';
import { compileContracts } from '../../src/http/contracts.js';
import { ApiKeyRegistry } from '../../src/registries/apiKeys.js';
import { ruleSetRouter } from '../../src/routing/router.js';
import { json, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

interface Media {
  schema?: { description?: string };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Response {
  description: string;
  content?: Record<string, Media>;
}

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
        responses: Record<string, Response>;
      }
    >
  >;
  components: { schemas: Record<string, { examples?: unknown[] }>; securitySchemes: object };
}

describe('OpenAPI', () => {
  it('publishes every v1 endpoint with its contract and examples', async () => {
    const response = await gw.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = json<OpenApi>(response);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/goods-receipts',
        '/v1/goods-receipts/{site}/{receiptNumber}',
        '/v1/journal-entries',
        '/v1/journal-entries/{company}/{entryNumber}',
        '/v1/purchase-orders',
        '/v1/purchase-orders/{company}/{poNumber}',
        '/v1/purchase-orders/{company}/{poNumber}/acknowledgements',
        '/v1/purchase-orders/{company}/{poNumber}/cancellation',
        '/v1/purchase-orders/{company}/{poNumber}/changes',
        '/v1/shipment-notices',
        '/v1/shipment-notices/{supplier}/{asnNumber}',
        '/v1/supplier-invoices',
        '/v1/supplier-invoices/{supplier}/{invoiceNumber}',
        '/v1/admin/routing-rules',
        '/v1/admin/routing-rules/versions/{version}',
        '/v1/admin/freezes',
      ]),
    );
    const submit = doc.paths['/v1/purchase-orders']?.post;
    const ref = submit?.requestBody?.content['application/json']?.schema.$ref ?? '';
    expect(ref).toBe('#/components/schemas/http.v1.purchase-order-submit');
    expect(
      doc.components.schemas['http.v1.purchase-order-submit']?.examples?.length,
    ).toBeGreaterThan(0);
    expect(Object.keys(submit?.responses ?? {})).toEqual(
      expect.arrayContaining(['202', '400', '401', '409', '422']),
    );
    // Every $ref in the document resolves inside it.
    const refs = [...response.body.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string);
    for (const r of new Set(refs)) {
      expect(r.startsWith('#/components/schemas/'), r).toBe(true);
      const name = r.slice('#/components/schemas/'.length).split('/')[0] as string;
      expect(doc.components.schemas[name], r).toBeDefined();
    }
  });

  it('uses the contracts its caller compiled, without loading them again', async () => {
    const contracts = compileContracts();
    const id = 'https://coexist.dev/contracts/http/v1/purchase-order-submit.json';
    (contracts.schemas.get(id) as { description?: string }).description = 'Compiled by the caller.';
    const app = await buildApp({
      config: resolveConfig({ dataDir: gw.dir }),
      store: gw.store,
      registry: new ApiKeyRegistry(async () => {}),
      router: ruleSetRouter(gw.rules, 'legacy'),
      rules: gw.rules,
      freezes: gw.freezes,
      contracts,
      logger: false,
    });
    try {
      const doc = json<OpenApi>(await app.inject({ url: '/openapi.json' }));
      const schema = doc.components.schemas['http.v1.purchase-order-submit'] as {
        description?: string;
      };
      expect(schema.description).toBe('Compiled by the caller.');
    } finally {
      await app.close();
    }
  });

  it('serves the docs UI (public in development mode)', async () => {
    const response = await gw.app.inject({ url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/swagger/i);
  });

  it('requires a key for the docs in production mode', async () => {
    const prod = await startTestGateway({ mode: 'production' });
    try {
      expect((await prod.app.inject({ url: '/openapi.json' })).statusCode).toBe(401);
      const auditor = await prod.key('auditor', ['auditor']);
      expect(
        (await prod.app.inject({ url: '/openapi.json', headers: { authorization: auditor } }))
          .statusCode,
      ).toBe(200);
    } finally {
      await prod.close();
    }
  });

  describe('what the responses promise', () => {
    let doc: OpenApi;
    beforeAll(async () => {
      doc = json<OpenApi>(await gw.app.inject({ url: '/openapi.json' }));
    });
    const operations = () =>
      Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
      );

    it('says a 202 means recorded and routed, with delivery to follow', () => {
      const accepted = doc.paths['/v1/purchase-orders']?.post?.responses['202'];
      const description = accepted?.description ?? '';
      expect(description).toMatch(/recorded/);
      expect(description).toMatch(/routed/);
      expect(description).toMatch(/delivery .*follows/i);
      expect(description).not.toMatch(/shows its progress/);
    });

    it('names every document in the singular', () => {
      const summaries = operations()
        .filter(
          ({ method, path }) =>
            method === 'get' && path.startsWith('/v1/') && !path.includes('admin'),
        )
        .map(({ operation }) => operation.summary);
      expect(summaries).toEqual(
        expect.arrayContaining([
          'Get a purchase order by its key',
          'Get a shipment notice by its key',
          'Get a goods receipt by its key',
          'Get a supplier invoice by its key',
          'Get a journal entry by its key',
        ]),
      );
      expect(summaries.join(' ')).not.toMatch(/entrie|notices |receipts /);
    });

    it('lists for a GET only what a GET can answer', () => {
      for (const { path, method, operation } of operations()) {
        if (method !== 'get') continue;
        for (const status of ['409', '413', '415', '422', '423']) {
          expect(Object.keys(operation.responses), `GET ${path}`).not.toContain(status);
        }
      }
    });

    it('documents the admin operations: their success status and their problems', () => {
      const expected: Record<string, string[]> = {
        'post /v1/admin/freezes': ['201', '400', '401', '403', '422'],
        'get /v1/admin/freezes': ['200', '401', '403'],
        'post /v1/admin/freezes/{freezeId}/lift': ['200', '400', '401', '403', '404'],
        'post /v1/admin/routing-rules': ['200', '201', '400', '401', '403', '409', '422'],
        'get /v1/admin/routing-rules': ['200', '400', '401', '403', '404'],
        'get /v1/admin/routing-rules/versions': ['200', '401', '403'],
        'get /v1/admin/routing-rules/versions/{version}': ['200', '400', '401', '403', '404'],
        'post /v1/admin/routing-rules/validation': ['200', '400', '401', '403'],
        'post /v1/admin/routing-rules/diff': ['200', '400', '401', '403', '422'],
        'post /v1/admin/routing-rules/simulations': ['200', '400', '401', '403', '422'],
      };
      for (const [operation, statuses] of Object.entries(expected)) {
        const [method, path] = operation.split(' ') as [string, string];
        const responses = doc.paths[path]?.[method]?.responses ?? {};
        expect(Object.keys(responses), operation).toEqual(expect.arrayContaining(statuses));
      }
    });

    it('gives every response a real example, and every problem example its own status', () => {
      for (const { path, method, operation } of operations()) {
        if (!path.startsWith('/v1/')) continue;
        for (const [status, response] of Object.entries(operation.responses)) {
          const where = `${method.toUpperCase()} ${path} ${status}`;
          const media = Object.values(response.content ?? {});
          expect(media.length, where).toBeGreaterThan(0);
          for (const m of media) {
            const examples =
              m.example !== undefined
                ? [m.example]
                : Object.values(m.examples ?? {}).map((e) => e.value);
            expect(examples.length, where).toBeGreaterThan(0);
            if (Number(status) >= 400) {
              expect(response.content?.['application/problem+json'], where).toBeDefined();
              for (const example of examples)
                expect((example as { status: number }).status, where).toBe(Number(status));
            }
          }
        }
      }
    });
  });
});
