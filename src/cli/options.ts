/** Options shared by the commands that open the gateway's configuration and stores. */
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';

/** Options every command that opens the gateway's stores accepts. */
export const withStoreOptions = (command: Command): Command =>
  command
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('-d, --data-dir <dir>', 'data folder of the embedded store (env COEXIST_DATA_DIR)');

export const configFrom = (options: {
  config?: string;
  dataDir?: string;
  port?: number;
  host?: string;
}) =>
  loadConfig({
    file: options.config,
    env: process.env,
    flags: { dataDir: options.dataDir, port: options.port, host: options.host },
  });
