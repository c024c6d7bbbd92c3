/**
 * `coexist sandbox cloud-erp`: the cloud-ERP sandbox as a process of its own, for tests and
 * demos. A test peer that behaves as the Business Central profile describes; never an ERP.
 */
import { Command, InvalidArgumentError } from 'commander';
import { writeSandboxConnectorFile } from '../sandbox/cloudErp/connectorConfig.js';
import { parseFaultsFlag } from '../sandbox/cloudErp/faults.js';
import { sandboxClient, startCloudErpSandbox } from '../sandbox/cloudErp/server.js';
import { CliError } from './gateway.js';

const port = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError('port must be a whole number from 0 to 65535.');
  }
  return parsed;
};

export const sandboxCommand = () => {
  const command = new Command('sandbox').description(
    'test peers for tests and demos (never in production)',
  );
  command
    .command('cloud-erp')
    .description(
      'a cloud-ERP sandbox behaving as the Business Central API v2.0 profile describes (in memory)',
    )
    .option('-p, --port <port>', 'port to listen on (0: any free one)', port, 18100)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--faults <list>',
      'e.g. errorRate=0.3,latency=5-50,quota=50/10s,concurrency=5,outage=+5s/10s,taxRounding=down,taxSkew=0.01,tokenTtl=60',
      '',
    )
    .option('--connector-file <file>', 'write a REST connector file pointing at this sandbox')
    .action(
      async (options: { port: number; host: string; faults: string; connectorFile?: string }) => {
        let faults: Record<string, unknown>;
        try {
          faults = parseFaultsFlag(options.faults);
        } catch (error) {
          throw new CliError(`--faults: ${(error as Error).message}`);
        }
        const sandbox = await startCloudErpSandbox({
          host: options.host,
          port: options.port,
          faults,
        }).catch((error: Error) => {
          throw new CliError(error.message);
        });
        if (options.connectorFile) writeSandboxConnectorFile(options.connectorFile, sandbox);
        const { quota } = sandbox.faults();
        console.log('Coexist cloud-ERP SANDBOX: a test peer, not an ERP (everything in memory)');
        console.log(`  listening on ${sandbox.url}`);
        console.log(`  API:      ${sandbox.apiUrl}   (Business Central API v2.0 profile)`);
        console.log(
          `  token:    ${sandbox.tokenUrl}   (client ${sandboxClient.clientId} / ${sandboxClient.clientSecret})`,
        );
        console.log(
          `  inspect:  ${sandbox.url}/sandbox/inspect   faults: ${sandbox.url}/sandbox/admin/faults`,
        );
        console.log(
          `  quota:    ${quota.requests} requests per ${quota.windowMs / 1000} s, ${quota.concurrency} at once${options.faults ? `; faults: ${options.faults}` : ''}`,
        );
        if (options.connectorFile) {
          console.log(`  connector file: ${options.connectorFile} (COEXIST_CLOUD_ERP_CONFIG)`);
        }
        const stop = () => {
          sandbox.close().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      },
    );
  return command;
};
