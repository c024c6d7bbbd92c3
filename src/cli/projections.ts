/**
 * `coexist projections status|rebuild NAME…|--all|run`: each read model's generations, position
 * and lag; rebuilds from zero beside the live generations, several models in one pass of the
 * log (the gateway keeps serving from the old ones until the new ones have caught up), with a
 * progress bar and ETA; and the projectors run outside the gateway, for a gateway started
 * with COEXIST_PROJECTORS=separate.
 */
import { Command, InvalidArgumentError } from 'commander';
import { projectionNamed, projections } from '../../projections/index.js';
import { getSqliteConsumerState, openConsumerDatabase } from '../adapters/consumerState/sqlite.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import type { EventStore, LogPosition } from '../ports/eventStore.js';
import type { Projection, ReadModelStore } from '../ports/readModelStore.js';
import { consumerNameOf, type ProjectorStatus } from '../projection/projector.js';
import { openReadModelStore, processOwner, startGatewayReadSide } from '../projection/readSide.js';
import { type RebuildProgress, rebuildReadModels } from '../projection/rebuild.js';
import { openEventStore } from '../stores.js';
import { CliError } from './gateway.js';
import { configFrom, withStoreOptions } from './options.js';

/** A projector's status as a runner prints it: positions as text (JSON has no bigint). */
const runnerLine = ({ position, ...status }: ProjectorStatus) => ({
  ...status,
  position: position === null ? null : position.toString(),
});

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3_600) {
    throw new InvalidArgumentError('give seconds between 0 and 3600, e.g. 10.');
  }
  return n;
};

interface Stores {
  events: EventStore;
  readModels: ReadModelStore;
  checkpoints: ConsumerStateStore;
}

const withStores = async <T>(options: object, work: (stores: Stores) => Promise<T>) => {
  const config = configFrom(options);
  const events = await openEventStore(config, { existing: true });
  const readModels = await openReadModelStore({
    dataDir: config.dataDir,
    mongoUrl: process.env.MONGODB_URL,
  });
  const own = readModels.checkpoints
    ? null
    : getSqliteConsumerState(openConsumerDatabase(`${config.dataDir}/consumers.sqlite`));
  try {
    return await work({
      events,
      readModels,
      checkpoints: readModels.checkpoints ?? (own as ConsumerStateStore),
    });
  } finally {
    own?.close();
    await readModels.close();
    await events.close();
  }
};

export interface ProjectionReport {
  name: string;
  /** The version the code projects. */
  version: number;
  live: { storage: string; version: number } | null;
  building: { storage: string; version: number }[];
  /** Everything up to here is reflected in the live generation. */
  position: string | null;
  head: string | null;
  /** Head minus position: positions are not one per event, so an upper bound on SQLite. */
  lag: string | null;
  parked: number;
}

const projectionReports = async ({ events, readModels, checkpoints }: Stores) => {
  const head = await events.headPosition();
  const reports: ProjectionReport[] = [];
  for (const projection of projections) {
    const generations = await readModels.generations(projection.name);
    const live = generations.find((g) => g.state === 'live') ?? null;
    let position: LogPosition | null = null;
    let parked = 0;
    if (live) {
      const consumer = consumerNameOf(live.storage);
      position = await checkpoints.load(consumer);
      parked = (await checkpoints.parked(consumer)).length;
    }
    reports.push({
      name: projection.name,
      version: projection.version,
      live: live && { storage: live.storage, version: live.version },
      building: generations
        .filter((g) => g.state === 'building')
        .map((g) => ({ storage: g.storage, version: g.version })),
      position: position?.toString() ?? null,
      head: head?.toString() ?? null,
      lag: head === null ? '0' : position === null ? null : (head - position).toString(),
      parked,
    });
  }
  return reports;
};

const bar = (fraction: number, width = 30) => {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
};

