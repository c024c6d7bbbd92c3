/** `coexist rules migrate` and `coexist divergences list` against a running gateway process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../support/gateway.js';
import { coexist, type GatewayProcess, startGatewayProcess } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-migrate-cli-'));
let gateway: GatewayProcess;
let env: NodeJS.ProcessEnv;
let keys = 0;

const submit = async (company: string, poNumber: string) => {
  const response = await fetch(`${gateway.url}/v1/purchase-orders`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer coexist-dev-key',
      'content-type': 'application/json',
      'idempotency-key': `migrate-cli-${++keys}`,
    },
    body: JSON.stringify({ ...example('purchase-order-submit'), company, poNumber }),
  });
  expect(response.status).toBe(202);
};

beforeAll(async () => {
  gateway = await startGatewayProcess(dataDir);
  env = { COEXIST_URL: gateway.url, COEXIST_API_KEY: 'coexist-dev-key' };
  await submit('ACME-EU', 'CLI-EU-1');
  await submit('ACME-EU', 'CLI-EU-2');
  await submit('ACME-US', 'CLI-US-1');
}, 120_000);

afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

const migrate = (...extra: string[]) =>
  coexist(
    [
      'rules',
      'migrate',
      '--scope',
      'company=ACME-EU,documentType=purchase-order',
      '--to',
      'cloud',
      '--reason',
      'CAB-2291 ACME-EU cutover',
      ...extra,
    ],
    env,
  );

describe('coexist rules migrate', () => {
  it('dry-runs, migrates under a freeze it lifts afterwards, and moves nothing the second time', async () => {
    const dry = await migrate('--dry-run');
    expect(dry.stdout).toMatch(
      /Dry run: 2 open purchase order\(s\) of documentType=purchaseOrder,company=ACME-EU would move to cloud/,
    );
    expect(dry.stdout).toMatch(/CLI-EU-1/);
    expect(dry.stdout).not.toMatch(/CLI-US-1/);

    const real = JSON.parse((await migrate('--freeze', '--json')).stdout) as {
      moved: Array<{ document: { key: { poNumber: string } } }>;
      dryRun: boolean;
    };
    expect(real.dryRun).toBe(false);
    expect(real.moved.map((m) => m.document.key.poNumber)).toEqual(['CLI-EU-1', 'CLI-EU-2']);
    const freezes = JSON.parse(
      (await coexist(['freezes', 'list', '--all', '--json'], env)).stdout,
    ) as Array<{
      reason: string;
      lifted?: object;
      scope: { companies?: string[]; documentTypes?: string[] };
    }>;
    expect(freezes).toHaveLength(1);
    expect(freezes[0]).toMatchObject({
      reason: 'Migration to cloud: CAB-2291 ACME-EU cutover',
      scope: { companies: ['ACME-EU'] },
      lifted: expect.any(Object),
    });
    expect(freezes[0]?.scope.documentTypes).toContain('goodsReceipt');

    const again = await migrate();
    expect(again.stdout).toMatch(/0 open purchase order\(s\) .* moved to cloud/);
    expect(again.stdout).toMatch(/2 already owned by cloud/);
  }, 120_000);

  it('explains a bad scope or owner without calling the gateway', async () => {
    const failure = (await coexist(
      [
        'rules',
        'migrate',
        '--scope',
        'company=ACME-EU,documentType=goods-receipt',
        '--to',
        'cloud',
        '--reason',
        'x-y-z',
      ],
      env,
    ).catch((e) => e)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/only purchase orders are migrated/);
    const owner = (await coexist(
      [
        'rules',
        'migrate',
        '--scope',
        'documentType=purchase-order',
        '--to',
        'azure',
        '--reason',
        'x-y-z',
      ],
      env,
    ).catch((e) => e)) as { code: number; stderr: string };
    expect(owner.code).toBe(1);
    expect(owner.stderr).toMatch(/use legacy, cloud, or dual/);
  }, 60_000);
});

describe('coexist divergences list', () => {
  it('says when there are none, and prints JSON for scripts', async () => {
    expect((await coexist(['divergences', 'list'], env)).stdout).toMatch(/No divergences\./);
    expect(JSON.parse((await coexist(['divergences', 'list', '--json'], env)).stdout)).toEqual([]);
  }, 60_000);
});
