/**
 * The REST connector's configuration for a running sandbox: the shipped Business Central
 * profile, the sandbox's crosswalk, and its published test credentials. `npm start` uses it
 * for the in-process sandbox; `coexist sandbox cloud-erp --connector-file F` writes it to F for
 * a gateway in another process (`COEXIST_CLOUD_ERP_CONFIG=F`).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RestConnectorConfig } from '../../adapters/connectors/rest/config.js';
import { sandboxClient } from './server.js';

/** erp-profiles/ beside src/ (and beside dist/src/ in a build, which copies it). */
export const businessCentralProfileDir = fileURLToPath(
  new URL('../../../erp-profiles/business-central/', import.meta.url),
);
export const sandboxCrosswalkFile = fileURLToPath(
  new URL('../../../erp-profiles/business-central/crosswalk.sandbox.json', import.meta.url),
);

export const sandboxConnectorConfig = (
  sandbox: { apiUrl: string; tokenUrl: string },
  target = 'cloud',
): RestConnectorConfig => ({
  target,
  profileDir: businessCentralProfileDir,
  baseUrl: sandbox.apiUrl,
  tokenUrl: sandbox.tokenUrl,
  clientId: sandboxClient.clientId,
  clientSecret: sandboxClient.clientSecret,
  crosswalkFile: sandboxCrosswalkFile,
  timeoutMs: 10_000,
});

/** Writes a connector file (the format `loadRestConnectorConfig` reads) for this sandbox. */
export const writeSandboxConnectorFile = (
  file: string,
  sandbox: { apiUrl: string; tokenUrl: string },
) => {
  const { profileDir, ...config } = sandboxConnectorConfig(sandbox);
  writeFileSync(file, `${JSON.stringify({ ...config, profile: profileDir }, null, 2)}\n`);
};
