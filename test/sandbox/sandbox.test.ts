/**
 * The cloud-ERP sandbox itself, as a process of its own (`coexist sandbox cloud-erp`): named
 * as a test peer on every answer; OAuth2 client credentials; the quota enforced with 429 and
 * Retry-After and counted; faults set at start and while it runs (bad settings refused with a
 * problem listing each violation); outages; a deliberate tax difference.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClient, sandboxHeader } from '../../src/sandbox/cloudErp/server.js';
import { root } from '../support/process.js';
import { type SandboxProcess, startSandboxProcess } from './cloudErpProcess.js';

const company = 'companies(8a3c1d00-0000-4000-8000-00000000a001)';

describe('cloud-ERP sandbox', () => {
  let sandbox: SandboxProcess;
  let token: string;
  const getToken = async (secret = sandboxClient.clientSecret) =>
    fetch(`${sandbox.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sandboxClient.clientId,
        client_secret: secret,
      }),
    });
  const api = (method: string, path: string, body?: object, bearer = token) =>
    fetch(`${sandbox.url}/api/v2.0/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const order = (number: string, taxCode = 'TX825') => ({
    number,
    vendorNumber: '20000',
    orderDate: '2026-11-02',
    currencyCode: 'USD',
    purchaseOrderLines: [
      { lineObjectNumber: '70000', quantity: 3, directUnitCost: 1.05, taxCode },
      { lineObjectNumber: '70010', quantity: 1, directUnitCost: 18.75, taxCode },
    ],
  });

  beforeAll(async () => {
    sandbox = await startSandboxProcess('latency=0-5');
    token = ((await (await getToken()).json()) as { access_token: string }).access_token;
  }, 60_000);
  afterEach(async () => {
    await sandbox.setFaults({
      errorRate: 0,
      outages: [],
      taxRounding: 'half-up',
      taxSkew: '0',
      quota: { requests: 6000, windowMs: 300_000, concurrency: 5 },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('says what it is: a banner, and a header on every answer', async () => {
    expect(sandbox.output()).toContain('SANDBOX: a test peer, not an ERP');
    for (const response of [
      await fetch(`${sandbox.url}/`),
      await getToken('wrong'),
      await api('GET', `${company}/purchaseOrders`, undefined, 'not-a-token'),
      await api('GET', 'companies'),
      await fetch(`${sandbox.url}/sandbox/inspect`),
    ]) {
      expect(response.headers.get(sandboxHeader)).toBe('cloud-erp test peer, not a real ERP');
    }
  });

  it('issues tokens to its client only, and refuses the API without one', async () => {
    expect((await getToken('wrong')).status).toBe(401);
    const refused = await api('GET', 'companies', undefined, 'not-a-token');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('keeps every write (no idempotency key), and refuses a second order with the same number', async () => {
    const number = `SB-${Date.now()}`;
    expect((await api('POST', `${company}/purchaseOrders`, order(number))).status).toBe(201);
    const again = await api('POST', `${company}/purchaseOrders`, order(number));
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'Internal_EntityWithSameKeyExists',
    );
  });

  it('PATCH needs the current ETag: none is refused, a stale one is 412', async () => {
    const created = (await (
      await api('POST', `${company}/purchaseOrders`, order(`ET-${Date.now()}`))
    ).json()) as { id: string; '@odata.etag': string };
    const path = `${company}/purchaseOrders(${created.id})`;
    expect((await api('PATCH', path, { purchaser: 'A' })).status).toBe(400);
    const patch = (etag: string) =>
      fetch(`${sandbox.url}/api/v2.0/${path}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'if-match': etag,
        },
        body: JSON.stringify({ purchaser: 'B' }),
      });
    const first = await patch(created['@odata.etag']);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).not.toBe(created['@odata.etag']);
    expect((await patch(created['@odata.etag'])).status).toBe(412);
  });

  it('enforces the quota with 429 and Retry-After, and counts what arrived', async () => {
    await sandbox.setFaults({ quota: { requests: 3, windowMs: 60_000 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const response = await api('GET', `${company}/purchaseOrders?$filter=number eq 'none'`);
      statuses.push(response.status);
      retryAfter ??= response.headers.get('retry-after');
    }
    // The window already holds this test file's earlier requests: the quota is used up.
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const { quota } = await sandbox.inspect();
    expect(quota.throttled).toBeGreaterThan(0);
    expect(quota.maxRequestsInAnyWindow).toBeGreaterThan(3);
    expect(quota.limits).toEqual({ requests: 3, windowMs: 60_000, concurrency: 5 });
  });

  it('refuses requests beyond its concurrency with 429, and counts the most at once', async () => {
    // Held a second each, so all five arrive while the first two are served, even on a busy machine.
    await sandbox.setFaults({ quota: { concurrency: 2 }, latencyMs: { min: 1000, max: 1000 } });
    const statuses = await Promise.all(
      Array.from({ length: 5 }, async () => (await api('GET', 'companies')).status),
    );
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    // Two served at once, and the third arrival seen (then refused).
    expect((await sandbox.inspect()).quota.maxConcurrent).toBe(3);
    await sandbox.setFaults({ latencyMs: { min: 0, max: 5 } });
  });

  it('answers 503 during an outage window set at run time', async () => {
    await fetch(`${sandbox.url}/sandbox/admin/outage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ durationMs: 60_000 }),
    });
    expect((await api('GET', 'companies')).status).toBe(503);
    await sandbox.setFaults({ outages: [] });
    expect((await api('GET', 'companies')).status).toBe(200);
  });

  it('computes tax differently when told to (rounding down, a skew)', async () => {
    const totals = async (taxCode = 'TX825') => {
      const response = await api(
        'POST',
        `${company}/purchaseOrders`,
        order(`TX-${Date.now()}-${Math.random()}`, taxCode),
      );
      return ((await response.json()) as { totalTaxAmount: number }).totalTaxAmount;
    };
    // 3 × 1.05 = 3.15 → 8.25 % = 0.259875 → 0.26; 18.75 → 1.546875 → 1.55.
    expect(await totals()).toBe(1.81);
    await sandbox.setFaults({ taxRounding: 'down' });
    expect(await totals()).toBe(1.79);
    await sandbox.setFaults({ taxRounding: 'half-up', taxSkew: '0.01' });
    expect(await totals()).toBe(1.83);
    // Untaxed lines too, so the contract's tax-exempt examples can be made to diverge.
    expect(await totals('NONTAXABLE')).toBe(0.02);
  });

  it('refuses bad fault settings with a problem listing each violation, and changes nothing', async () => {
    const before = await (await fetch(`${sandbox.url}/sandbox/admin/faults`)).json();
    const response = await sandbox.setFaults({
      errorRate: 2,
      taxRounding: 'sideways',
      colour: 'red',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual([
      '/',
      '/errorRate',
      '/taxRounding',
    ]);
    expect(await (await fetch(`${sandbox.url}/sandbox/admin/faults`)).json()).toEqual(before);
  });

  it('the CLI refuses an unknown fault with one clear line', async () => {
    const run = promisify(execFile);
    const failed = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'sandbox',
        'cloud-erp',
        '--port',
        '0',
        '--faults',
        'gremlins=3',
      ],
      { cwd: root },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('--faults: unknown fault "gremlins"');
  });
});
