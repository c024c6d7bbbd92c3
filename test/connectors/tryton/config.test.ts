/** Loading the Tryton connector's configuration file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTrytonConnectorConfig } from '../../../src/adapters/connectors/tryton/config.js';
import { CrosswalkFile } from '../../../src/adapters/connectors/tryton/crosswalk.js';
import { TrytonError } from '../../../src/adapters/connectors/tryton/rpc.js';

const dirs: string[] = [];
const dir = () => {
  const made = mkdtempSync(join(tmpdir(), 'coexist-tryton-config-'));
  dirs.push(made);
  return made;
};
afterEach(() => {
  for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
});

describe('Tryton connector configuration', () => {
  it('reads the password from a file beside it, resolves the crosswalk path, and applies defaults', () => {
    const d = dir();
    writeFileSync(join(d, 'pw'), 'from-file\n');
    const path = join(d, 'connector.json');
    writeFileSync(
      path,
      JSON.stringify({
        url: 'http://127.0.0.1:1',
        database: 'db',
        login: 'admin',
        passwordFile: 'pw',
        crosswalkFile: 'cw.json',
      }),
    );
    expect(loadTrytonConnectorConfig(path, {})).toEqual({
      url: 'http://127.0.0.1:1',
      database: 'db',
      login: 'admin',
      password: 'from-file',
      crosswalkFile: join(d, 'cw.json'),
      timeoutMs: 30_000,
      defaults: { paymentTerm: 'NET30', journal: 'MISC' },
    });
    expect(loadTrytonConnectorConfig(path, { COEXIST_TRYTON_PASSWORD: 'from-env' }).password).toBe(
      'from-env',
    );
  });

  it('the shipped sandbox configuration points at the sandbox in the repository', () => {
    const repo = join(import.meta.dirname, '../../..');
    const config = loadTrytonConnectorConfig(join(repo, 'scripts/tryton/connector.sandbox.json'), {
      COEXIST_TRYTON_PASSWORD: 'from-env',
    });
    expect(config).toMatchObject({
      url: 'http://127.0.0.1:18000',
      database: 'coexist',
      crosswalkFile: join(repo, '.tryton/crosswalk.json'),
    });
  });

  it('lists every problem of a bad file', () => {
    const path = join(dir(), 'connector.json');
    writeFileSync(path, JSON.stringify({ url: '', timeoutMs: -1 }));
    expect(() => loadTrytonConnectorConfig(path, {})).toThrow(
      /url must be a non-empty string; database must be .*; login must be .*; crosswalkFile must be .*; a password is needed .*; timeoutMs must be a positive number/,
    );
  });
});

describe('Crosswalk file', () => {
  it('names the unknown code and the target, and sees a fixed file without a restart', () => {
    const path = join(dir(), 'crosswalk.json');
    const data = {
      companies: {},
      currencies: {},
      units: {},
      sites: {},
      suppliers: {},
      items: { A: 1 },
      accounts: { 'ACME-US': {} },
      taxes: {},
      journals: {},
      paymentTerms: {},
      locations: { supplier: 6 },
    };
    writeFileSync(path, JSON.stringify(data));
    const file = new CrosswalkFile(path, 'legacy');
    expect(file.current().item('A')).toBe(1);
    let error: unknown;
    try {
      file.current().account('ACME-US', '9999');
    } catch (caught) {
      error = caught;
    }
    expect((error as TrytonError).erpError).toMatchObject({
      kind: 'permanent',
      code: 'unknown-code',
      message: expect.stringContaining(
        'Unknown account 9999 of company ACME-US in the crosswalk of target legacy',
      ),
    });
    expect(error).toBeInstanceOf(TrytonError);
    writeFileSync(path, JSON.stringify({ ...data, items: { A: 1, B: 2 } }));
    expect(file.current().item('B')).toBe(2);
  });

  it('refuses a file that lacks sections', () => {
    const path = join(dir(), 'crosswalk.json');
    writeFileSync(path, JSON.stringify({ items: {} }));
    expect(() => new CrosswalkFile(path, 'legacy').current()).toThrow(
      /lacks companies, currencies/,
    );
  });
});
