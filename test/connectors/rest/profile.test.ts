/**
 * Vendor profiles: the shipped Business Central profile and the NetSuite sketch in
 * docs/cloud-erp.md load; a broken profile is refused naming where; a vendor's idempotency
 * header carries a key that is the same on every retry of a write and differs between writes.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestConnector } from '../../../src/adapters/connectors/rest/connector.js';
import { loadProfile, parseProfile } from '../../../src/adapters/connectors/rest/profile.js';
import { businessCentralProfileDir } from '../../../src/sandbox/cloudErp/connectorConfig.js';
import { root } from '../../support/process.js';
import { purchaseOrderState, submitPo } from '../fixtures.js';

describe('vendor profiles', () => {
  it('the Business Central profile declares its documents and published limits', () => {
    const profile = loadProfile(businessCentralProfileDir);
    expect(profile.quota).toEqual({ requests: 6000, windowMs: 300_000, concurrency: 5 });
    expect(Object.keys(profile.documents).sort()).toEqual([
      'goodsReceipt',
      'journalEntry',
      'purchaseOrder',
      'shipmentNotice',
      'supplierInvoice',
    ]);
    expect(profile.idempotencyHeader).toBeUndefined();
  });

  it("the README's NetSuite sketch is a valid profile", () => {
    const doc = readFileSync(join(root, 'docs/cloud-erp.md'), 'utf8');
    const sketch = /\*\*NetSuite\*\*[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(sketch).toBeDefined();
    const profile = parseProfile(sketch as string, 'docs/cloud-erp.md');
    expect(profile.name).toContain('NetSuite');
    expect(profile.documents.goodsReceipt).toEqual({ unsupported: 'Not mapped in this sketch.' });
  });

  it('refuses a broken profile, naming where', () => {
    const base =
      'name: X\ndocuments:\n  journalEntry:\n    submit:\n      acknowledge: "{}"\n      steps:\n';
    expect(() => parseProfile(`${base}        - get: "'a' &"\n`, 'p.yaml')).toThrow(
      /p\.yaml: documents\.journalEntry\.submit\.steps\[0\]\.get: not a JSONata expression/,
    );
    expect(() =>
      parseProfile(`${base}        - get: "'a'"\n          post: "'b'"\n`, 'p.yaml'),
    ).toThrow(/steps\[0\]: a step is exactly one of/);
    expect(() =>
      parseProfile(`${base}        - get: "'a'"\n          bodyy: "{}"\n`, 'p.yaml'),
    ).toThrow(/bodyy/);
    expect(() => parseProfile('name: X\ndocuments:\n  invoices: {}\n', 'p.yaml')).toThrow(
      /invoices/,
    );
  });
});

describe('an idempotency header, for a vendor that has one', () => {
  let server: Server;
  let dir: string;
  const writes: IncomingHttpHeaders[] = [];
  let failNext = true;
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        if (request.url === '/token') {
          response.end(JSON.stringify({ access_token: 't', expires_in: 3600 }));
          return;
        }
        if (request.method !== 'GET') writes.push(request.headers);
        // The first write is kept but its answer lost: the client retries with the same key.
        if (request.method !== 'GET' && failNext) {
          failNext = false;
          response.statusCode = 503;
          response.end('{}');
          return;
        }
        response.end(JSON.stringify({ id: '1' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'coexist-idem-'));
    writeFileSync(join(dir, 'crosswalk.json'), '{}');
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the same key on every retry of a write, another for another write', async () => {
    const profile = parseProfile(
      [
        'name: Keyed',
        'idempotencyHeader: X-Idempotency-Key',
        'documents:',
        '  purchaseOrder:',
        '    submit:',
        '      acknowledge: "{\'reference\': doc.poNumber}"',
        '      steps:',
        '        - post: "\'orders\'"',
        '          body: "{\'n\': doc.poNumber}"',
        '        - get: "\'orders/1\'"',
        '        - post: "\'orders/1/lines\'"',
        '          body: "{\'n\': 1}"',
      ].join('\n'),
      'keyed.yaml',
    );
    const { port } = server.address() as AddressInfo;
    const connector = new RestConnector(
      {
        target: 'cloud',
        profileDir: dir,
        baseUrl: `http://127.0.0.1:${port}/`,
        tokenUrl: `http://127.0.0.1:${port}/token`,
        clientId: 'c',
        clientSecret: 's',
        crosswalkFile: join(dir, 'crosswalk.json'),
        timeoutMs: 5_000,
      },
      { profile },
    );
    try {
      const delivery = submitPo(purchaseOrderState());
      expect((await connector.deliver(delivery)).ok).toBe(false);
      expect((await connector.deliver(delivery)).ok).toBe(true);
      const keys = writes.map((headers) => headers['x-idempotency-key']);
      expect(keys).toHaveLength(3); // the lost write, its retry, the lines
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
      await connector.deliver(submitPo(purchaseOrderState()));
      expect(writes.at(-1)?.['x-idempotency-key']).not.toBe(keys[2]);
    } finally {
      await connector.close();
    }
  });
});
