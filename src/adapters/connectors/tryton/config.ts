/**
 * Configuration of the Tryton connector: where Tryton is, who the gateway logs in as, and
 * where its crosswalk lives. `scripts/tryton-sandbox.sh` writes one for the sandbox
 * (`.tryton/connector.json`); the gateway's configuration points at such a file.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface TrytonConnectorConfig {
  /** e.g. `http://127.0.0.1:18000` */
  url: string;
  database: string;
  login: string;
  password: string;
  /** Absolute path of the crosswalk JSON file. */
  crosswalkFile: string;
  /** Per JSON-RPC request. */
  timeoutMs: number;
  defaults: {
    /** Payment term code for orders and invoices that name none. */
    paymentTerm: string;
    /** Journal code for journal entries that name none. */
    journal: string;
  };
}

interface ConfigFile {
  url?: unknown;
  database?: unknown;
  login?: unknown;
  password?: unknown;
  passwordFile?: unknown;
  crosswalkFile?: unknown;
  timeoutMs?: unknown;
  defaults?: { paymentTerm?: unknown; journal?: unknown };
}

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Reads a connector file. The password is the environment's `COEXIST_TRYTON_PASSWORD`, else the
 * content of `passwordFile` (relative to the file), else `password`: the environment wins so a
 * shipped file never needs to hold a secret.
 */
export const loadTrytonConnectorConfig = (
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): TrytonConnectorConfig => {
  const file = JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  const base = dirname(resolve(path));
  const problems: string[] = [];
  for (const field of ['url', 'database', 'login', 'crosswalkFile'] as const) {
    if (!text(file[field])) problems.push(`${field} must be a non-empty string`);
  }
  let password = env.COEXIST_TRYTON_PASSWORD;
  if (!password && text(file.passwordFile)) {
    password = readFileSync(resolve(base, file.passwordFile), 'utf8').trim();
  }
  if (!password && text(file.password)) password = file.password;
  if (!password)
    problems.push('a password is needed (password, passwordFile or COEXIST_TRYTON_PASSWORD)');
  const timeoutMs = file.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== 'number' || timeoutMs <= 0)
    problems.push('timeoutMs must be a positive number');
  if (problems.length > 0) {
    throw new Error(`Tryton connector configuration ${path}: ${problems.join('; ')}.`);
  }
  return {
    url: file.url as string,
    database: file.database as string,
    login: file.login as string,
    password: password as string,
    crosswalkFile: resolve(base, file.crosswalkFile as string),
    timeoutMs: timeoutMs as number,
    defaults: {
      paymentTerm: text(file.defaults?.paymentTerm) ? file.defaults.paymentTerm : 'NET30',
      journal: text(file.defaults?.journal) ? file.defaults.journal : 'MISC',
    },
  };
};
