/**
 * Projectors outside the serving process: a gateway started with COEXIST_PROJECTORS=separate
 * runs none (its write path keeps the CPU), and `coexist projections run` in another process
 * builds the read models it serves lists from.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devApiKey } from '../../src/config/config.js';
import { until } from '../eventStore/conformance.js';
import { example } from '../support/gateway.js';
import { type GatewayProcess, root, startGatewayProcess } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-separate-projectors-'));
const headers = { authorization: `Bearer ${devApiKey}`, 'content-type': 'application/json' };
let gateway: GatewayProcess | null = null;
let runner: ReturnType<typeof spawn> | null = null;

afterAll(async () => {
  for (const child of [runner, gateway?.child]) {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('projectors in a process of their own', () => {
  it('serves lists built by `coexist projections run`, and none without it', async () => {
    gateway = await startGatewayProcess(dataDir, { COEXIST_PROJECTORS: 'separate' });
    const url = gateway.url;
    const submitted = await fetch(`${url}/v1/purchase-orders`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': 'separate-1' },
      body: JSON.stringify({ ...example('purchase-order-submit'), poNumber: 'SEP-1' }),
    });
    expect(submitted.status).toBe(202);
    const list = () => fetch(`${url}/v1/purchase-orders?limit=10`, { headers });
    // Nothing projects in the gateway: the read model has no live generation yet.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = await list();
    expect(before.status, await before.text()).toBe(503);

    runner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'projections',
        'run',
        '--json',
        '--interval',
        '0.5',
        '--data-dir',
        dataDir,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let printed = '';
    runner.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    runner.stderr?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    let listed: string[] = [];
    const poll = setInterval(() => {
      list()
        .then(async (response) =>
          response.status === 200
            ? ((await response.json()) as { items: { key: { poNumber: string } }[] }).items
            : [],
        )
        .then(
          (items) => {
            listed = items.map((item) => item.key.poNumber);
          },
          () => undefined,
        );
    }, 200);
    try {
      await until(
        () => listed.includes('SEP-1'),
        'the order listed once the separate projectors built the read model',
        60_000,
      );
    } finally {
      clearInterval(poll);
    }
    // The serving process reports the separate projectors' lag from their checkpoints.
    const lagOf = async () => {
      const metrics = await (await fetch(`${url}/metrics`, { headers })).text();
      return /coexist_consumer_lag_positions\{consumer="projection:documents"\} (\d+)/.exec(
        metrics,
      )?.[1];
    };
    let lag = await lagOf();
    for (let tries = 0; lag !== '0' && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      lag = await lagOf();
    }
    expect(lag).toBe('0');

    // The runner's status lines, once it has projected: one JSON object a line, positions as
    // text, and the runner still running.
    await until(
      () =>
        printed
          .split('\n')
          .some((line) => line.includes('"position":"') && line.includes('"phase":"live"')),
      'a status line with a position',
      15_000,
    );
    for (const line of printed.trim().split('\n')) {
      expect(() => JSON.parse(line), line).not.toThrow();
    }
    expect(runner.exitCode, printed).toBeNull();
  }, 90_000);
});
