/**
 * The newcomer's `coexist start` with the phase-1 rules and no cloud ERP configured: the
 * cloud-ERP sandbox runs in the gateway's process on loopback, the banner names it, and a
 * cloud-owned journal entry is delivered to it (Prefer: wait answers with its reference). In
 * production mode there is no sandbox.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { example } from '../support/gateway.js';
import { root } from '../support/process.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];

const start = async (mode: 'development' | 'production') => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-newcomer-'));
  dirs.push(dir);
  const configFile = join(dir, 'gateway.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      routing: { ruleSetFile: join(root, 'routing-rules/phase-1-finance-first.yaml') },
    }),
  );
  const { COEXIST_CLOUD_ERP_CONFIG: _cloud, COEXIST_TRYTON_CONFIG: _tryton, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'start',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'data'),
      '-c',
      configFile,
    ],
    {
      cwd: root,
      env: { ...env, LOG_LEVEL: 'warn', COEXIST_MODE: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && /delivery: /.test(output) && /read side/.test(output)) {
        clearTimeout(timer);
        setTimeout(() => resolve(match[1] as string), 200); // the banner's last lines
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}):\n${output}`)));
  });
  return { url, output: () => output };
};

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the newcomer path: the cloud-ERP sandbox in the gateway process', () => {
  it('development mode: the sandbox named in the banner, a cloud journal entry delivered to it', async () => {
    const gateway = await start('development');
    const banner = gateway.output();
    expect(banner).toContain('delivery: to cloud');
    const sandboxUrl = /cloud ERP: SANDBOX at (http:\/\/127\.0\.0\.1:\d+), a test peer/.exec(
      banner,
    )?.[1];
    expect(sandboxUrl, banner).toBeDefined();

    const entryNumber = `NEW-${Date.now()}`;
    const response = await fetch(`${gateway.url}/v1/journal-entries`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer coexist-dev-key',
        'content-type': 'application/json',
        'idempotency-key': entryNumber,
        prefer: 'wait=20',
      },
      body: JSON.stringify({ ...example('journal-entry'), entryNumber }),
    });
    const body = (await response.json()) as { route: { owner: string }; delivery: object };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.route.owner).toBe('cloud');
    expect(body.delivery).toMatchObject({
      target: 'cloud',
      state: 'delivered',
      reference: entryNumber,
    });
    const inspection = (await (await fetch(`${sandboxUrl}/sandbox/inspect`)).json()) as {
      documents: { journalPostings: Array<{ documentNumber: string }> };
    };
    expect(inspection.documents.journalPostings.map((p) => p.documentNumber)).toEqual([
      entryNumber,
    ]);
  }, 120_000);

  it('production mode: no sandbox', async () => {
    const gateway = await start('production');
    expect(gateway.output()).not.toContain('SANDBOX');
    expect(gateway.output()).toContain('delivery: off');
  }, 120_000);
});
