/**
 * Dual-write with every peer a real process: a gateway (`coexist start`), Tryton 6.0 as the
 * primary (a private trytond), and the cloud-ERP sandbox (`coexist sandbox cloud-erp`) as the
 * shadow, told to add a cent to every line's tax. Purchase orders of ACME-US are routed
 * `dual: { primary: legacy, shadow: cloud }`.
 * - The comparison reads each ERP's own amounts: the divergence names the tax and the total,
 *   in `GET /v1/admin/divergences` and the GraphQL `dualWrites`; `Prefer: wait` answers with
 *   Tryton's purchase number.
 * - The sandbox in an outage: Tryton's deliveries are answered as before, the sandbox's wait;
 *   once it is back, each order is held there once (its own records) and compared.
 * - An order Tryton refuses: the caller's answer, the document's delivery view and the
 *   divergence (primary dead-lettered, shadow delivered) carry Tryton's own words.
 * Tryton takes seconds per purchase (create, quote, confirm, process, read back): few orders.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrytonRpc } from '../../src/adapters/connectors/tryton/rpc.js';
import {
  type PrivateTryton,
  prepareTryton,
  startPrivateTryton,
} from '../connectors/tryton/sandbox.js';
import { type SandboxProcess, startSandboxProcess } from '../sandbox/cloudErpProcess.js';
import { example } from '../support/gateway.js';
import { type GatewayProcess, startGatewayProcess } from '../support/process.js';

const unavailable = prepareTryton();
const auth = { authorization: 'Bearer coexist-dev-key' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Difference {
  path: string;
  primary: string | null;
  shadow: string | null;
}
interface Divergence {
  documentKey: { poNumber: string };
  primary: { target: string; reference: string | null };
  shadow: { target: string; reference: string | null };
  differences: Difference[];
}
interface DeliveryView {
  target: string;
  state: string;
  reference?: string;
}

/** The example order with line 10 taxed at 8.25 %: 1,889.00 untaxed, 75.90 tax in Tryton. */
const order = (poNumber: string) => {
  const body = example('purchase-order-submit') as { lines: Array<{ taxCode?: string }> };
  (body.lines[0] as { taxCode?: string }).taxCode = 'US-TX-8.25';
  return { ...body, poNumber };
};

/** What the shadow adds: a cent on each of the order's three lines. */
const skewed: Difference[] = [
  { path: '/taxAmount', primary: '75.9', shadow: '75.93' },
  { path: '/totalAmount', primary: '1964.9', shadow: '1964.93' },
];

