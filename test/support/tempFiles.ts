/** Paths for fresh SQLite files, each in a temporary directory of its own. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempSqliteFiles {
  /** A new `events.sqlite` path in a new directory (the file itself is not created). */
  file(): string;
  /** Removes every directory handed out so far (close the databases first). */
  removeAll(): void;
}

export const tempSqliteFiles = (prefix: string): TempSqliteFiles => {
  const dirs: string[] = [];
  return {
    file: () => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return join(dir, 'events.sqlite');
    },
    removeAll: () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
};
