/**
 * The newcomer's path: `npm start` without a cloud ERP configured starts the cloud-ERP sandbox
 * in the gateway's process, on loopback, and the REST connector delivers `cloud` documents to
 * it, so the phase-1 rules show cloud-owned documents arriving somewhere real. Never in
 * production mode, never when `COEXIST_CLOUD_ERP_CONFIG` names a cloud ERP, and not when
 * `COEXIST_CLOUD_ERP_SANDBOX=off`.
 */
import type { RestConnectorConfig } from '../../adapters/connectors/rest/config.js';
import { sandboxConnectorConfig } from './connectorConfig.js';
import { startCloudErpSandbox } from './server.js';

export interface NewcomerSandbox {
  url: string;
  connector: RestConnectorConfig;
  close(): Promise<void>;
}

export const startNewcomerSandbox = async (
  mode: 'development' | 'production',
  env: NodeJS.ProcessEnv,
): Promise<NewcomerSandbox | null> => {
  if (mode === 'production' || env.COEXIST_CLOUD_ERP_CONFIG) return null;
  if (env.COEXIST_CLOUD_ERP_SANDBOX === 'off') return null;
  const sandbox = await startCloudErpSandbox({ host: '127.0.0.1', port: 0 });
  return { url: sandbox.url, connector: sandboxConnectorConfig(sandbox), close: sandbox.close };
};
