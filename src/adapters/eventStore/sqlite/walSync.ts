/**
 * Durability without blocking the event loop.
 *
 * The connection commits with `synchronous = NORMAL`: a COMMIT writes its WAL frames (into the
 * OS page cache) and returns without waiting for the disk. This module then makes those frames
 * durable with `fdatasync` on the WAL file, run on libuv's thread pool, and calls back once
 * they are on disk. Callers answer their clients only then, so an acknowledged append survives
 * power loss exactly as with `synchronous = FULL`, where SQLite itself syncs inside COMMIT —
 * but there the whole process waits for the disk, here it goes on parsing, validating and
 * committing the next requests meanwhile.
 *
 * Why this is sound:
 * - The WAL is written sequentially, so one fdatasync covers every commit made before it
 *   started. Syncs are coalesced: commits made while one runs wait for the next one, which
 *   covers all of them (a group commit on the disk, whatever the batching above).
 * - Frames that a checkpoint copies into the database file are synced there by SQLite itself
 *   (checkpoints sync the WAL before and the database after, also in NORMAL mode), before the
 *   WAL may be restarted and those frames overwritten.
 * - SQLite keeps the WAL file (same inode) while any connection is open; it is removed only
 *   when the last one closes. Our descriptor is opened after our connection's first commit
 *   and closed before that connection is.
 * - A failed fdatasync is not retried as if nothing happened: after a write-back error the
 *   kernel may already have dropped the dirty pages, so a later successful sync proves
 *   nothing. The syncer fails for good; the store refuses writes until restarted, when SQLite
 *   recovers from what is really on disk.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';

export interface WalSync {
  /** Set once a sync has failed: from then on nothing more should be committed. */
  readonly failure: Error | null;
  /** Calls `done` once every commit made before this call is on disk (or with the error). */
  afterSync(done: (error: Error | null) => void): void;
  /** Waits for syncs in flight, then closes the descriptor. */
  close(): Promise<void>;
}

export const createWalSync = (walFile: string): WalSync => {
  let fd: number | null = null;
  let failure: Error | null = null;
  let inFlight = false;
  /** Waiting for the next sync: their commits happened after the one in flight started. */
  let waiting: Array<(error: Error | null) => void> = [];
  let idle: (() => void) | null = null;

  const start = () => {
    const batch = waiting;
    waiting = [];
    inFlight = true;
    const finish = (error: Error | null) => {
      inFlight = false;
      if (error && !failure) {
        failure = new Error(`fdatasync of ${walFile} failed: ${error.message}`, { cause: error });
      }
      for (const done of batch) done(failure);
      if (waiting.length > 0) start();
      else idle?.();
    };
    try {
      fd ??= openSync(walFile, 'r');
    } catch (error) {
      // No WAL yet: nothing was committed through this connection, so nothing awaits a sync.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return finish(null);
      return finish(error as Error);
    }
    fdatasync(fd, finish);
  };

  return {
    get failure() {
      return failure;
    },
    afterSync(done) {
      if (failure) {
        done(failure);
        return;
      }
      waiting.push(done);
      if (!inFlight) start();
    },
    async close() {
      if (inFlight) await new Promise<void>((resolve) => (idle = resolve));
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
};
