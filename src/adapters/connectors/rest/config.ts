/**
 * The REST connector's file (`COEXIST_CLOUD_ERP_CONFIG`, JSON or YAML): which vendor profile,
 * where the tenant's API and token endpoint are, the client's credentials and the crosswalk.
 * Paths are relative to the file. The secret comes from `COEXIST_CLOUD_ERP_CLIENT_SECRET`,
 * else `clientSecretFile`, else `clientSecret`: the environment wins so a shipped file never
 * needs to hold one.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface RestConnectorConfig {
  /** The routing target this connector delivers to. */
  target: string;
  /** Folder holding `profile.yaml`, e.g. erp-profiles/business-central. */
  profileDir: string;
  /** e.g. `https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0` */
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Overrides the profile's scope. */
  scope?: string;
  crosswalkFile: string;
  /** Per HTTP request. */
  timeoutMs: number;
}

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

export const loadRestConnectorConfig = (
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): RestConnectorConfig => {
  const raw = readFileSync(path, 'utf8');
  const file = (path.endsWith('.json') ? JSON.parse(raw) : parseYaml(raw)) as Record<
    string,
    unknown
  >;
  const base = dirname(resolve(path));
  const problems: string[] = [];
  for (const field of ['profile', 'baseUrl', 'tokenUrl', 'clientId', 'crosswalkFile']) {
    if (!text(file[field])) problems.push(`${field} must be a non-empty string`);
  }
  let secret = env.COEXIST_CLOUD_ERP_CLIENT_SECRET;
  if (!secret && text(file.clientSecretFile)) {
    secret = readFileSync(resolve(base, file.clientSecretFile), 'utf8').trim();
  }
  if (!secret && text(file.clientSecret)) secret = file.clientSecret;
  if (!secret) {
    problems.push(
      'a client secret is needed (clientSecret, clientSecretFile or COEXIST_CLOUD_ERP_CLIENT_SECRET)',
    );
  }
  const timeoutMs = file.timeoutMs ?? 30_000;
  if (typeof timeoutMs !== 'number' || timeoutMs <= 0) {
    problems.push('timeoutMs must be a positive number');
  }
  if (file.target !== undefined && !text(file.target)) problems.push('target must be a string');
  if (problems.length > 0) {
    throw new Error(`Cloud ERP connector configuration ${path}: ${problems.join('; ')}.`);
  }
  return {
    target: text(file.target) ? file.target : 'cloud',
    profileDir: resolve(base, file.profile as string),
    baseUrl: file.baseUrl as string,
    tokenUrl: file.tokenUrl as string,
    clientId: file.clientId as string,
    clientSecret: secret as string,
    ...(text(file.scope) ? { scope: file.scope } : {}),
    crosswalkFile: resolve(base, file.crosswalkFile as string),
    timeoutMs: timeoutMs as number,
  };
};
