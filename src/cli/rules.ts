/**
 * `coexist rules validate|diff|simulate|publish FILE` and `coexist rules migrate`: an
 * architect's workflow. `validate` works offline (the schema ships with the CLI); the others
 * talk to a running gateway over HTTP, local or remote, with an architect's API key.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { createAjv, loadContracts } from '../http/contracts.js';
import type { RuleSet, RuleSetViolation } from '../routing/ruleSet.js';
import type { SimulationReport } from '../routing/simulation.js';
import { createRuleSetValidator, parseRuleSetText } from '../routing/validate.js';
import { CliError, type GatewayOptions, gatewayOptions, request, requestJson } from './gateway.js';
import { migrateCommand } from './migrate.js';
import { type PublishedVersion, printDiff, printSimulation } from './rulesOutput.js';

const printViolations = (file: string, violations: RuleSetViolation[]) => {
  console.error(`${file}: ${violations.length} problem(s)`);
  for (const v of violations) console.error(`  ${v.pointer || '/'}  ${v.message}`);
};

/** Reads, parses and validates a rule-set file; exits with the problems if it is invalid. */
const loadRuleSet = (file: string): RuleSet => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`Cannot read ${file}.`);
  }
  const parsed = parseRuleSetText(text);
  const checked = parsed.ok
    ? createRuleSetValidator(createAjv(loadContracts().values()))(parsed.data)
    : parsed;
  if (!checked.ok) {
    printViolations(file, checked.violations);
    throw new CliError(`${file} is not a valid rule set.`);
  }
  return checked.ruleSet;
};

export const rulesCommand = (): Command => {
  const rules = new Command('rules').description(
    'validate, compare, simulate and publish routing rule sets',
  );

  rules
    .command('validate')
    .description('check a rule-set file against the schema and the semantic rules (offline)')
    .argument('<file>')
    .action((file: string) => {
      const ruleSet = loadRuleSet(file);
      console.log(`${file}: valid — "${ruleSet.name}", ${ruleSet.rules.length} rule(s).`);
    });

  gatewayOptions(
    rules.command('diff').description('what the file changes against the rule set in force now'),
    'architect',
  )
    .argument('<file>')
    .action(async (file: string, options: GatewayOptions) => {
      const ruleSet = loadRuleSet(file);
      const diff = await requestJson<Parameters<typeof printDiff>[0]>(
        options,
        'POST',
        '/v1/admin/routing-rules/diff',
        { ruleSet },
      );
      // A version published to take effect later is not what the diff compares with: say so.
      const { versions } = await requestJson<{ versions: PublishedVersion[] }>(
        options,
        'GET',
        '/v1/admin/routing-rules/versions',
      );
      const pending = versions.filter((v) => v.version > diff.againstVersion);
      if (options.json) console.log(JSON.stringify({ ...diff, pending }, null, 2));
      else printDiff(diff, pending);
    });

  gatewayOptions(
    rules.command('simulate').description('replay recorded documents against the file'),
    'architect',
  )
    .argument('<file>')
    .option('--since <date>', 'only documents created since (ISO 8601)')
    .action(async (file: string, options: GatewayOptions & { since?: string }) => {
      if (options.since && Number.isNaN(Date.parse(options.since))) {
        throw new CliError(`--since must be an ISO 8601 date, not "${options.since}".`);
      }
      const body = {
        ruleSet: loadRuleSet(file),
        ...(options.since ? { since: new Date(options.since).toISOString() } : {}),
      };
      const response = await request(options, 'POST', '/v1/admin/routing-rules/simulations', body);
      let report: SimulationReport | null = null;
      let buffer = '';
      const interactive = process.stderr.isTTY;
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = JSON.parse(buffer.slice(0, newline)) as { type: string } & Record<
            string,
            unknown
          >;
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
          if (line.type === 'progress') {
            const text = `replaying history: ${line.events} events, ${line.documents} documents`;
            if (interactive) process.stderr.write(`\r${text}`);
            else console.error(text);
          } else if (line.type === 'report') report = line as unknown as SimulationReport;
          else if (line.type === 'error') throw new CliError(String(line.detail));
        }
      }
      if (interactive) process.stderr.write('\n');
      if (!report) throw new CliError('The gateway ended the simulation without a report.');
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else printSimulation(report);
    });

  gatewayOptions(
    rules.command('publish').description('publish the file as the next rule-set version'),
    'architect',
  )
    .argument('<file>')
    .requiredOption('--reason <text>', 'why (recorded with the version for auditors)')
    .option('--expected-version <n>', 'fail if the published version is no longer n', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number.');
      return n;
    })
    .action(
      async (
        file: string,
        options: GatewayOptions & { reason: string; expectedVersion?: number },
      ) => {
        const body = {
          ruleSet: loadRuleSet(file),
          reason: options.reason,
          ...(options.expectedVersion === undefined
            ? {}
            : { expectedVersion: options.expectedVersion }),
        };
        const result = await requestJson<{
          published: boolean;
          version: number;
          effectiveFrom: string;
        }>(options, 'POST', '/v1/admin/routing-rules', body);
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else if (result.published) {
          console.log(
            Date.parse(result.effectiveFrom) > Date.now()
              ? `Published as version ${result.version}; it takes effect at ${result.effectiveFrom} (until then the version in force stays).`
              : `Published as version ${result.version}, in force from ${result.effectiveFrom}: new documents are routed by it.`,
          );
        } else console.log(`Unchanged: version ${result.version} already holds this rule set.`);
      },
    );

  rules.addCommand(migrateCommand());

  return rules;
};
