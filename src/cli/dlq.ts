/**
 * `coexist dlq list|show|replay|resolve|skip`: dead letters (and the rest of the delivery backlog) read
 * from the gateway's event store, and replays written to it; a running dispatcher picks a
 * replay up from the log. `--json` prints machine-readable output.
 */

import { Command, InvalidArgumentError, Option } from 'commander';
import { type ReplaySelection, replayDeliveries } from '../delivery/operations.js';
import { type DeliveryState, deliveryStates } from '../delivery/records.js';
import {
  type ResolutionOutcome,
  ResolutionRefused,
  resolveDelivery,
} from '../delivery/resolutions.js';
import { type DeliveryStatus, DeliveryView } from '../delivery/view.js';
import { type DocumentType, documentTypeInfo, documentTypes } from '../domain/documents.js';
import type { EventStore } from '../ports/eventStore.js';
import { openEventStore } from '../stores.js';
import { cliActor } from './actor.js';
import { CliError } from './gateway.js';
import { configFrom, withStoreOptions } from './options.js';
import { oneLine, table } from './table.js';

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive whole number.');
  return n;
};

const documentType = (value: string): DocumentType => {
  const type = documentTypes.find((t) => t === value || documentTypeInfo[t].collection === value);
  if (!type) {
    throw new InvalidArgumentError(`unknown document type; use: ${documentTypes.join(', ')}.`);
  }
  return type;
};

/**
 * The backlog (from the dispatcher's snapshot on), or with `history` every delivery ever made
 * (one read of every delivery event: `show` of a delivery finished long ago).
 */
const withView = async <T>(
  options: object,
  work: (store: EventStore, view: DeliveryView) => Promise<T>,
  history = false,
): Promise<T> => {
  const store = await openEventStore(configFrom(options), { existing: true });
  try {
    const view = new DeliveryView(history ? {} : { retain: 'unfinished' });
    await view.refresh(store);
    return await work(store, view);
  } finally {
    await store.close();
  }
};

const print = (json: boolean, value: unknown, text: () => void) => {
  if (json) console.log(JSON.stringify(value, null, 2));
  else text();
};

/** Longest "last error" a table row shows; `dlq show` and `--json` carry the whole text. */
const errorWidth = 100;

/** How long ago, in the largest whole unit: 42s, 7m, 3h, 2d. */
const age = (since: string, now = Date.now()) => {
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
};

/** The state, with why a dead letter was given up on (permanent error, attempts used up). */
const stateText = (d: DeliveryStatus) =>
  d.deadLetter ? `${d.state} (${d.deadLetter.reason})` : d.state;

/** The ERP's own words when it answered, else why the delivery is not moving. */
const lastErrorText = (d: DeliveryStatus) => {
  const error = d.deadLetter ?? d.lastError;
  if (error) return `${error.code}: ${error.message}`;
  return d.hold?.reason ?? d.waitingFor?.reason ?? '';
};

const listTable = (found: DeliveryStatus[]) =>
  table(
    ['id', 'document', 'target', 'state', 'attempts', 'age', 'last error'],
    found.map((d) => [
      d.id,
      `${d.documentType} ${Object.values(d.documentKey).join('/')}`,
      d.role === 'shadow' ? `${d.target} (shadow)` : d.target,
      stateText(d),
      d.attempts,
      age(d.requestedAt),
      oneLine(lastErrorText(d), errorWidth),
    ]),
  );

/** A mistyped target would match nothing, and a replay of it would quietly replay nothing. */
const filterOptions = (command: Command) =>
  command
    .addOption(
      new Option('--target <target>', 'only deliveries to this target').choices([
        'legacy',
        'cloud',
      ]),
    )
    .option('--type <documentType>', 'only this document type', documentType);

