/**
 * `coexist rules migrate`: move the open documents of a scope to another owner through the
 * gateway's admin API (an architect's key). `--dry-run` lists what would move; `--freeze`
 * freezes the scope (orders and the notices, receipts and invoices against them) for the
 * migration and lifts the freeze after it, which is the documented procedure (docs/migration.md).
 * A progress bar on a terminal; `--json` prints the result for scripts.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { MigrationResult } from '../migration/migrate.js';
import { describeScope, type MigrationScope } from '../migration/plan.js';
import type { Freeze } from '../routing/freezes.js';
import type { Target } from '../routing/ruleSet.js';
import { parseCodes, parseDocumentTypes } from './arguments.js';
import { CliError, type GatewayOptions, gatewayOptions, request, requestJson } from './gateway.js';
import { table } from './table.js';

const codeKinds = { company: 'companies', site: 'sites', supplier: 'suppliers' } as const;

/** A document type as the user wrote it: `purchase-order`, `purchase-orders` or `purchaseOrder`. */
const documentTypeNamed = (text: string) => {
  try {
    return parseDocumentTypes(text)[0];
  } catch {
    try {
      return parseDocumentTypes(`${text}s`)[0];
    } catch {
      throw new InvalidArgumentError(
        `unknown document type "${text}"; migrations move purchase orders (documentType=purchase-order).`,
      );
    }
  }
};

/** `company=ACME-EU,documentType=purchase-order[,site=…][,supplier=…]` */
export const parseScope = (value: string): MigrationScope => {
  const scope: Partial<MigrationScope> = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, text] = part.split('=', 2).map((s) => s.trim());
    if (!name || !text) throw new InvalidArgumentError(`"${part}" is not name=value.`);
    // A field named twice would silently keep only the last (moving another company's orders).
    if (name in scope) {
      throw new InvalidArgumentError(
        `"${name}" is given twice; a migration moves one scope (run it once per ${name}).`,
      );
    }
    if (name === 'documentType') {
      const type = documentTypeNamed(text);
      if (type !== 'purchaseOrder') {
        throw new InvalidArgumentError(
          'only purchase orders are migrated (documentType=purchase-order): their notices, receipts and invoices follow them.',
        );
      }
      scope.documentType = type;
    } else if (name === 'company' || name === 'site' || name === 'supplier') {
      const [code] = parseCodes(codeKinds[name])(text);
      scope[name] = code;
    } else
      throw new InvalidArgumentError(
        `unknown scope field "${name}"; use documentType, company, site, supplier.`,
      );
  }
  if (!scope.documentType)
    throw new InvalidArgumentError('name the documentType (purchase-order).');
  return scope as MigrationScope;
};

/** `legacy`, `cloud`, or `dual:<primary>+<shadow>` (e.g. `dual:legacy+cloud`). */
export const parseTarget = (value: string): Target => {
  if (value === 'legacy' || value === 'cloud') return value;
  const dual = /^dual:(legacy|cloud)\+(legacy|cloud)$/.exec(value);
  if (dual && dual[1] !== dual[2]) {
    return {
      dual: { primary: dual[1] as 'legacy' | 'cloud', shadow: dual[2] as 'legacy' | 'cloud' },
    };
  }
  throw new InvalidArgumentError(
    'use legacy, cloud, or dual:<primary>+<shadow> (e.g. dual:legacy+cloud).',
  );
};

const policy = (value: string) => {
  if (value !== 'cancel-remainder' && value !== 'leave') {
    throw new InvalidArgumentError('use cancel-remainder or leave.');
  }
  return value;
};

const minutes = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 24 * 60)
    throw new InvalidArgumentError('1 to 1440 minutes.');
  return n;
};

interface MigrateOptions extends GatewayOptions {
  scope: MigrationScope;
  to: Target;
  reason: string;
  oldOwner: 'cancel-remainder' | 'leave';
  dryRun?: boolean;
  freeze?: boolean;
  freezeMinutes: number;
}

const bar = (done: number, total: number) => {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
};

