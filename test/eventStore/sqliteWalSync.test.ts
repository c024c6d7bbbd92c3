/**
 * The SQLite group committer answers nobody before the WAL sync that covers their commit has
 * confirmed it, and commits nothing more once a sync has failed.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkpointFallbackWarning,
  fallBackToAutomaticCheckpoints,
  startCheckpointer,
} from '../../src/adapters/eventStore/sqlite/checkpointer.js';
import { createGroupCommitter } from '../../src/adapters/eventStore/sqlite/groupCommit.js';
import { createIdempotencyIndex } from '../../src/adapters/eventStore/sqlite/idempotency.js';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { migrate } from '../../src/adapters/eventStore/sqlite/schema.js';
import { createWalSync, type WalSync } from '../../src/adapters/eventStore/sqlite/walSync.js';
import {
  type AppendResult,
  EventStoreUnavailableError,
  type NewEvent,
} from '../../src/ports/eventStore.js';
import { tempSqliteFiles } from '../support/tempFiles.js';
import { newEvent, until } from './conformance.js';

/** A WAL sync the test completes (or fails) by hand. */
const manualSync = () => {
  const waiting: Array<(error: Error | null) => void> = [];
  let failure: Error | null = null;
  const sync: WalSync = {
    get failure() {
      return failure;
    },
    afterSync: (done) => (failure ? done(failure) : waiting.push(done)),
    close: async () => {},
  };
  return {
    sync,
    pending: () => waiting.length,
    complete(error: Error | null = null) {
      if (error) failure = error;
      for (const done of waiting.splice(0)) done(error);
    },
  };
};

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SQLite durability: answers wait for the WAL sync', () => {
  const temp = tempSqliteFiles('coexist-walsync-');
  afterEach(() => temp.removeAll());

  const setUp = () => {
    const db = new Database(temp.file());
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    const manual = manualSync();
    const committer = createGroupCommitter({
      db,
      clock: () => new Date(),
      maxBatchSize: 100,
      idempotency: createIdempotencyIndex(db, { retentionMs: 60_000, clock: () => new Date() }),
      walSync: manual.sync,
      committed: () => {},
    });
    const append = (stream: string, events: NewEvent[]) =>
      new Promise<AppendResult>((resolve, reject) =>
        committer.enqueue({
          streamName: stream,
          events,
          options: { expectedRevision: 'any' },
          resolve,
          reject,
        }),
      );
    const count = () => (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    return { db, manual, committer, append, count };
  };

  it('commits at once but resolves only when the sync confirms, one transaction per sync', async () => {
    const { db, manual, append, count } = setUp();
    let settled = 0;
    const first = append('a', [newEvent('A')]).finally(() => settled++);
    await turn();
    expect(count()).toBe(1); // committed (visible), not yet acknowledged
    expect(manual.pending()).toBe(1);
    // Appends arriving while the sync runs wait for it, then commit together.
    const later = [append('b', [newEvent('B')]), append('c', [newEvent('C')])];
    for (const p of later) p.finally(() => settled++);
    await turn();
    expect(count()).toBe(1);
    expect(settled).toBe(0);

    manual.complete();
    await first;
    await turn();
    expect(count()).toBe(3); // the two waiting appends, committed as one batch
    expect(settled).toBe(1);
    manual.complete();
    await Promise.all(later);
    expect(settled).toBe(3);
    db.close();
  });

  it('after a failed sync, rejects what it covered and commits nothing more', async () => {
    const { db, manual, append, count } = setUp();
    const covered = append('a', [newEvent('A')]);
    await turn();
    manual.complete(new Error('EIO'));
    await expect(covered).rejects.toBeInstanceOf(EventStoreUnavailableError);

    const after = append('b', [newEvent('B')]);
    await expect(after).rejects.toBeInstanceOf(EventStoreUnavailableError);
    expect(count()).toBe(1); // 'b' was never written
    db.close();
  });

  it('drain waits for the sync in flight', async () => {
    const { db, manual, committer, append } = setUp();
    const appended = append('a', [newEvent('A')]);
    await turn();
    let drained = false;
    const draining = committer.drain().then(() => {
      drained = true;
    });
    await turn();
    expect(drained).toBe(false);
    manual.complete();
    await Promise.all([appended, draining]);
    expect(drained).toBe(true);
    db.close();
  });

  it('the real sync confirms commits made on a WAL file', async () => {
    const { db } = setUp();
    db.exec('CREATE TABLE probe (x)');
    const sync = createWalSync(`${db.name}-wal`);
    const outcome = await new Promise<Error | null>((resolve) => sync.afterSync(resolve));
    expect(outcome).toBeNull();
    await sync.close();
    db.close();
  });
});

