/** `coexist keys create|list|revoke`: API keys, written to the gateway's event store. */
import { Command, InvalidArgumentError } from 'commander';
import { type Role, roles, type Scopes } from '../auth/principal.js';
import type { RecordedEvent } from '../ports/eventStore.js';
import {
  type ApiKeyIssued,
  apiKeyStream,
  foldApiKeys,
  issueApiKey,
  revokeApiKey,
} from '../registries/apiKeys.js';
import { openEventStore } from '../stores.js';
import { cliActor } from './actor.js';
import { list, parseCodes, parseDocumentTypes } from './arguments.js';
import { configFrom, withStoreOptions } from './options.js';
import { table } from './table.js';

const parseRoles = (value: string): Role[] => {
  const given = list(value);
  const unknown = given.filter((role) => !roles.includes(role as Role));
  if (unknown.length || !given.length) {
    throw new InvalidArgumentError(`roles are a comma-separated list of: ${roles.join(', ')}.`);
  }
  return given as Role[];
};

const withStore = async <T>(
  options: object,
  work: (store: Awaited<ReturnType<typeof openEventStore>>) => Promise<T>,
) => {
  const store = await openEventStore(configFrom(options));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
};

/** A key as listed: what it was issued with, and its revocation if any; never its hash. */
interface ListedKey extends Omit<ApiKeyIssued, 'secretSha256'> {
  revoked?: { at: string; by: string; reason: string };
}

const keyHistory = (events: readonly RecordedEvent[]): ListedKey[] => {
  const keys = new Map<string, ListedKey>();
  for (const event of events) {
    if (event.type === 'ApiKeyIssued') {
      const { secretSha256: _hash, ...issued } = event.data as unknown as ApiKeyIssued;
      keys.set(issued.keyId, issued);
    } else if (event.type === 'ApiKeyRevoked') {
      const key = keys.get(String(event.data.keyId));
      if (key) {
        key.revoked = {
          at: String(event.data.revokedAt),
          by: String(event.data.revokedBy),
          reason: String(event.data.reason),
        };
      }
    }
  }
  return [...keys.values()];
};

const keyTable = (keys: ListedKey[], withStatus: boolean): string =>
  table(
    [
      'key id',
      'client',
      'roles',
      'scopes',
      'rate limit',
      'issued',
      ...(withStatus ? ['status'] : []),
    ],
    keys.map((k) => [
      k.keyId,
      k.clientId,
      k.roles.join(','),
      Object.entries(k.scopes)
        .map(([name, values]) => `${name}=${(values as string[]).join(',')}`)
        .join(' ') || 'all',
      k.rateLimitPerMinute ? `${k.rateLimitPerMinute}/min` : 'default',
      `${k.issuedAt.slice(0, 16).replace('T', ' ')} by ${k.issuedBy}`,
      ...(withStatus
        ? [
            k.revoked
              ? `revoked ${k.revoked.at.slice(0, 16).replace('T', ' ')}: ${k.revoked.reason}`
              : 'valid',
          ]
        : []),
    ]),
  );

export const keysCommand = (): Command => {
  const keys = new Command('keys').description('manage API keys (stored hashed; shown once)');

  withStoreOptions(keys.command('create').description('issue an API key for a client system'))
    .requiredOption('--client <name>', 'client identity recorded on every event it causes')
    .requiredOption('--roles <roles>', `comma-separated: ${roles.join(', ')}`, parseRoles)
    .option('--scopes <types>', 'document types it may act on (default: all)', parseDocumentTypes)
    .option(
      '--companies <list>',
      'companies it may act for (default: all)',
      parseCodes('companies'),
    )
    .option(
      '--suppliers <list>',
      'suppliers it may act for (default: all)',
      parseCodes('suppliers'),
    )
    .option('--sites <list>', 'sites it may act for (default: all)', parseCodes('sites'))
    .option(
      '--rate-limit <perMinute>',
      'requests per minute (default: the gateway default)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1)
          throw new InvalidArgumentError('must be a positive whole number.');
        return n;
      },
    )
    .action(async (options) => {
      const scopes: Scopes = {};
      if (options.scopes) scopes.documentTypes = options.scopes;
      if (options.companies) scopes.companies = options.companies;
      if (options.suppliers) scopes.suppliers = options.suppliers;
      if (options.sites) scopes.sites = options.sites;
      const { key, keyId } = await withStore(options, (store) =>
        issueApiKey(store, {
          clientId: options.client,
          roles: options.roles,
          scopes,
          ...(options.rateLimit ? { rateLimitPerMinute: options.rateLimit } : {}),
          issuedBy: cliActor(),
        }),
      );
      console.log(
        `API key for ${options.client} (key id ${keyId}, roles ${options.roles.join(', ')}):`,
      );
      console.log('');
      console.log(`  ${key}`);
      console.log('');
      console.log(
        'It is shown this once; only its hash is stored. Send it as "Authorization: Bearer <key>".',
      );
    });

  withStoreOptions(keys.command('list').description('list keys (never their secrets)'))
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const history = await withStore(options, async (store) =>
        keyHistory(await store.readStream(apiKeyStream)),
      );
      const shown = options.all ? history : history.filter((k) => !k.revoked);
      if (options.json) console.log(JSON.stringify(shown, null, 2));
      else if (!shown.length) {
        console.log(
          history.length
            ? 'No valid API keys (list revoked ones with --all).'
            : 'No API keys. Create one with: coexist keys create --client NAME --roles writer',
        );
      } else console.log(keyTable(shown, options.all === true));
    });

  withStoreOptions(
    keys
      .command('revoke')
      .description('revoke a key; running gateways stop accepting it within seconds'),
  )
    .argument('<keyId>', 'the key id shown by "keys list"')
    .requiredOption('--reason <text>', 'why (recorded for auditors)')
    .action(async (keyId: string, options) => {
      await withStore(options, async (store) => {
        const valid = foldApiKeys(await store.readStream(apiKeyStream));
        if (!valid.has(keyId)) throw new Error(`No valid key with id ${keyId}.`);
        await revokeApiKey(store, keyId, options.reason, cliActor());
      });
      console.log(`Key ${keyId} revoked.`);
    });

  return keys;
};
