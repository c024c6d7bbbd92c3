#!/usr/bin/env node
/**
 * The `coexist` command: start the gateway and administer it. Output is for people; errors
 * print one clear line and exit non-zero.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config/config.js';
import { consumersCommand } from './consumers.js';
import { divergencesCommand } from './divergences.js';
import { dlqCommand } from './dlq.js';
import { freezesCommand } from './freezes.js';
import { CliError } from './gateway.js';
import { keysCommand } from './keys.js';
import { configFrom, withStoreOptions } from './options.js';
import { projectionsCommand } from './projections.js';
import { rulesCommand } from './rules.js';
import { sandboxCommand } from './sandbox.js';
import { tolerancesCommand } from './tolerances.js';

const integer = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError(`${name} must be a whole number.`);
  return parsed;
};

const program = new Command()
  .name('coexist')
  .description(
    'Coexist: one stable API in front of a legacy and a cloud ERP during a phased cutover.',
  )
  .showHelpAfterError();

withStoreOptions(program.command('start').description('start the gateway'))
  .addOption(
    new Option('-p, --port <port>', 'port to listen on (env PORT)').argParser(integer('port')),
  )
  .option('--host <host>', 'address to listen on (env HOST; default 127.0.0.1)')
  .action(async (options) => {
    // Loaded here so administrative commands do not load (and compile) the whole gateway.
    const { startGateway } = await import('../main.js');
    const gateway = await startGateway(configFrom(options));
    const stop = (signal: string) => {
      console.log(`${signal}: closing (in-flight requests finish first)…`);
      gateway.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Error while closing:', error);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });

program.addCommand(keysCommand());
program.addCommand(rulesCommand());
program.addCommand(freezesCommand());
program.addCommand(consumersCommand());
program.addCommand(dlqCommand());
program.addCommand(divergencesCommand());
program.addCommand(projectionsCommand());
program.addCommand(sandboxCommand());
program.addCommand(tolerancesCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CliError) console.error(error.message);
  else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error(`Cannot listen: ${error.message}. Choose another port with --port or PORT.`);
  } else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
