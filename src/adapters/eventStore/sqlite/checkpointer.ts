/**
 * WAL checkpoints on a worker thread, so the event loop never waits for them.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold: it copies
 * the WAL's pages into the database file and fsyncs both, all on the committing thread.
 * Measured here, that blocked the event loop ~18 µs per append and put 25 ms commits in the
 * p99 (bench/README.md). The store turns it off (`wal_autocheckpoint = 0`) and asks this
 * worker, which has its own connection to the same file, to run PASSIVE checkpoints: they
 * copy what is committed without blocking writers or readers.
 *
 * The worker's code is a string evaluated as CommonJS (with the driver's resolved path), so
 * the same code runs from the TypeScript sources under the test runner and from dist/.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export interface CheckpointResult {
  /** SQLITE_BUSY: a reader or another checkpointer was in the way; nothing is wrong. */
  busy: boolean;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

export interface Checkpointer {
  /** Runs one PASSIVE checkpoint; rejects if the worker fails. */
  checkpoint(): Promise<CheckpointResult>;
  close(): Promise<void>;
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

export const startCheckpointer = (file: string, busyTimeoutMs: number): Checkpointer => {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { driver, file, busyTimeoutMs },
  });
  worker.unref(); // never keeps the process alive on its own
  let waiting: { resolve(result: CheckpointResult): void; reject(error: Error): void } | null =
    null;
  let failure: Error | null = null;

  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(error);
    waiting = null;
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('SQLite checkpoint worker exited')));
  worker.on('message', (message: { ok: boolean; message?: string; result?: CheckpointResult }) => {
    const done = waiting;
    waiting = null;
    if (message.ok && message.result)
      done?.resolve({ ...message.result, busy: !!message.result.busy });
    else done?.reject(new Error(`SQLite checkpoint failed: ${message.message}`));
  });

  return {
    checkpoint() {
      if (failure) return Promise.reject(failure);
      if (waiting) return Promise.reject(new Error('A checkpoint is already running'));
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage('checkpoint');
      });
    },
    async close() {
      if (failure) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.ref(); // an unref'd worker would let the process exit while we wait for it
      worker.postMessage('close');
      await exited;
    },
  };
};

/** The code of the process warning that says the store lost its checkpoint worker. */
export const checkpointFallbackWarning = 'COEXIST_SQLITE_CHECKPOINT_FALLBACK';

/**
 * When the worker fails: without checkpoints the WAL would grow for ever, so SQLite's own take
 * over (inside COMMIT: slower, but bounded), and the operator is told by a process warning
 * (printed on stderr, or to whatever listens for 'warning'): the store has no logger.
 */
export const fallBackToAutomaticCheckpoints = (
  db: Database.Database,
  error: unknown,
  /** Where the warning goes; tests pass their own so the suite's output stays clean. */
  warn: (message: string, options: { code: string }) => void = process.emitWarning,
): void => {
  db.pragma('wal_autocheckpoint = 1000');
  const reason = error instanceof Error ? error.message : String(error);
  warn(
    `SQLite checkpoint worker failed (${reason}); checkpoints now run inside commits, which slows writes. Restart the gateway to get the worker back.`,
    { code: checkpointFallbackWarning },
  );
};