export const dlqCommand = (): Command => {
  const dlq = new Command('dlq').description(
    'dead letters of delivery to the ERPs: list, show, replay, resolve, skip',
  );

  filterOptions(withStoreOptions(dlq.command('list').description('list dead letters (or --state)')))
    .addOption(
      new Option('--state <state>', 'deliveries in this state')
        .choices([...deliveryStates])
        .default('dead-lettered'),
    )
    .option('--json', 'print JSON')
    .action(async (options) => {
      const found = await withView(
        options,
        async (_store, view) =>
          view.list({
            state: options.state as DeliveryState,
            ...(options.target ? { target: options.target } : {}),
            ...(options.type ? { documentType: options.type } : {}),
          }),
        options.state === 'delivered', // the backlog view holds no history
      );
      print(options.json, found, () => {
        if (found.length === 0) {
          console.log(`No ${options.state} deliveries.`);
          return;
        }
        console.log(listTable(found));
        console.log('\nThe whole error and every attempt: coexist dlq show <id> (or --json).');
      });
    });

  withStoreOptions(dlq.command('show').description('one delivery with every attempt'))
    .argument('<id>', 'delivery id, as "dlq list" shows it')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => {
      const show = async (store: EventStore, view: DeliveryView) => {
        const hit = await view.lookUp(store, id);
        return (
          hit && {
            ...view.statusOf(hit.delivery, hit.stream),
            attempts: hit.delivery.attempts,
            replays: hit.delivery.replays,
          }
        );
      };
      const shown = (await withView(options, show)) ?? (await withView(options, show, true));
      if (!shown) throw new CliError(`No delivery ${id}.`);
      print(options.json, shown, () => {
        console.log(`${shown.id}: ${shown.state} (${shown.target}, ${shown.role})`);
        console.log(`  document: ${shown.documentStream}, command ${shown.command.type}`);
        if (shown.deadLetter) {
          console.log(`  dead letter: ${shown.deadLetter.reason}: ${shown.deadLetter.message}`);
        }
        if (shown.hold) console.log(`  held since ${shown.hold.since}: ${shown.hold.reason}`);
        if (shown.waitingFor) console.log(`  waiting: ${shown.waitingFor.reason}`);
        if (shown.reference) console.log(`  ERP reference: ${shown.reference}`);
        if (shown.resolution) {
          const r = shown.resolution;
          console.log(`  ${r.outcome} by ${r.by} at ${r.at}: ${r.reason}`);
        }
        for (const a of shown.attempts) {
          const answer = a.reference ?? (a.error ? `${a.error.code}: ${a.error.message}` : '');
          console.log(
            `  attempt ${a.attempt} at ${a.startedAt}: ${a.outcome ?? 'no outcome recorded'} ${a.durationMs ?? '?'} ms ${answer}`,
          );
        }
        for (const r of shown.replays) console.log(`  replayed by ${r.by} at ${r.at}: ${r.reason}`);
      });
    });

  filterOptions(
    withStoreOptions(
      dlq.command('replay').description('deliver dead letters again (ids, a filter, or --all)'),
    ),
  )
    .argument('[ids...]', 'delivery ids')
    .option('--all', 'every dead letter (under the cap)')
    .option('--reason <text>', 'why (recorded with your name; a --dry-run needs none)')
    .option('--cap <n>', 'most deliveries replayed at once', positive, 100)
    .option('--dry-run', 'show what would be replayed, change nothing')
    .option('--json', 'print JSON')
    .action(async (ids: string[], options) => {
      // A dry run records nothing, so it has nothing to give a reason for.
      const reason = (options.reason as string | undefined)?.trim();
      if (!options.dryRun && !reason) {
        throw new CliError(
          'A replay needs --reason <text>: why, recorded with your name (a --dry-run needs none).',
        );
      }
      const filtered = options.target || options.type;
      const ways = [ids.length > 0, Boolean(options.all), Boolean(filtered)].filter(Boolean);
      if (ways.length !== 1) {
        throw new CliError(
          'Name delivery ids, or a filter (--target, --type), or --all: one of them.',
        );
      }
      const selection: ReplaySelection =
        ids.length > 0
          ? { ids }
          : options.all
            ? { all: true }
            : {
                filter: {
                  ...(options.target ? { target: options.target } : {}),
                  ...(options.type ? { documentType: options.type } : {}),
                },
              };
      const outcome = await withView(options, (store, view) =>
        replayDeliveries(store, view, {
          selection,
          cap: options.cap,
          dryRun: Boolean(options.dryRun),
          by: cliActor(),
          reason: reason ?? '',
        }),
      );
      print(options.json, outcome, () => {
        const verb = outcome.dryRun ? 'Would replay' : 'Replayed';
        console.log(`${verb} ${outcome.deliveries.length} of ${outcome.matched} dead letter(s).`);
        for (const d of outcome.deliveries) console.log(`  ${d.id} ${d.documentStream}`);
        if (outcome.capped) console.log(`  (capped at ${options.cap}: run again for the rest)`);
        for (const s of outcome.skipped) console.log(`  skipped ${s.id}: ${s.reason}`);
      });
    });

  const resolution = (action: 'resolve' | 'skip', what: string) =>
    withStoreOptions(dlq.command(action).description(what))
      .argument('<id>', 'delivery id, as "dlq list" shows it (dead-lettered or held)')
      .requiredOption('--reason <text>', 'why (recorded with your name)')
      .option('--json', 'print JSON');
  const carryOut = async (
    id: string,
    outcome: ResolutionOutcome,
    options: Record<string, string>,
  ) => {
    const reason = options.reason?.trim();
    if (!reason) throw new CliError('--reason <text> must say why.');
    const { answer } = await withView(options, (store, view) =>
      resolveDelivery(store, view, {
        deliveryId: id,
        outcome,
        by: cliActor(),
        reason,
        reference: options.reference ?? null,
      }),
    ).catch((error: unknown) => {
      throw error instanceof ResolutionRefused ? new CliError(error.message) : error;
    });
    print(Boolean(options.json), answer, () => {
      console.log(
        `${answer.outcome === 'resolved' ? 'Resolved' : 'Skipped'} ${answer.deliveryId} (${answer.documentStream}), was ${answer.previousState}.`,
      );
      console.log('The dispatcher records it and delivers what waited behind it.');
    });
  };
  resolution('resolve', 'a dead letter done in the ERP by hand: counts as delivered')
    .option('--reference <ref>', "the ERP's reference of what was done by hand")
    .action((id: string, options) => carryOut(id, 'resolved', options));
  resolution('skip', 'a dead letter that will never be delivered: the next proceed').action(
    (id: string, options) => carryOut(id, 'skipped', options),
  );

  return dlq;
};
