/**
 * Consumers in real processes, killed with SIGKILL: a consumer resumes from its checkpoint
 * with no event skipped, and none handled twice when its effects share the checkpoint's
 * transaction; two processes on one data directory never run the same consumer at once, and
 * the standby takes over within seconds of the holder's death.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { until } from '../eventStore/conformance.js';
import { root } from '../support/process.js';
import { tempSqliteFiles } from '../support/tempFiles.js';

const temp = tempSqliteFiles('coexist-consumer-proc-');
const fixture = new URL('./fixtures/runConsumer.ts', import.meta.url).pathname;
const total = 3_000;

interface Runner {
  child: ChildProcess;
  lines: Array<Record<string, string>>;
  exited: Promise<unknown>;
}

const startRunner = (args: string[]): Runner => {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, string>> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
  });
  return { child, lines, exited: new Promise((resolve) => child.once('exit', resolve)) };
};

describe('consumers in processes killed with SIGKILL', () => {
  const runners: Runner[] = [];
  afterEach(async () => {
    for (const runner of runners.splice(0)) {
      if (runner.child.exitCode === null && runner.child.signalCode === null) {
        runner.child.kill('SIGKILL');
        await runner.exited;
      }
    }
    temp.removeAll();
  });

  const seed = async () => {
    const eventsFile = temp.file();
    const store = getSqliteEventStore({ file: eventsFile });
    for (let i = 0; i < total; i += 500) {
      await store.appendToStream(
        `Doc-${i}`,
        Array.from({ length: 500 }, (_, n) => ({
          id: randomUUID(),
          type: 'Seeded',
          data: { n: i + n },
          metadata: {},
        })),
        { expectedRevision: 'no_stream' },
      );
    }
    await store.close();
    return { eventsFile, stateFile: join(eventsFile, '..', 'consumers.sqlite') };
  };
  const handledRows = (stateFile: string) => {
    if (!existsSync(stateFile)) return 0;
    const db = new Database(stateFile, { readonly: true, fileMustExist: true });
    try {
      const exists = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'handled'")
        .get();
      return exists
        ? (db.prepare('SELECT count(*) AS n FROM handled').get() as { n: number }).n
        : 0;
    } finally {
      db.close();
    }
  };
  const launch = (...args: string[]) => {
    const runner = startRunner(args);
    runners.push(runner);
    return runner;
  };

  it('transactional: killed mid-run, resumes with every event handled exactly once', async () => {
    const { eventsFile, stateFile } = await seed();
    const first = launch(eventsFile, stateFile, 'transactional', 'first');
    await until(() => handledRows(stateFile) >= 500, 'first runner mid-way', 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const handledAtKill = handledRows(stateFile);
    expect(handledAtKill).toBeLessThan(total);

    const second = launch(eventsFile, stateFile, 'transactional', 'second');
    await until(() => second.lines.some((l) => l.caughtUp), 'second runner caught up', 30_000);
    const db = new Database(stateFile, { readonly: true });
    const rows = db.prepare('SELECT position, owner FROM handled ORDER BY position').all() as {
      position: number;
      owner: string;
    }[];
    db.close();
    // Every position once (the primary key refuses a second), none missing.
    expect(rows.map((r) => r.position)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(rows.filter((r) => r.owner === 'first')).toHaveLength(handledAtKill);
    expect(second.lines.some((l) => l.error)).toBe(false);
  }, 60_000);

  it('at least once: killed mid-run, resumes with no event skipped and repeats only within one batch', async () => {
    const { eventsFile, stateFile } = await seed();
    const effects = join(eventsFile, '..', 'effects.txt');
    const lines = () =>
      existsSync(effects)
        ? readFileSync(effects, 'utf8').split('\n').filter(Boolean).map(Number)
        : [];
    const first = launch(eventsFile, stateFile, 'at-least-once', 'first', effects);
    await until(() => lines().length >= 500, 'first runner mid-way', 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const second = launch(eventsFile, stateFile, 'at-least-once', 'second', effects);
    await until(() => second.lines.some((l) => l.caughtUp), 'second runner caught up', 30_000);
    const seen = lines();
    expect(new Set(seen)).toEqual(new Set(Array.from({ length: total }, (_, i) => i + 1)));
    // The batch in flight at the kill is handled again: at most one batch (50 events).
    expect(seen.length - total).toBeLessThanOrEqual(50);
  }, 60_000);

  it('two processes on one data directory: one runs the consumer, the other takes over when it dies', async () => {
    const { eventsFile, stateFile } = await seed();
    const a = launch(eventsFile, stateFile, 'transactional', 'a');
    await until(() => a.lines.some((l) => l.leased), 'a holds the lease', 30_000);
    const b = launch(eventsFile, stateFile, 'transactional', 'b');
    await until(() => handledRows(stateFile) >= 300, 'a is handling', 30_000);
    expect(b.lines.some((l) => l.leased)).toBe(false);
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    await until(() => b.lines.some((l) => l.leased), 'b takes over', 10_000);
    // The lease lasts 1 s and is retried every ~333 ms: b takes over within seconds.
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    await until(() => b.lines.some((l) => l.caughtUp), 'b caught up', 30_000);
    expect(handledRows(stateFile)).toBe(total);
  }, 60_000);
});
