/**
 * `coexist tolerances show|set`: three-way-match tolerances over the gateway's admin API (an
 * operator's or architect's key to set; an auditor's is enough to show). `set` starts from the
 * tolerances in force for the scope and changes only the limits named, so every version
 * recorded is complete.
 */
import { Command } from 'commander';
import type { AppliedTolerances, Limits, Tolerances } from '../domain/matching/tolerances.js';
import type { RecordedToleranceSetting, ToleranceSetOutcome } from '../matching/tolerances.js';
import { CliError, type GatewayOptions, gatewayOptions, requestJson } from './gateway.js';
import { table } from './table.js';

interface Shown {
  default: Tolerances;
  inForce?: AppliedTolerances;
  settings: RecordedToleranceSetting[];
}

const limitPattern = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$/;

/** The limit options of `set`: each sets one limit of `values`. */
const limitOptions = [
  { flag: '--price-upper', key: 'priceUpper', arg: 'percent', what: 'price above the order’s' },
  { flag: '--price-lower', key: 'priceLower', arg: 'percent', what: 'price below the order’s' },
  {
    flag: '--price-amount-upper',
    key: 'priceAmountUpper',
    arg: 'amount',
    what: 'price above the order’s, per unit',
  },
  {
    flag: '--price-amount-lower',
    key: 'priceAmountLower',
    arg: 'amount',
    what: 'price below the order’s, per unit',
  },
  {
    flag: '--quantity-upper',
    key: 'quantityUpper',
    arg: 'percent',
    what: 'invoiced above received',
  },
  {
    flag: '--quantity-lower',
    key: 'quantityLower',
    arg: 'percent',
    what: 'invoiced below received',
  },
] as const;

type LimitKey = (typeof limitOptions)[number]['key'];
type LimitOptions = Partial<Record<LimitKey, string>>;

/**
 * The limits named on the command line: a non-negative decimal, or `none` for no limit
 * (null). Refuses setting nothing, and names every bad value at once.
 */
const givenLimits = (options: LimitOptions): Partial<Record<LimitKey, string | null>> => {
  const named = limitOptions.filter(({ key }) => options[key] !== undefined);
  if (named.length === 0) {
    throw new CliError(
      `Name at least one limit to set: ${limitOptions.map(({ flag }) => flag).join(', ')} (a value, or "none" for no limit).`,
    );
  }
  const bad = named.filter(({ key }) => {
    const value = options[key] as string;
    return value !== 'none' && !limitPattern.test(value);
  });
  if (bad.length > 0) {
    throw new CliError(
      bad
        .map(
          ({ flag, key }) =>
            `${flag} must be a non-negative decimal (such as 2 or 0.05) or "none", not "${options[key]}".`,
        )
        .join('\n'),
    );
  }
  return Object.fromEntries(
    named.map(({ key }) => [key, options[key] === 'none' ? null : (options[key] as string)]),
  );
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

  const set = gatewayOptions(
    tolerances
      .command('set')
      .description(
        'record new tolerances for a company or one of its suppliers (limits not named keep their value in force)',
      ),
    'operator or architect',
  )
    .requiredOption('--company <code>', 'company')
    .option('--supplier <code>', 'refine the company’s tolerances for this supplier');
  for (const { flag, arg, what } of limitOptions) {
    const unit = arg === 'percent' ? ', percent' : '';
    set.option(`${flag} <${arg}>`, `${what}${unit} ("none": no limit)`);
  }
  set
    .requiredOption('--reason <text>', 'why (recorded for auditors)')
    .action(
      async (
        options: GatewayOptions &
          LimitOptions & { company: string; supplier?: string; reason: string },
      ) => {
        const given = givenLimits(options);
        const current = await requestJson<Shown>(
          options,
          'GET',
          query(options.company, options.supplier),
        );
        const base = current.inForce?.values ?? current.default;
        const values: Tolerances = {
          price: {
            percent: {
              lower: pick(given.priceLower, base.price.percent.lower),
              upper: pick(given.priceUpper, base.price.percent.upper),
            },
            amount: {
              lower: pick(given.priceAmountLower, base.price.amount.lower),
              upper: pick(given.priceAmountUpper, base.price.amount.upper),
            },
          },
          quantity: {
            percent: {
              lower: pick(given.quantityLower, base.quantity.percent.lower),
              upper: pick(given.quantityUpper, base.quantity.percent.upper),
            },
          },
        };
        const recorded = await requestJson<ToleranceSetOutcome>(
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
        const scope = `${recorded.supplier ? `supplier ${recorded.supplier} of ` : ''}${recorded.company}`;
        if (options.json) console.log(JSON.stringify(recorded, null, 2));
        else if (!recorded.recorded) {
          console.log(
            `Unchanged: version ${recorded.version} already sets these tolerances for ${scope} (by ${recorded.author}: ${recorded.reason}); nothing recorded.`,
          );
        } else {
          console.log(
            `Tolerances version ${recorded.version} recorded for ${scope}; held invoices of the scope are matched again.`,
          );
          console.log(table(['limit', 'below / above'], rows(recorded.values)));
        }
      },
    );

  return tolerances;
};
