/**
 * `coexist divergences list`: dual-write divergences over the gateway's admin API (an
 * operator's or auditor's key), every page followed up to --limit, as a table or --json.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { DivergencePage, ListedDivergence } from '../divergence/list.js';
import { type DocumentType, documentTypeInfo, documentTypes } from '../domain/documents.js';
import { CliError, type GatewayOptions, gatewayOptions, requestJson } from './gateway.js';
import { table } from './table.js';

const documentType = (value: string): DocumentType => {
  const type = documentTypes.find((t) => t === value || documentTypeInfo[t].collection === value);
  if (!type) {
    throw new InvalidArgumentError(`unknown document type; use: ${documentTypes.join(', ')}.`);
  }
  return type;
};

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive whole number.');
  return n;
};

const differencesText = (d: ListedDivergence) =>
  d.differences
    .map((x) => `${x.path}: ${x.primary ?? '(none)'} ≠ ${x.shadow ?? '(none)'}`)
    .join('; ');

export const divergencesCommand = (): Command => {
  const divergences = new Command('divergences').description(
    'dual-write divergences: where the shadow ERP answered differently from the primary',
  );
  gatewayOptions(
    divergences
      .command('list')
      .description('divergences, oldest first, with their field-level diff'),
    'operator or auditor',
  )
    .option('--target <target>', "the primary's or the shadow's target (e.g. cloud)")
    .option('--type <documentType>', 'document type (e.g. purchase-orders)', documentType)
    .option('--since <instant>', 'compared at or after (ISO 8601)')
    .option('--limit <n>', 'at most this many (default 1000)', positive, 1000)
    .action(
      async (
        options: GatewayOptions & { target?: string; type?: string; since?: string; limit: number },
      ) => {
        if (options.since && Number.isNaN(Date.parse(options.since))) {
          throw new CliError(`--since must be an ISO 8601 instant, not "${options.since}".`);
        }
        const found: ListedDivergence[] = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({
            limit: String(Math.min(1000, options.limit - found.length)),
            ...(options.target ? { target: options.target } : {}),
            ...(options.type ? { documentType: options.type } : {}),
            ...(options.since ? { since: new Date(options.since).toISOString() } : {}),
            ...(cursor ? { cursor } : {}),
          });
          const page: DivergencePage = await requestJson<DivergencePage>(
            options,
            'GET',
            `/v1/admin/divergences?${query}`,
          );
          found.push(...page.divergences);
          cursor = page.nextCursor;
        } while (cursor && found.length < options.limit);
        if (options.json) {
          console.log(JSON.stringify(found, null, 2));
          return;
        }
        if (found.length === 0) {
          console.log('No divergences.');
          return;
        }
        console.log(
          table(
            ['compared at', 'document', 'primary', 'shadow', 'differences'],
            found.map((d) => [
              d.comparedAt.slice(0, 19).replace('T', ' '),
              `${d.documentType} ${Object.values(d.documentKey).join('/')}`,
              `${d.primary.target} ${d.primary.outcome}`,
              `${d.shadow.target} ${d.shadow.outcome}`,
              differencesText(d),
            ]),
          ),
        );
        if (cursor) console.log(`More than ${options.limit}: raise --limit to see the rest.`);
      },
    );
  return divergences;
};
