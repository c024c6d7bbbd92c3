/** What the CLI records is recorded with the OS user who ran it, even with `$USER` unset. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { coexist } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-cli-actor-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the CLI actor', () => {
  it('records keys create and revoke with the OS user when $USER is unset', async () => {
    const env = { USER: '', LOGNAME: '' };
    const dir = ['--data-dir', dataDir];
    const created = await coexist(
      ['keys', 'create', '--client', 'erp-a', '--roles', 'writer', ...dir],
      env,
    );
    const keyId = /cx_([0-9a-f]{16})_/.exec(created.stdout)?.[1] as string;
    expect(keyId).toBeDefined();
    await coexist(['keys', 'revoke', keyId, '--reason', 'rotated', ...dir], env);
    const store = getSqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    try {
      const events = await store.readStream('coexist-api-keys');
      const who = `cli:${userInfo().username}`;
      expect(events.map((e) => e.data.issuedBy ?? e.data.revokedBy)).toEqual([who, who]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
