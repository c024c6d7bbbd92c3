/** The OpenAPI document is generated from the same contracts that validate requests. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
        responses: Record<string, unknown>;
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
});
