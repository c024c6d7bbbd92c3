/**
 * `coexist rules validate|diff|simulate|publish FILE`: an architect's workflow. `validate`
 * works offline (the schema ships with the CLI); the others talk to a running gateway over
 * HTTP, local or remote, with an architect's API key.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createAjv, loadContracts } from '../http/contracts.js';
import type { RuleSet, RuleSetViolation } from '../routing/ruleSet.js';
import type { SimulationReport } from '../routing/simulation.js';
import { createRuleSetValidator, parseRuleSetText } from '../routing/validate.js';
import { printDiff, printSimulation } from './rulesOutput.js';

export class CliError extends Error {
  override name = 'CliError';
}

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

interface GatewayOptions {
  url: string;
  key?: string;
  json?: boolean;
}

const gatewayOptions = (command: Command): Command =>
  command
    .addOption(
      new Option('--url <url>', 'gateway base URL')
        .env('COEXIST_URL')
        .default('http://127.0.0.1:8080'),
    )
    .addOption(
      new Option('--key <apiKey>', 'API key with the architect role').env('COEXIST_API_KEY'),
    )
    .option('--json', 'print JSON instead of tables');

/** POSTs to the gateway; returns the parsed body, or throws with the problem's detail. */
const call = async (
  options: GatewayOptions,
  path: string,
  body: object,
  expect: number[] = [200, 201],
) => {
  if (!options.key)
    throw new CliError('An API key is needed: --key or COEXIST_API_KEY (architect role).');
  let response: Response;
  try {
    response = await fetch(new URL(path, options.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`Cannot reach the gateway at ${options.url}: ${(error as Error).message}`);
  }
  if (!expect.includes(response.status)) {
    const problem = (await response.json().catch(() => ({}))) as {
      title?: string;
      detail?: string;
      errors?: Array<{ pointer: string; detail: string }>;
    };
    const details = (problem.errors ?? []).map((e) => `\n  ${e.pointer}  ${e.detail}`).join('');
    throw new CliError(
      `${response.status} ${problem.title ?? ''}: ${problem.detail ?? ''}${details}`,
    );
  }
  return response;
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
    rules.command('diff').description('what the file changes against the published rule set'),
  )
    .argument('<file>')
    .action(async (file: string, options: GatewayOptions) => {
      const diff = await (
        await call(options, '/v1/admin/routing-rules/diff', { ruleSet: loadRuleSet(file) })
      ).json();
      if (options.json) console.log(JSON.stringify(diff, null, 2));
      else printDiff(diff as Parameters<typeof printDiff>[0]);
    });

  gatewayOptions(
    rules.command('simulate').description('replay recorded documents against the file'),
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
      const response = await call(options, '/v1/admin/routing-rules/simulations', body);
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
  )
    .argument('<file>')
    .requiredOption('--reason <text>', 'why (recorded with the version for auditors)')
    .option('--expected-version <n>', 'fail if the published version is no longer n', (v) =>
      Number(v),
    )
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
        const result = (await (await call(options, '/v1/admin/routing-rules', body)).json()) as {
          published: boolean;
          version: number;
          effectiveFrom: string;
        };
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else if (result.published) {
          console.log(
            `Published as version ${result.version}, in force from ${result.effectiveFrom}.`,
          );
        } else console.log(`Unchanged: version ${result.version} already holds this rule set.`);
      },
    );

  return rules;
};