describe('SQLite checkpoints run on a worker thread', () => {
  const temp = tempSqliteFiles('coexist-ckpt-');
  afterEach(() => temp.removeAll());
  const tempFile = temp.file;

  it('copies every committed WAL frame into the database file', async () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('x'.repeat(1000));
    const before = statSync(file).size;
    const checkpointer = startCheckpointer(file, 1_000);
    const result = await checkpointer.checkpoint();
    expect(result.busy).toBe(false);
    expect(result.log).toBeGreaterThan(0);
    expect(result.checkpointed).toBe(result.log);
    expect(statSync(file).size).toBeGreaterThan(before + 100_000);
    await checkpointer.close();
    db.close();
  });

  it('reports a failed checkpoint once, and does not use that checkpointer again', async () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    migrate(db);
    const failures: unknown[] = [];
    let attempts = 0;
    const committer = createGroupCommitter({
      db,
      clock: () => new Date(),
      maxBatchSize: 100,
      idempotency: createIdempotencyIndex(db, { retentionMs: 60_000, clock: () => new Date() }),
      walSync: createWalSync(`${file}-wal`),
      checkpointer: {
        checkpoint: () => {
          attempts += 1;
          return Promise.reject(new Error('worker died'));
        },
        close: async () => {},
      },
      checkpointFailed: (error) => failures.push(error),
      committed: () => {},
    });
    const big = { blob: 'z'.repeat(100_000) };
    // 4.5 MB: four checkpoints' worth (one per MiB) had the first not failed.
    for (let i = 0; i < 45; i++) {
      await new Promise((resolve, reject) =>
        committer.enqueue({
          streamName: `s-${i}`,
          events: [newEvent('Big', big)],
          options: { expectedRevision: 'any' },
          resolve,
          reject,
        }),
      );
    }
    await until(() => failures.length > 0, 'the checkpoint failure to be reported');
    await committer.drain();
    expect(failures.map(String)).toEqual(['Error: worker died']);
    expect(attempts).toBe(1);
    db.close();
  });

  it('falls back to SQLite checkpoints and warns the operator when the worker fails', async () => {
    const db = new Database(tempFile());
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    // Collected here rather than emitted: a process warning in the test output reads as a failure.
    const warnings: Array<{ message: string; code: string }> = [];
    fallBackToAutomaticCheckpoints(db, new Error('worker died'), (message, { code }) =>
      warnings.push({ message, code }),
    );
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(warnings[0]).toMatchObject({ code: checkpointFallbackWarning });
    expect(warnings[0]?.message).toMatch(/worker died/);
    db.close();
  });

  it('the store checkpoints once enough is written, without a COMMIT doing it', async () => {
    const file = tempFile();
    const store = getSqliteEventStore({ file });
    const big = { blob: 'y'.repeat(100_000) };
    const dbSize = () => statSync(file).size;
    const initial = dbSize();
    // 60 appends of ~100 KB: past the 1 MiB between checkpoints, several times.
    for (let i = 0; i < 60; i++) {
      await store.appendToStream(`s-${i}`, [newEvent('Big', big)], { expectedRevision: 'any' });
    }
    await until(() => dbSize() > initial + 4_000_000, 'a checkpoint into the database file');
    expect(await store.readStream('s-59')).toHaveLength(1);
    await store.close();
  });

  it('keeps the WAL bounded under sustained appends: it restarts from its start', async () => {
    const file = tempFile();
    const store = getSqliteEventStore({ file });
    const big = { blob: 'y'.repeat(100_000) };
    // 250 appends of ~100 KB, 25 MB in all, three times the 8 MiB after which the WAL restarts.
    for (let i = 0; i < 250; i++) {
      await store.appendToStream(`s-${i}`, [newEvent('Big', big)], { expectedRevision: 'any' });
    }
    // The WAL file keeps its largest size once restarted, and never held all 25 MB.
    expect(statSync(`${file}-wal`).size).toBeLessThan(16 * 1024 * 1024);
    expect(await store.readStream('s-249')).toHaveLength(1);
    await store.close();
  });
});