describe.skipIf(unavailable !== null)(
  `dual-write with the gateway, Tryton and the cloud-ERP sandbox in processes of their own${unavailable ? ` (SKIPPED: ${unavailable})` : ''}`,
  { timeout: 90_000 },
  () => {
    let tryton: PrivateTryton;
    let rpc: TrytonRpc;
    let ctx: Record<string, unknown>;
    let sandbox: SandboxProcess;
    let gateway: GatewayProcess;
    const dataDir = mkdtempSync(join(tmpdir(), 'coexist-dual-processes-'));
    const tag = `DWP${Date.now().toString(36)}`;

    beforeAll(async () => {
      [tryton, sandbox] = await Promise.all([
        startPrivateTryton(),
        startSandboxProcess('taxSkew=0.01'),
      ]);
      rpc = new TrytonRpc(tryton.config);
      ctx = await rpc.context(1);
      const file = (name: string, content: object) => {
        writeFileSync(join(dataDir, name), JSON.stringify(content));
        return join(dataDir, name);
      };
      const rules = file('rules.json', {
        name: 'ACME-US purchasing in dual-write',
        rules: [
          {
            id: 'acme-us-po-dual',
            match: { documentTypes: ['purchaseOrder'], companies: ['ACME-US'] },
            target: { dual: { primary: 'legacy', shadow: 'cloud' } },
          },
          { id: 'default-legacy', match: {}, target: 'legacy' },
        ],
      });
      const config = file('gateway.json', {
        routing: { defaultTarget: 'legacy', ruleSetFile: rules },
      });
      const env: NodeJS.ProcessEnv = {
        COEXIST_TRYTON_CONFIG: file('tryton.json', tryton.config),
        COEXIST_CLOUD_ERP_CONFIG: sandbox.connectorFile,
        COEXIST_DELIVERY_CONFIG: file('delivery.json', {
          policies: { default: { maxAttempts: 200, initialDelayMs: 100, maxDelayMs: 500 } },
          targets: {
            legacy: { concurrency: 2 },
            cloud: {
              concurrency: 2,
              breaker: { consecutiveFailures: 1_000, halfOpenAfterMs: 500 },
            },
          },
          leaseTtlMs: 1_000,
        }),
      };
      gateway = await startGatewayProcess(dataDir, env, {
        args: ['-c', config],
        startTimeoutMs: 60_000,
      });
    }, 120_000);

    afterAll(async () => {
      if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) {
        gateway.child.kill('SIGKILL');
        await gateway.exited;
      }
      await rpc?.close();
      await Promise.all([tryton?.stop(), sandbox?.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    });

    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${gateway.url}${path}`, { headers: auth });
      expect(response.status, path).toBe(200);
      return (await response.json()) as T;
    };

    /** Submits with `Prefer: wait`: the answer and how long it took. */
    const submitWaiting = async (poNumber: string, body: object = order(poNumber)) => {
      const response = await fetch(`${gateway.url}/v1/purchase-orders`, {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          'idempotency-key': poNumber,
          prefer: 'wait=60',
        },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as {
        route: Record<string, string>;
        delivery?: DeliveryView & { reason?: string | null };
      };
      return { status: response.status, body: answer };
    };

    const trytonNumber = async (poNumber: string) => {
      const found = await rpc.model<Array<{ number: string }>>(
        'purchase.purchase',
        'search_read',
        [[['reference', '=', poNumber]], 0, null, null, ['number']],
        ctx,
      );
      expect(found).toHaveLength(1);
      return found[0]?.number;
    };

    const deliveriesOf = async (poNumber: string) =>
      (await get<{ deliveries: DeliveryView[] }>(`/v1/purchase-orders/ACME-US/${poNumber}`))
        .deliveries;

    const divergenceOf = async (poNumber: string, timeoutMs = 60_000): Promise<Divergence> => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { divergences } = await get<{ divergences: Divergence[] }>(
          '/v1/admin/divergences?documentType=purchaseOrder&limit=100',
        );
        const found = divergences.find((d) => d.documentKey.poNumber === poNumber);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no divergence recorded for ${poNumber}`);
        await sleep(250);
      }
    };

    const heldBySandbox = async (poNumber: string) =>
      (await sandbox.inspect()).documents.purchaseOrders.filter((po) => po.number === poNumber)
        .length;

    it("records the shadow's different tax as a divergence naming the tax field (admin API and GraphQL); Prefer: wait answers with Tryton's purchase", async () => {
      const poNumber = `${tag}-1`;
      const answer = await submitWaiting(poNumber);
      expect(answer.status).toBe(200);
      expect(answer.body.route).toMatchObject({
        owner: 'dual',
        primary: 'legacy',
        shadow: 'cloud',
      });
      const number = await trytonNumber(poNumber);
      expect(answer.body.delivery).toMatchObject({
        target: 'legacy',
        state: 'delivered',
        reference: number,
      });

      const divergence = await divergenceOf(poNumber);
      expect(divergence).toMatchObject({
        primary: { target: 'legacy', reference: number },
        shadow: { target: 'cloud', reference: poNumber },
      });
      // The untaxed amounts, quantities and unit costs of both ERPs agree; only the tax differs.
      expect(divergence.differences).toEqual(skewed);

      const graphql = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ document(ref: { type: purchaseOrder, key: ["ACME-US", "${poNumber}"] }) {
            dualWrites { agreed differences primary shadow } } }`,
        }),
      });
      const { data } = (await graphql.json()) as {
        data: { document: { dualWrites: Array<Record<string, unknown>> } };
      };
      expect(data.document.dualWrites).toEqual([
        expect.objectContaining({
          agreed: false,
          differences: skewed,
          primary: expect.objectContaining({ target: 'legacy', reference: number }),
          shadow: expect.objectContaining({ target: 'cloud', outcome: 'delivered' }),
        }),
      ]);
    });

    it('the sandbox down for a while: Tryton delivered and answered meanwhile, the sandbox caught up later with each order once', async () => {
      const poNumbers = [`${tag}-2`, `${tag}-3`];
      const from = Date.now();
      // An outage that lasts until it is lifted below.
      expect((await sandbox.setFaults({ outages: [{ from, to: from + 600_000 }] })).status).toBe(
        200,
      );
      for (const poNumber of poNumbers) {
        const answer = await submitWaiting(poNumber);
        expect(answer.status).toBe(200);
        expect(answer.body.delivery).toMatchObject({
          target: 'legacy',
          state: 'delivered',
          reference: await trytonNumber(poNumber),
        });
      }
      // Answered while the shadow's deliveries could not get through.
      for (const poNumber of poNumbers) {
        const cloud = (await deliveriesOf(poNumber)).find((d) => d.target === 'cloud');
        expect(cloud?.state).not.toBe('delivered');
        expect(await heldBySandbox(poNumber)).toBe(0);
      }
      // The sandbox's own counter: the shadow was tried and refused with 503s.
      const { requests } = await sandbox.inspect();
      expect((requests as typeof requests & { outage503: number }).outage503).toBeGreaterThan(0);

      expect((await sandbox.setFaults({ outages: [] })).status).toBe(200);
      for (const poNumber of poNumbers) {
        const divergence = await divergenceOf(poNumber);
        expect(divergence.differences).toEqual(skewed);
        expect(await heldBySandbox(poNumber)).toBe(1);
      }
      for (const poNumber of poNumbers) {
        expect((await deliveriesOf(poNumber)).map((d) => [d.target, d.state]).sort()).toEqual([
          ['cloud', 'delivered'],
          ['legacy', 'delivered'],
        ]);
      }
      expect((await sandbox.inspect()).duplicates.purchaseOrders).toEqual({});
    });

    it("an order Tryton refuses: the caller, the delivery view and the divergence give Tryton's own words", async () => {
      const poNumber = `${tag}-4`;
      const body = order(poNumber) as ReturnType<typeof order> & {
        lines: Array<{ quantity: { value: string; uom: string } }>;
      };
      // Bearings in kilograms: a unit of another category than the product's, which Tryton refuses.
      (body.lines[0] as { quantity: object }).quantity = { value: '5', uom: 'KG' };
      const words =
        'The value for field "Unit" in "Purchase Line" is not valid according to its domain.';
      const answer = await submitWaiting(poNumber, body);
      // Accepted by the gateway, refused by the primary: a 202 that says so in Tryton's words.
      expect(answer.status).toBe(202);
      expect(answer.body.delivery).toMatchObject({
        target: 'legacy',
        state: 'dead-lettered',
        reason: words,
      });
      // The document's view: the primary dead-lettered, in Tryton's words.
      const legacy = (await deliveriesOf(poNumber)).find((d) => d.target === 'legacy');
      expect(legacy).toMatchObject({
        role: 'primary',
        state: 'dead-lettered',
        reason: words,
        deliveries: [{ deadLetter: { code: 'UserError', message: words } }],
      });
      const divergence = await divergenceOf(poNumber);
      expect(divergence).toMatchObject({
        primary: {
          target: 'legacy',
          outcome: 'dead-lettered',
          errorCode: 'UserError',
          errorMessage: words,
        },
        shadow: { target: 'cloud', outcome: 'delivered', reference: poNumber },
      });
      expect(divergence.differences).toEqual([
        { path: '/outcome', primary: 'dead-lettered', shadow: 'delivered' },
      ]);
      expect(await heldBySandbox(poNumber)).toBe(1);
    });
  },
);