/** Posts the migration and follows its NDJSON progress; returns the result. */
const run = async (options: MigrateOptions): Promise<MigrationResult> => {
  const response = await request(options, 'POST', '/v1/admin/migrations', {
    scope: options.scope,
    to: options.to,
    reason: options.reason,
    oldOwnerPolicy: options.oldOwner,
    dryRun: options.dryRun === true,
  });
  const interactive = process.stderr.isTTY && !options.json;
  const decoder = new TextDecoder();
  let buffer = '';
  let result: MigrationResult | null = null;
  for await (const chunk of response.body ?? []) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
      buffer = buffer.slice(newline + 1);
      if (line.type === 'progress' && interactive) {
        process.stderr.write(
          line.phase === 'reading'
            ? `\rreading the log: ${line.events} events`
            : `\rmoving ${bar(Number(line.done), Number(line.total))}   `,
        );
      } else if (line.type === 'result') result = line as unknown as MigrationResult;
      else if (line.type === 'error') throw new CliError(String(line.detail));
    }
  }
  if (interactive) process.stderr.write('\n');
  if (!result) throw new CliError('The gateway ended the migration without a result.');
  return result;
};

/** Freezes the scope's orders and the documents against them for the migration's window. */
const freezeScope = async (options: MigrateOptions): Promise<Freeze> => {
  const { company, site } = options.scope;
  return requestJson<Freeze>(options, 'POST', '/v1/admin/freezes', {
    scope: {
      ...(company ? { companies: [company] } : {}),
      ...(site ? { sites: [site] } : {}),
      documentTypes: ['purchaseOrder', 'shipmentNotice', 'goodsReceipt', 'supplierInvoice'],
    },
    until: new Date(Date.now() + options.freezeMinutes * 60_000).toISOString(),
    reason: `Migration to ${typeof options.to === 'string' ? options.to : 'dual'}: ${options.reason}`,
  });
};

const print = (result: MigrationResult) => {
  const scope = describeScope(result.scope);
  const verb = result.dryRun ? 'would move' : 'moved';
  console.log(
    `${result.dryRun ? 'Dry run: ' : ''}${result.moved.length} open purchase order(s) of ${scope} ${verb} to ${result.to}${result.dryRun ? '' : ` (migration ${result.migrationId})`}.`,
  );
  if (result.moved.length) {
    console.log(
      table(
        ['document', 'from', 'to', 'received / ordered per line'],
        result.moved.map((m) => [
          Object.values(m.document.key).join('/'),
          m.from,
          m.to,
          m.carriedOver
            .map((l) => `${l.lineNumber}: ${l.received.value}/${l.ordered.value} ${l.ordered.uom}`)
            .join(', '),
        ]),
      ),
    );
  }
  console.log(
    `${result.alreadyOwned} already owned by ${result.to}; ${result.notOpen} not open (cancelled, closed, or received and invoiced) stay with their owner.`,
  );
  for (const s of result.skipped) {
    console.log(`Not moved: ${Object.values(s.document.key).join('/')}: ${s.reason}.`);
  }
  if (!result.dryRun && result.moved.length) {
    console.log(
      `The dispatcher delivers their current state to ${result.to}; the former owner's copy: ${result.oldOwnerPolicy}.`,
    );
  }
};

export const migrateCommand = (): Command =>
  gatewayOptions(
    new Command('migrate').description(
      'move the open documents of a scope to another owner (re-delivered from their history)',
    ),
    'architect',
  )
    .requiredOption(
      '--scope <scope>',
      'which documents, e.g. company=ACME-EU,documentType=purchase-order (also site=, supplier=)',
      parseScope,
    )
    .requiredOption('--to <owner>', 'legacy, cloud, or dual:<primary>+<shadow>', parseTarget)
    .requiredOption('--reason <text>', 'why (recorded in every moved document)')
    .option(
      '--old-owner <policy>',
      "the former owner's copy: cancel-remainder (its open remainder cancelled there) or leave",
      policy,
      'cancel-remainder',
    )
    .option('--dry-run', 'list what would move; move nothing')
    .option('--freeze', 'freeze the scope during the migration, lift the freeze after it')
    .option('--freeze-minutes <n>', 'longest the freeze may last (default 60)', minutes, 60)
    .action(async (options: MigrateOptions) => {
      const freeze = options.freeze && !options.dryRun ? await freezeScope(options) : null;
      if (freeze && !options.json) {
        console.error(`Froze the scope until ${freeze.until} (freeze ${freeze.freezeId}).`);
      }
      let result: MigrationResult;
      try {
        result = await run(options);
      } finally {
        if (freeze) {
          await requestJson(options, 'POST', `/v1/admin/freezes/${freeze.freezeId}/lift`, {
            reason: 'Migration finished',
          });
          if (!options.json) console.error(`Lifted freeze ${freeze.freezeId}.`);
        }
      }
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else print(result);
    });
