/**
 * A private Tryton for one test file: `scripts/tryton-sandbox.sh prepare` (install and golden
 * copy, once per machine, serialised with flock), then a copy of the golden database in a
 * temporary directory served by a trytond of its own on a free loopback port, stopped after
 * the file. `unavailable` says why when Tryton cannot be installed here (tests skip visibly).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrytonConnectorConfig } from '../../../src/adapters/connectors/tryton/config.js';

const repo = resolve(import.meta.dirname, '../../..');
const sandboxDir = process.env.COEXIST_TRYTON_DIR ?? join(repo, '.tryton');
const database = 'coexist';

export interface PrivateTryton {
  config: TrytonConnectorConfig;
  dir: string;
  stop(): Promise<void>;
  /** Kills trytond (SIGKILL) and starts it again on the same port and database. */
  restart(): Promise<void>;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** Runs the sandbox's `prepare`; returns why Tryton is unavailable, or null. */
export const prepareTryton = (): string | null => {
  try {
    execFileSync(
      'flock',
      [
        join(tmpdir(), 'coexist-tryton-prepare.lock'),
        join(repo, 'scripts/tryton-sandbox.sh'),
        'prepare',
      ],
      {
        env: { ...process.env, COEXIST_TRYTON_DIR: sandboxDir },
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 240_000,
      },
    );
    return null;
  } catch (error) {
    const status = (error as { status?: number }).status;
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    if (status === 3) return `Tryton 6.0 cannot be installed here: ${stderr.trim()}`;
    throw new Error(`scripts/tryton-sandbox.sh prepare failed (${status}): ${stderr}`);
  }
};

const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });

const answers = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 0, method: 'common.server.version', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return response.ok;
  } catch {
    return false;
  }
};

export const startPrivateTryton = async (): Promise<PrivateTryton> => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-tryton-test-'));
  copyFileSync(join(sandboxDir, 'golden', `${database}.sqlite`), join(dir, `${database}.sqlite`));
  copyFileSync(join(sandboxDir, 'golden', 'crosswalk.json'), join(dir, 'crosswalk.json'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'trytond.conf'),
    `[database]\nuri = sqlite://\npath = ${dir}\nlanguage = en\n\n[web]\nlisten = 127.0.0.1:${port}\n`,
  );
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      '/usr/bin/python3',
      ['/usr/bin/trytond', '-c', join(dir, 'trytond.conf'), '-d', database],
      {
        env: { ...process.env, PYTHONWARNINGS: 'ignore' },
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 150; i++) {
      if (await answers(url)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the test trytond did not answer within 15 s');
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill(signal);
    await exited;
  };
  await start();
  return {
    dir,
    config: {
      url,
      database,
      login: 'admin',
      password: readFileSync(join(sandboxDir, 'admin-password'), 'utf8').trim(),
      crosswalkFile: join(dir, 'crosswalk.json'),
      timeoutMs: 10_000,
      defaults: { paymentTerm: 'NET30', journal: 'MISC' },
    },
    start,
    kill: () => kill(),
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
