/** The coexist CLI as a user runs it: readable output, keys that work, clear errors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { startRegistries } from '../../src/registries/registries.js';
import { coexist as runCli } from '../support/process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-cli-'));
const coexist = (...args: string[]) => runCli(args);
/** The secret part of `cx_<keyId>_<secret>` (the secret itself may contain '_'). */
const secretOf = (key: string) => key.slice('cx_'.length + 16 + 1);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('coexist keys', () => {
  it('creates a key shown once, stored hashed, that authenticates with its roles and scopes', async () => {
    const { stdout } = await coexist(
      'keys',
      'create',
      '--client',
      'wms-dallas',
      '--roles',
      'writer,auditor',
      '--scopes',
      'goods-receipts',
      '--sites',
      'DAL1',
      '--data-dir',
      dataDir,
    );
    const key = /^\s+(cx_\S+)$/m.exec(stdout)?.[1];
    expect(key).toBeDefined();
    expect(stdout).toMatch(/shown this once/);

    const store = getSqliteEventStore({ file: join(dataDir, 'events.sqlite') });
    try {
      const stored = JSON.stringify(
        (await store.readStream('coexist-api-keys')).map((e) => e.data),
      );
      expect(stored).not.toContain(secretOf(key as string));
      const registries = await startRegistries(store);
      const principal = await registries.keys.authenticate(key as string);
      await registries.stop();
      expect(principal).toMatchObject({
        clientId: 'wms-dallas',
        roles: ['writer', 'auditor'],
        scopes: { documentTypes: ['goodsReceipt'], sites: ['DAL1'] },
      });
    } finally {
      await store.close();
    }

    const listed = await coexist('keys', 'list', '--data-dir', dataDir);
    expect(listed.stdout).toMatch(/wms-dallas/);
    expect(listed.stdout).not.toContain(secretOf(key as string));
  }, 120_000);

  it('lists keys as a readable table or JSON, revoked ones with --all', async () => {
    const created = await coexist(
      'keys',
      'create',
      '--client',
      'edi-old',
      '--roles',
      'writer',
      '--data-dir',
      dataDir,
    );
    const keyId = /key id ([0-9a-f]{16})/.exec(created.stdout)?.[1] as string;
    await coexist('keys', 'revoke', keyId, '--reason', 'EDI moved', '--data-dir', dataDir);

    const { stdout } = await coexist('keys', 'list', '--data-dir', dataDir);
    const [header, rule, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^key id\s+client\s+roles\s+scopes\s+rate limit\s+issued$/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(stdout).not.toMatch(/\(index\)|'/);
    expect(rows).toHaveLength(1); // the revoked key is not listed
    expect(rows[0]).toMatch(
      /wms-dallas\s+writer,auditor\s+documentTypes=goodsReceipt sites=DAL1\s+default\s+\d{4}-/,
    );

    const all = await coexist('keys', 'list', '--all', '--data-dir', dataDir);
    expect(all.stdout).toMatch(/edi-old .* revoked \d{4}-\d\d-\d\d \d\d:\d\d: EDI moved/);
    expect(all.stdout).toMatch(/wms-dallas .* valid/);

    const json = JSON.parse(
      (await coexist('keys', 'list', '--all', '--json', '--data-dir', dataDir)).stdout,
    );
    expect(json).toEqual([
      expect.objectContaining({ clientId: 'wms-dallas', roles: ['writer', 'auditor'] }),
      expect.objectContaining({
        keyId,
        clientId: 'edi-old',
        revoked: expect.objectContaining({ reason: 'EDI moved' }),
      }),
    ]);
    expect(JSON.stringify(json)).not.toMatch(/secretSha256/);
  }, 120_000);

  it('refuses scope codes that no document could carry, before storing anything', async () => {
    const failure = (await coexist(
      'keys',
      'create',
      '--client',
      'wms',
      '--roles',
      'writer',
      '--sites',
      'DAL 1',
      '--data-dir',
      dataDir,
    ).catch((error) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/"DAL 1" is not a valid site code/);
    const { stdout } = await coexist('keys', 'list', '--all', '--json', '--data-dir', dataDir);
    expect(stdout).not.toMatch(/"wms"/);
  }, 120_000);

  it('explains a bad role instead of crashing', async () => {
    const failure = await coexist(
      'keys',
      'create',
      '--client',
      'x',
      '--roles',
      'admin',
      '--data-dir',
      dataDir,
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(
      /roles are a comma-separated list of: writer, architect, operator, auditor/,
    );
  }, 120_000);
});