const duration = (seconds: number) =>
  seconds < 60
    ? `${Math.ceil(seconds)}s`
    : `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;

export const progressLine = (progress: RebuildProgress): string =>
  `${bar(progress.fraction)} ${(progress.fraction * 100).toFixed(0).padStart(3)}%  ${progress.handled.toLocaleString('en-US')} events  ${Math.round(progress.eventsPerSecond).toLocaleString('en-US')} ev/s  ETA ${progress.etaSeconds === null ? '?' : duration(progress.etaSeconds)}`;

export const projectionsCommand = (): Command => {
  const command = new Command('projections').description(
    'read models: their position and lag, and rebuilds from zero',
  );

  withStoreOptions(command.command('status').description('each read model, its position and lag'))
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const reports = await withStores(options, projectionReports);
      if (options.json) {
        console.log(JSON.stringify(reports, null, 2));
        return;
      }
      for (const report of reports) {
        const live = report.live
          ? `v${report.live.version} (${report.live.storage})`
          : 'none yet (first build under way or gateway not started)';
        console.log(`${report.name}  code v${report.version}  live: ${live}`);
        console.log(
          `  position ${report.position ?? '-'} of ${report.head ?? '-'}  lag ${report.lag ?? '-'}  parked ${report.parked}`,
        );
        for (const building of report.building) {
          console.log(`  building v${building.version} (${building.storage})`);
        }
      }
    });

  withStoreOptions(
    command
      .command('rebuild')
      .argument('[names...]', `read models: ${projections.map((p) => p.name).join(', ')}`)
      .description(
        'rebuild read models from zero beside the live ones, in one pass of the log, then switch to them',
      ),
  )
    .option('--all', 'every read model')
    .option('--json', 'print the result as JSON (no progress bar)')
    .action(async (names: string[], options: { all?: boolean; json?: boolean }) => {
      const chosen = options.all ? [...projections] : names.map((name) => projectionNamed(name));
      const unknown = names.filter((_, n) => !chosen[n]);
      if (unknown.length > 0 || chosen.length === 0) {
        throw new CliError(
          `${unknown.length > 0 ? `No read model "${unknown.join('", "')}"` : 'No read model named'}; choose from: ${projections.map((p) => p.name).join(', ')} (or --all).`,
        );
      }
      const interactive = !options.json && process.stderr.isTTY;
      const results = await withStores(options, ({ events, readModels, checkpoints }) =>
        rebuildReadModels(
          [...new Set(chosen as Projection[])],
          {
            events,
            readModels,
            consumerState: checkpoints,
            owner: processOwner(),
            leaseTtlMs: 10_000,
          },
          {
            intervalMs: interactive ? 250 : 5_000,
            onProgress: (progress) => {
              if (options.json) return;
              if (interactive) process.stderr.write(`\r${progressLine(progress)}`);
              else console.error(progressLine(progress));
            },
          },
        ),
      );
      if (interactive) process.stderr.write('\n');
      if (options.json) {
        // One model: its result, as before; several: one result each.
        console.log(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
        return;
      }
      for (const result of results) {
        console.log(
          `Rebuilt ${result.model}: ${result.handled.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s; reads now use ${result.storage}.`,
        );
      }
    });

  withStoreOptions(
    command
      .command('run')
      .description(
        'run the projectors in this process, for a gateway started with COEXIST_PROJECTORS=separate (leased: one runner per data directory or server); stops on SIGINT or SIGTERM',
      ),
  )
    .option('--json', 'print status lines as JSON')
    .option('--interval <seconds>', 'seconds between status lines', seconds, 10)
    .action(
      async (options: { json?: boolean; interval: number; config?: string; dataDir?: string }) => {
        const config = configFrom(options);
        const events = await openEventStore(config, { existing: true });
        const readSide = await startGatewayReadSide(events, {
          dataDir: config.dataDir,
          mongoUrl: process.env.MONGODB_URL,
        });
        const report = () => {
          const at = new Date().toISOString();
          const status = readSide.status().map(runnerLine);
          if (options.json) console.log(JSON.stringify({ at, status }));
          else {
            for (const line of status) {
              const position = line.position ?? '-';
              const error = line.lastError ? `  last error: ${line.lastError.message}` : '';
              console.log(
                `${at.slice(11, 19)}  ${line.model} v${line.version}  ${line.phase}  position ${position}  handled ${line.handled}  parked ${line.parked}  runner ${line.owner ?? '-'}${error}`,
              );
            }
          }
        };
        if (!options.json) {
          console.log(`Projectors running; status every ${options.interval} s. Ctrl-C stops them.`);
        }
        report();
        const timer = setInterval(report, options.interval * 1_000);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        clearInterval(timer);
        await readSide.close();
        await events.close();
      },
    );

  return command;
};
