/**
 * The REST connector's HTTP behaviour against the cloud-ERP sandbox in a process of its own:
 * tokens refreshed before they expire and once more on a 401; a record changed between read
 * and write (412) handled by running again from fresh reads; 429 with Retry-After and 4xx
 * validation errors classified; the quota hook awaited before every request.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RestConnectorConfig } from '../../../src/adapters/connectors/rest/config.js';
import {
  RestConnector,
  type RestConnectorOptions,
} from '../../../src/adapters/connectors/rest/connector.js';
import type { PurchaseOrderState } from '../../../src/domain/purchaseOrder/types.js';
import type { ErpResult } from '../../../src/ports/erpConnector.js';
import { sandboxClient } from '../../../src/sandbox/cloudErp/server.js';
import {
  countInSandbox,
  type SandboxProcess,
  startSandboxProcess,
} from '../../sandbox/cloudErpProcess.js';
import { poDelivery, purchaseOrderState, submitPo } from '../fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const acknowledged = (result: ErpResult) => {
  if (!result.ok) throw new Error(`expected a delivery, got ${JSON.stringify(result.error)}`);
  return result.acknowledgement;
};

describe('REST connector protocol against the sandbox', () => {
  let sandbox: SandboxProcess;
  let config: RestConnectorConfig;
  const connectors: RestConnector[] = [];
  const connect = (
    options?: RestConnectorOptions,
    overrides: Partial<RestConnectorConfig> = {},
  ) => {
    const connector = new RestConnector({ ...config, ...overrides }, options);
    connectors.push(connector);
    return connector;
  };

  /** Someone else writing to the sandbox (another BC user). */
  const otherUser = async (method: string, path: string, body?: object, ifMatch?: string) => {
    const token = (await (
      await fetch(`${sandbox.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: sandboxClient.clientId,
          client_secret: sandboxClient.clientSecret,
        }),
      })
    ).json()) as { access_token: string };
    const response = await fetch(`${sandbox.url}/api/v2.0/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token.access_token}`,
        'content-type': 'application/json',
        ...(ifMatch ? { 'if-match': ifMatch } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    config = sandbox.connectorConfig();
  }, 60_000);
  afterEach(async () => {
    await sandbox.setFaults({
      tokenTtlSeconds: 3600,
      quota: { requests: 6000, windowMs: 300_000, concurrency: 5 },
    });
  });
  afterAll(async () => {
    await Promise.all(connectors.map((c) => c.close()));
    await sandbox?.stop();
  });

  it('caches the token, and refreshes it before it expires', async () => {
    await sandbox.setFaults({ tokenTtlSeconds: 4 });
    const connector = connect();
    acknowledged(await connector.deliver(submitPo(purchaseOrderState())));
    acknowledged(await connector.deliver(submitPo(purchaseOrderState())));
    expect(connector.tokensFetched).toBe(1);
    const refused = (await sandbox.inspect()).requests.unauthorized;
    // Refreshed at half its 4 s life, before the sandbox would refuse it.
    await sleep(2_200);
    acknowledged(await connector.deliver(submitPo(purchaseOrderState())));
    expect(connector.tokensFetched).toBe(2);
    expect((await sandbox.inspect()).requests.unauthorized).toBe(refused);
  });

  it('a token the ERP revoked: one 401, a fresh token, the request sent again once', async () => {
    const connector = connect();
    acknowledged(await connector.deliver(submitPo(purchaseOrderState())));
    const before = await sandbox.inspect();
    await sandbox.revokeTokens();
    const delivery = submitPo(purchaseOrderState());
    acknowledged(await connector.deliver(delivery));
    const after = await sandbox.inspect();
    expect(connector.tokensFetched).toBe(2);
    expect(after.requests.unauthorized - before.requests.unauthorized).toBe(1);
    expect(countInSandbox(after, delivery)).toBe(1);
  });

  it('bad credentials: a permanent error naming the client', async () => {
    const connector = connect({}, { clientSecret: 'wrong' });
    const result = await connector.deliver(submitPo(purchaseOrderState()));
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'permanent', code: 'oauth-refused' },
    });
    if (!result.ok) expect(result.error.message).toContain(sandboxClient.clientId);
  });

  const changeWithInterference = async (interfereOn: number[]) => {
    const po = purchaseOrderState();
    acknowledged(await connect().deliver(submitPo(po)));
    const company = 'companies(8a3c1d00-0000-4000-8000-00000000a001)'; // ACME-US
    let calls = 0;
    const connector = connect({
      beforeRequest: async () => {
        calls++;
        if (!interfereOn.includes(calls)) return;
        const [order] = (
          (await otherUser(
            'GET',
            `${company}/purchaseOrders?$filter=number eq '${po.poNumber}'&$expand=purchaseOrderLines`,
          )) as { value: Array<{ id: string; purchaseOrderLines: Array<Record<string, string>> }> }
        ).value;
        const line = order?.purchaseOrderLines.find((l) => Number(l.sequence) === 10);
        await otherUser(
          'PATCH',
          `${company}/purchaseOrders(${order?.id})/purchaseOrderLines(${line?.id})`,
          { description: 'Changed by someone else' },
          line?.['@odata.etag'],
        );
      },
    });
    const changed: PurchaseOrderState = structuredClone(po);
    (changed.lines[0] as { quantity: { value: string } }).quantity.value = '700';
    const result = await connector.deliver(poDelivery('change', changed));
    const held = (await sandbox.inspect()).documents.purchaseOrders.find(
      (p) => p.number === po.poNumber,
    );
    return { result, line: held?.purchaseOrderLines.find((l) => l.sequence === 10) };
  };

  it('a line changed by someone between read and write (412): run again from fresh reads', async () => {
    const patchesBefore =
      (await sandbox.inspect()).requests.byRoute['PATCH purchaseOrders()/purchaseOrderLines()'] ??
      0;
    // Requests: GET order (1), PATCH line (2, preceded by the other user's write) → 412,
    // GET order (3), PATCH line (4) → 200.
    const { result, line } = await changeWithInterference([2]);
    expect(result.ok).toBe(true);
    expect(line).toMatchObject({
      quantity: 700,
      description: 'Deep groove ball bearing 20x47x14, sealed',
    });
    const patches =
      (await sandbox.inspect()).requests.byRoute['PATCH purchaseOrders()/purchaseOrderLines()'] ??
      0;
    expect(patches - patchesBefore).toBe(3); // the other user's, the refused one, the good one
  });

  it('a record that keeps changing: a transient error, retried later by the dispatcher', async () => {
    const { result, line } = await changeWithInterference([2, 4]);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'transient', code: 'erp-record-changed' },
    });
    expect(line?.quantity).toBe(500);
  });

  it('429 with Retry-After: transient, with the wait the ERP asked for, nothing created', async () => {
    await sandbox.setFaults({ quota: { requests: 1, windowMs: 30_000 } });
    const connector = connect();
    const delivery = submitPo(purchaseOrderState());
    const results = [await connector.deliver(delivery), await connector.deliver(delivery)];
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false, error: { kind: 'transient', code: 'http-429' } });
    const wait =
      refused && !refused.ok && refused.error.kind === 'transient'
        ? refused.error.retryAfterMs
        : undefined;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(30_000);
    expect(countInSandbox(await sandbox.inspect(), delivery)).toBe(0);
  });

  it("a validation error: permanent, with the ERP's own message, nothing created", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coexist-rest-cw-'));
    try {
      const crosswalkFile = join(dir, 'crosswalk.json');
      copyFileSync(config.crosswalkFile, crosswalkFile);
      const crosswalk = JSON.parse(readFileSync(crosswalkFile, 'utf8'));
      crosswalk.items['BRG-6204-2RS'] = '99999'; // a number BC does not know
      writeFileSync(crosswalkFile, JSON.stringify(crosswalk));
      const delivery = submitPo(purchaseOrderState());
      const result = await connect({}, { crosswalkFile }).deliver(delivery);
      expect(result).toMatchObject({
        ok: false,
        error: {
          kind: 'permanent',
          code: 'Internal_ValidationError',
          message:
            'The field No. of table Purchase Line contains a value (99999) that cannot be found in the related table (Item).',
        },
      });
      expect(countInSandbox(await sandbox.inspect(), delivery)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the quota hook is awaited before every API request and released after its answer', async () => {
    let inFlight = 0;
    let acquired = 0;
    let released = 0;
    const connector = connect({
      beforeRequest: async () => {
        acquired++;
        inFlight++;
        expect(inFlight).toBe(1);
        return () => {
          released++;
          inFlight--;
        };
      },
    });
    const before = (await sandbox.inspect()).quota.served;
    acknowledged(await connector.deliver(submitPo(purchaseOrderState())));
    const after = (await sandbox.inspect()).quota.served;
    // Every request the sandbox served went through the hook (the token request is not paced).
    expect(acquired).toBe(after - before);
    expect(released).toBe(acquired);
    expect(connector.quota).toEqual({ requests: 6000, windowMs: 300_000, concurrency: 5 });
  });

  it("a dispatcher's budget runs every request, the token's included, and is paused by Retry-After", async () => {
    const runs: string[] = [];
    const pauses: number[] = [];
    const budget = {
      run: async <T>(request: () => Promise<T>) => {
        runs.push('run');
        return request();
      },
      pause: (ms: number) => {
        pauses.push(ms);
      },
    };
    const connector = connect();
    expect(connector.metersRequests).toBe(true);
    const before = (await sandbox.inspect()).quota.served;
    acknowledged(await connector.deliver(submitPo(purchaseOrderState()), { budget }));
    const served = (await sandbox.inspect()).quota.served - before;
    expect(runs).toHaveLength(served + 1); // + the token request
    await sandbox.setFaults({ quota: { requests: 1, windowMs: 30_000 } });
    const refused = await connector.deliver(submitPo(purchaseOrderState()), { budget });
    expect(refused).toMatchObject({ ok: false, error: { code: 'http-429' } });
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toBeGreaterThan(0);
  });
});
