/**
 * `coexist consumers`: what follows the log in the gateway (the registries, the dispatcher,
 * projectors): phase, checkpoint, lag, lease holder, last error, and the events they parked.
 */
import { Command } from 'commander';
import { type GatewayOptions, gatewayOptions, requestJson } from './gateway.js';
import { oneLine, table } from './table.js';

/** Longest error a row shows; --json carries the whole text. */
const errorWidth = 100;

interface Report {
  consumers: Array<{
    name: string;
    phase: string;
    position: string | null;
    behind: string | null;
    owner: string | null;
    handled: number;
    parked: number;
    lastError: { message: string; at: string } | null;
  }>;
  parked: Array<{
    consumer: string;
    position: string;
    streamName: string;
    eventType: string;
    error: string;
    parkedAt: string;
  }>;
}

export const consumersCommand = (): Command =>
  gatewayOptions(
    new Command('consumers').description(
      'consumers following the log: progress, lag, lease holder, last error, parked events',
    ),
    'operator, auditor or architect',
  ).action(async (options: GatewayOptions) => {
    const report = await requestJson<Report>(options, 'GET', '/v1/admin/consumers');
    if (options.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    console.log(
      table(
        ['consumer', 'phase', 'checkpoint', 'behind', 'handled', 'parked', 'runs in', 'last error'],
        report.consumers.map((c) => [
          c.name,
          c.phase,
          c.position ?? '-',
          c.behind ?? '-',
          c.handled,
          c.parked,
          c.owner ?? '-',
          c.lastError
            ? `${c.lastError.at.slice(0, 19)} ${oneLine(c.lastError.message, errorWidth)}`
            : '',
        ]),
      ),
    );
    if (report.parked.length === 0) {
      console.log('\nNo parked events.');
      return;
    }
    console.log('\nParked events (they kept failing and were skipped):');
    console.log(
      table(
        ['consumer', 'position', 'stream', 'type', 'parked at', 'error'],
        report.parked.map((p) => [
          p.consumer,
          p.position,
          p.streamName,
          p.eventType,
          p.parkedAt.slice(0, 19),
          oneLine(p.error, errorWidth),
        ]),
      ),
    );
  });
