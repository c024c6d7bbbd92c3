/**
 * The ErpConnector conformance suite, run by the REST connector with the Business Central
 * profile against the cloud-ERP sandbox in a process of its own (counted in the sandbox).
 */
import { RestConnector } from '../../../src/adapters/connectors/rest/connector.js';
import { countInSandbox, startSandboxProcess } from '../../sandbox/cloudErpProcess.js';
import { erpConnectorConformance } from '../conformance.js';

erpConnectorConformance('REST connector, Business Central profile, cloud-ERP sandbox', async () => {
  const sandbox = await startSandboxProcess();
  const config = sandbox.connectorConfig();
  const connector = new RestConnector(config);
  return {
    connector,
    unreachable: () =>
      new RestConnector({
        ...config,
        baseUrl: 'http://127.0.0.1:9/api/v2.0',
        tokenUrl: 'http://127.0.0.1:9/oauth2/token',
        timeoutMs: 2000,
      }),
    count: async (delivery) => countInSandbox(await sandbox.inspect(), delivery),
    teardown: async () => {
      await connector.close();
      await sandbox.stop();
    },
  };
});
