/**
 * `coexist tolerances show|set`: three-way-match tolerances over the gateway's admin API (an
 * operator's or architect's key to set; an auditor's is enough to show). `set` starts from the
 * tolerances in force for the scope and changes only the limits named, so every version
 * recorded is complete.
 */
import { Command } from 'commander';
import type { AppliedTolerances, Limits, Tolerances } from '../domain/matching/tolerances.js';
import type { RecordedToleranceSetting } from '../matching/tolerances.js';
import { CliError, type GatewayOptions, gatewayOptions, requestJson } from './gateway.js';
import { table } from './table.js';

interface Shown {
  default: Tolerances;
  inForce?: AppliedTolerances;
  settings: RecordedToleranceSetting[];
}

const limitPattern = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$/;
/** A limit from the command line: a non-negative decimal, or `none` for no limit. */
const limit = (name: string) => (value: string) => {
  if (value === 'none') return null;
  if (!limitPattern.test(value)) {
    throw new CliError(`${name} must be a non-negative decimal (such as 2 or 0.05) or "none".`);
  }
  return value;
};

const text = (limits: Limits) => `-${limits.lower ?? '∞'} / +${limits.upper ?? '∞'}`;

const rows = (values: Tolerances) => [
  ['price %', text(values.price.percent)],
  ['price per unit', text(values.price.amount)],
  ['quantity %', text(values.quantity.percent)],
];

const query = (company?: string, supplier?: string) => {
  const params = new URLSearchParams();
  if (company) params.set('company', company);
  if (supplier) params.set('supplier', supplier);
  const q = params.toString();
  return `/v1/admin/tolerances${q ? `?${q}` : ''}`;
};

type LimitOptions = {
  priceUpper?: string | null;
  priceLower?: string | null;
  priceAmountUpper?: string | null;
  priceAmountLower?: string | null;
  quantityUpper?: string | null;
  quantityLower?: string | null;
};

const pick = (given: string | null | undefined, current: string | null) =>
  given === undefined ? current : given;

export const tolerancesCommand = (): Command => {
  const tolerances = new Command('tolerances').description(
    'three-way-match tolerances: how far an invoice may stray from its order and receipts before it is held',
  );

  gatewayOptions(
    tolerances
      .command('show')
      .description('the history of settings, and those in force for a company (and supplier)'),
    'operator, architect or auditor',
  )
    .option('--company <code>', 'show what is in force for this company')
    .option('--supplier <code>', 'and this supplier (needs --company)')
    .action(async (options: GatewayOptions & { company?: string; supplier?: string }) => {
      if (options.supplier && !options.company) throw new CliError('--supplier needs --company.');
      const shown = await requestJson<Shown>(
        options,
        'GET',
        query(options.company, options.supplier),
      );
      if (options.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      if (shown.inForce) {
        const { source, version, company, supplier } = shown.inForce;
        const what =
          source === 'default'
            ? 'the built-in default (nothing configured)'
            : `version ${version}, set for ${supplier ? `supplier ${supplier} of ` : ''}${company}`;
        console.log(`In force: ${what}`);
        console.log(table(['limit', 'below / above'], rows(shown.inForce.values)));
        console.log('');
      }
      if (!shown.settings.length) {
        console.log('No tolerances set: the built-in default applies everywhere.');
        console.log(table(['limit', 'below / above'], rows(shown.default)));
        return;
      }
      console.log(
        table(
          ['version', 'company', 'supplier', 'price %', 'price/unit', 'qty %', 'by', 'reason'],
          shown.settings.map((s) => [
            s.version,
            s.company,
            s.supplier ?? '(all)',
            text(s.values.price.percent),
            text(s.values.price.amount),
            text(s.values.quantity.percent),
            s.author,
            s.reason,
          ]),
        ),
      );
    });

  gatewayOptions(
    tolerances
      .command('set')
      .description(
        'record new tolerances for a company or one of its suppliers (limits not named keep their value in force)',
      ),
    'operator or architect',
  )
    .requiredOption('--company <code>', 'company')
    .option('--supplier <code>', 'refine the company’s tolerances for this supplier')
    .option('--price-upper <percent>', 'price above the order’s, percent', limit('--price-upper'))
    .option('--price-lower <percent>', 'price below the order’s, percent', limit('--price-lower'))
    .option(
      '--price-amount-upper <amount>',
      'price above the order’s, per unit',
      limit('--price-amount-upper'),
    )
    .option(
      '--price-amount-lower <amount>',
      'price below the order’s, per unit',
      limit('--price-amount-lower'),
    )
    .option(
      '--quantity-upper <percent>',
      'invoiced above received, percent',
      limit('--quantity-upper'),
    )
    .option(
      '--quantity-lower <percent>',
      'invoiced below received, percent',
      limit('--quantity-lower'),
    )
    .requiredOption('--reason <text>', 'why (recorded for auditors)')
    .action(
      async (
        options: GatewayOptions &
          LimitOptions & { company: string; supplier?: string; reason: string },
      ) => {
        const current = await requestJson<Shown>(
          options,
          'GET',
          query(options.company, options.supplier),
        );
        const base = current.inForce?.values ?? current.default;
        const values: Tolerances = {
          price: {
            percent: {
              lower: pick(options.priceLower, base.price.percent.lower),
              upper: pick(options.priceUpper, base.price.percent.upper),
            },
            amount: {
              lower: pick(options.priceAmountLower, base.price.amount.lower),
              upper: pick(options.priceAmountUpper, base.price.amount.upper),
            },
          },
          quantity: {
            percent: {
              lower: pick(options.quantityLower, base.quantity.percent.lower),
              upper: pick(options.quantityUpper, base.quantity.percent.upper),
            },
          },
        };
        const recorded = await requestJson<RecordedToleranceSetting>(
          options,
          'PUT',
          '/v1/admin/tolerances',
          {
            company: options.company,
            ...(options.supplier ? { supplier: options.supplier } : {}),
            values,
            reason: options.reason,
          },
        );
        if (options.json) console.log(JSON.stringify(recorded, null, 2));
        else {
          console.log(
            `Tolerances version ${recorded.version} recorded for ${recorded.supplier ? `supplier ${recorded.supplier} of ` : ''}${recorded.company}; held invoices of the scope are matched again.`,
          );
          console.log(table(['limit', 'below / above'], rows(recorded.values)));
        }
      },
    );

  return tolerances;
};
