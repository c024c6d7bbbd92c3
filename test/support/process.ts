/** A real gateway process (`coexist start`) for tests that need one: kill -9, the CLI. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

export const root = new URL('../../', import.meta.url).pathname;

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process exits (listened for from the start: it may exit early). */
  exited: Promise<unknown>;
}

export interface GatewayProcessOptions {
  /** More arguments to `coexist start`, e.g. `['-c', configFile]`. */
  args?: string[];
  /** How long the process may take to listen (slower with Tryton or a busy machine). */
  startTimeoutMs?: number;
}

export const startGatewayProcess = async (
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  { args = [], startTimeoutMs = 60_000 }: GatewayProcessOptions = {},
): Promise<GatewayProcess> => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'start', '--port', '0', '--data-dir', dataDir, ...args],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', COEXIST_MODE: 'development', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    // A gateway that never listens is killed, not left running after the test gives up on it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}):\n${output}`)));
  });
  return { child, url, exited };
};

const run = promisify(execFile);

/** Runs the coexist CLI; resolves with its output, or rejects with code, stdout and stderr. */
export const coexist = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
  });
