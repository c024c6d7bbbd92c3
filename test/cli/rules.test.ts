/** An architect's workflow with the CLI against a running gateway process. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example } from '../support/gateway.js';
import { coexist, type GatewayProcess, startGatewayProcess } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-rules-cli-'));
const phase1 = 'routing-rules/phase-1-finance-first.yaml';
let gateway: GatewayProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  gateway = await startGatewayProcess(dataDir);
  env = { COEXIST_URL: gateway.url, COEXIST_API_KEY: 'coexist-dev-key' };
  // One Dallas purchase order, recorded under the start-up rule set (everything legacy).
  await post('/v1/purchase-orders', example('purchase-order-submit'));
}, 120_000);

let keys = 0;
const send = (path: string, body: object) =>
  fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer coexist-dev-key',
      'content-type': 'application/json',
      'idempotency-key': `cli-${++keys}`,
    },
    body: JSON.stringify(body),
  });
const post = async (path: string, body: object) => {
  const response = await send(path, body);
  expect(response.status).toBe(202);
  return (await response.json()) as { route: object };
};

afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('coexist rules', () => {
  it('validates offline, and explains what is wrong with a broken file', async () => {
    expect((await coexist(['rules', 'validate', phase1])).stdout).toMatch(
      /valid — "Phase 1: .*", 4 rule\(s\)/,
    );
    const broken = join(dataDir, 'broken.yaml');
    writeFileSync(
      broken,
      'name: broken\nrules:\n  - id: eu-canary\n    match: { percent: 500 }\n    target: azure\n',
    );
    const failure = (await coexist(['rules', 'validate', broken]).catch((e) => e)) as {
      code: number;
      stderr: string;
    };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(
      /\/rules\/0\/match\/percent\s+Rule eu-canary: percent must be <= 100/,
    );
    expect(failure.stderr).toMatch(
      /\/rules\/0\/target\s+Rule eu-canary: target must be "legacy", "cloud", or an object with dual/,
    );
  }, 120_000);

  it('diffs, simulates and publishes against the running gateway', async () => {
    const diff = await coexist(['rules', 'diff', phase1], env);
    expect(diff.stdout).toMatch(/Against version 1, the rule set in force now:/);
    expect(diff.stdout).toMatch(/added\s+acme-us-gl-cloud/);

    const simulation = await coexist(['rules', 'simulate', phase1], env);
    expect(simulation.stdout).toMatch(/over 1 document\(s\): 1 would be owned differently/);
    expect(simulation.stdout).toMatch(
      /purchaseOrder\s+ACME-US\s+DAL1\s+1\s+1\s+legacy → dual\(legacy\+cloud\): 1/,
    );
    expect(simulation.stdout).toMatch(/never match: acme-us-gl-cloud, acme-eu-po-canary/);
    expect(simulation.stderr).toMatch(/replaying history: \d+ events, 1 documents/);

    const future = await coexist(['rules', 'simulate', phase1, '--since', '2099-01-01'], env);
    expect(future.stdout).toMatch(/over 0 document\(s\) since 2099-01-01T00:00:00.000Z: 0 would/);
    expect(future.stdout).toMatch(/Nothing to replay/);
    expect(future.stdout).not.toMatch(/route elsewhere|would never match/);

    const published = await coexist(
      ['rules', 'publish', phase1, '--reason', 'CAB-2291 approved'],
      env,
    );
    expect(published.stdout).toMatch(
      /Published as version 2, in force from \S+: new documents are routed by it/,
    );
    const again = await coexist(['rules', 'publish', phase1, '--reason', 'again'], env);
    expect(again.stdout).toMatch(/Unchanged: version 2 already holds this rule set/);
    // In force at once: the next Dallas order is written to both ERPs.
    const next = await post('/v1/purchase-orders', {
      ...example('purchase-order-submit'),
      poNumber: 'CLI-PO-2',
    });
    expect(next.route).toMatchObject({ owner: 'dual', ruleId: 'dal1-purchasing-dual' });

    // A set scheduled for later is published but not in force; diff compares with the set
    // in force and names the scheduled one.
    const scheduled = join(dataDir, 'scheduled.yaml');
    writeFileSync(
      scheduled,
      'name: later\neffectiveFrom: "2099-01-01T00:00:00Z"\nrules:\n  - id: all-cloud\n    match: {}\n    target: cloud\n',
    );
    expect(
      (await coexist(['rules', 'publish', scheduled, '--reason', 'CAB-3001 approved'], env)).stdout,
    ).toMatch(/Published as version 3; it takes effect at 2099-01-01T00:00:00Z/);
    const pending = await coexist(['rules', 'diff', phase1], env);
    expect(pending.stdout).toMatch(/Identical to version 2, the rule set in force now/);
    expect(pending.stdout).toMatch(/version 3 \("later"\) is published and takes effect at 2099/);
  }, 120_000);

  it('says clearly when the key lacks the role or the gateway is unreachable', async () => {
    const noKey = (await coexist(['rules', 'diff', phase1], { ...env, COEXIST_API_KEY: '' }).catch(
      (e) => e,
    )) as {
      stderr: string;
    };
    expect(noKey.stderr).toMatch(/An API key is needed/);
    const down = (await coexist(
      ['rules', 'diff', phase1, '--url', 'http://127.0.0.1:9'],
      env,
    ).catch((e) => e)) as {
      stderr: string;
    };
    expect(down.stderr).toMatch(/Cannot reach the gateway at http:\/\/127.0.0.1:9/);
  }, 120_000);
});

describe('coexist freezes', () => {
  it('freezes a scope for a window, lists it, and lifts it', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const created = await coexist(
      [
        'freezes',
        'create',
        '--companies',
        'ACME-EU',
        '--types',
        'purchase-orders',
        '--until',
        until,
        '--reason',
        'ACME-EU purchasing cutover',
      ],
      env,
    );
    const freezeId = /freeze id ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
    expect(created.stdout).toMatch(/Frozen: companies=ACME-EU documentTypes=purchaseOrder from /);

    const euOrder = { ...example('purchase-order-submit'), company: 'ACME-EU', poNumber: 'EU-1' };
    const refused = await send('/v1/purchase-orders', euOrder);
    expect(refused.status).toBe(423);

    const listed = await coexist(['freezes', 'list'], env);
    const [header, , row] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^freeze id\s+scope\s+from\s+until\s+status\s+reason$/);
    expect(row).toMatch(
      new RegExp(
        `^${freezeId}\\s+companies=ACME-EU documentTypes=purchaseOrder .* active\\s+ACME-EU purchasing cutover$`,
      ),
    );

    const lifted = await coexist(['freezes', 'lift', freezeId, '--reason', 'Cutover done'], env);
    expect(lifted.stdout).toMatch(`Freeze ${freezeId} lifted`);
    expect((await send('/v1/purchase-orders', euOrder)).status).toBe(202);

    expect((await coexist(['freezes', 'list'], env)).stdout).toMatch(
      /No freeze in force or scheduled/,
    );
    const all = JSON.parse((await coexist(['freezes', 'list', '--all', '--json'], env)).stdout);
    expect(all).toEqual([
      expect.objectContaining({
        freezeId,
        lifted: expect.objectContaining({ reason: 'Cutover done' }),
      }),
    ]);
  }, 120_000);

  it('explains what is wrong with a freeze before sending it', async () => {
    const failure = (await coexist(
      [
        'freezes',
        'create',
        '--sites',
        'DAL 1',
        '--until',
        '2099-01-01T00:00:00Z',
        '--reason',
        'x-y-z',
      ],
      env,
    ).catch((e) => e)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/"DAL 1" is not a valid site code/);
    const noScope = (await coexist(
      ['freezes', 'create', '--until', '2099-01-01T00:00:00Z', '--reason', 'x-y-z'],
      env,
    ).catch((e) => e)) as { stderr: string };
    expect(noScope.stderr).toMatch(/Name what to freeze/);
    const unknown = (await coexist(
      ['freezes', 'lift', '00000000-0000-4000-8000-000000000000', '--reason', 'abc'],
      env,
    ).catch((e) => e)) as { stderr: string };
    expect(unknown.stderr).toMatch(/^404 /);
  }, 120_000);
});
