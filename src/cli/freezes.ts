/**
 * `coexist freezes list|create|lift`: cutover freezes over the gateway's admin API, as
 * `rules publish` does (an architect's key to create and lift; an operator's or auditor's
 * key is enough to list).
 */
import { Command } from 'commander';
import type { Freeze } from '../routing/freezes.js';
import { parseCodes, parseDocumentTypes } from './arguments.js';
import { CliError, type GatewayOptions, gatewayOptions, requestJson } from './gateway.js';
import { table } from './table.js';

type ListedFreeze = Freeze & { active: boolean };

const instant = (name: string) => (value: string) => {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new CliError(`${name} must be an ISO 8601 instant, not "${value}".`);
  return at.toISOString();
};

const scopeText = (freeze: Freeze): string =>
  Object.entries(freeze.scope)
    .map(([name, values]) => `${name}=${(values as string[]).join(',')}`)
    .join(' ');

const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');

const status = (freeze: ListedFreeze): string => {
  if (freeze.lifted) return `lifted ${minute(freeze.lifted.at)}`;
  if (freeze.active) return 'active';
  return Date.parse(freeze.from) > Date.now() ? 'scheduled' : 'ended';
};

export const freezesCommand = (): Command => {
  const freezes = new Command('freezes').description(
    'freeze a scope for a cutover window: its new commands get 423 until the window ends',
  );

  gatewayOptions(
    freezes.command('list').description('freezes in force or scheduled (--all: past ones too)'),
    'architect, operator or auditor',
  )
    .option('--all', 'include lifted and ended freezes')
    .action(async (options: GatewayOptions & { all?: boolean }) => {
      const { freezes: listed } = await requestJson<{ freezes: ListedFreeze[] }>(
        options,
        'GET',
        '/v1/admin/freezes',
      );
      const shown = options.all
        ? listed
        : listed.filter((f) => !f.lifted && Date.parse(f.until) > Date.now());
      if (options.json) console.log(JSON.stringify(shown, null, 2));
      else if (!shown.length) {
        console.log(
          listed.length ? 'No freeze in force or scheduled (past ones: --all).' : 'No freezes.',
        );
      } else {
        console.log(
          table(
            ['freeze id', 'scope', 'from', 'until', 'status', 'reason'],
            shown.map((f) => [
              f.freezeId,
              scopeText(f),
              minute(f.from),
              minute(f.until),
              status(f),
              f.reason,
            ]),
          ),
        );
      }
    });

  gatewayOptions(
    freezes
      .command('create')
      .description('freeze a scope (at least one of companies, sites, types)'),
    'architect',
  )
    .option('--companies <list>', 'companies to freeze', parseCodes('companies'))
    .option('--sites <list>', 'sites to freeze', parseCodes('sites'))
    .option(
      '--types <types>',
      'document types to freeze (e.g. purchase-orders)',
      parseDocumentTypes,
    )
    .option('--from <instant>', 'start of the window (ISO 8601; default: now)')
    .requiredOption('--until <instant>', 'end of the window (ISO 8601)')
    .requiredOption('--reason <text>', 'why (told to refused clients, recorded for auditors)')
    .action(
      async (
        options: GatewayOptions & {
          companies?: string[];
          sites?: string[];
          types?: string[];
          from?: string;
          until: string;
          reason: string;
        },
      ) => {
        const scope = {
          ...(options.companies ? { companies: options.companies } : {}),
          ...(options.sites ? { sites: options.sites } : {}),
          ...(options.types ? { documentTypes: options.types } : {}),
        };
        if (!Object.keys(scope).length) {
          throw new CliError('Name what to freeze: --companies, --sites and/or --types.');
        }
        const freeze = await requestJson<Freeze>(options, 'POST', '/v1/admin/freezes', {
          scope,
          ...(options.from ? { from: instant('--from')(options.from) } : {}),
          until: instant('--until')(options.until),
          reason: options.reason,
        });
        if (options.json) console.log(JSON.stringify(freeze, null, 2));
        else {
          console.log(
            `Frozen: ${scopeText(freeze)} from ${freeze.from} until ${freeze.until} (freeze id ${freeze.freezeId}).`,
          );
        }
      },
    );

  gatewayOptions(
    freezes.command('lift').description('lift a freeze before its window ends'),
    'architect',
  )
    .argument('<freezeId>', 'the freeze id shown by "freezes list"')
    .requiredOption('--reason <text>', 'why (recorded for auditors)')
    .action(async (freezeId: string, options: GatewayOptions & { reason: string }) => {
      const freeze = await requestJson<Freeze>(
        options,
        'POST',
        `/v1/admin/freezes/${encodeURIComponent(freezeId)}/lift`,
        { reason: options.reason },
      );
      if (options.json) console.log(JSON.stringify(freeze, null, 2));
      else
        console.log(
          `Freeze ${freeze.freezeId} lifted: ${scopeText(freeze)} accepts commands again.`,
        );
    });

  return freezes;
};
