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
  const response = await fetch(`${gateway.url}/v1/purchase-orders`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer coexist-dev-key',
      'content-type': 'application/json',
      'idempotency-key': 'cli-po-1',
    },
    body: JSON.stringify(example('purchase-order-submit')),
  });
  expect(response.status).toBe(202);
}, 60_000);

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
  }, 30_000);

  it('diffs, simulates and publishes against the running gateway', async () => {
    const diff = await coexist(['rules', 'diff', phase1], env);
    expect(diff.stdout).toMatch(/Against published version 1:/);
    expect(diff.stdout).toMatch(/added\s+acme-us-gl-cloud/);

    const simulation = await coexist(['rules', 'simulate', phase1], env);
    expect(simulation.stdout).toMatch(/over 1 document\(s\): 1 would be owned differently/);
    expect(simulation.stdout).toMatch(
      /purchaseOrder\s+ACME-US\s+DAL1\s+1\s+1\s+legacy → dual\(legacy\+cloud\): 1/,
    );
    expect(simulation.stdout).toMatch(/never match: acme-us-gl-cloud, acme-eu-po-canary/);
    expect(simulation.stderr).toMatch(/replaying history: \d+ events, 1 documents/);

    const published = await coexist(
      ['rules', 'publish', phase1, '--reason', 'CAB-2291 approved'],
      env,
    );
    expect(published.stdout).toMatch(/Published as version 2, in force from 2027-01-04T06:00:00/);
    const again = await coexist(['rules', 'publish', phase1, '--reason', 'again'], env);
    expect(again.stdout).toMatch(/Unchanged: version 2 already holds this rule set/);
  }, 60_000);

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
  }, 30_000);
});
