/** `coexist keys create|list|revoke`: API keys, written to the gateway's event store. */
import { Command, InvalidArgumentError } from 'commander';
import { type Role, roles, type Scopes } from '../auth/principal.js';
import { type DocumentType, documentTypeInfo, documentTypes } from '../domain/documents.js';
import { apiKeyStream, foldApiKeys, issueApiKey, revokeApiKey } from '../registries/apiKeys.js';
import { openEventStore } from '../stores.js';
import { configFrom, withStoreOptions } from './options.js';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const parseRoles = (value: string): Role[] => {
  const given = list(value);
  const unknown = given.filter((role) => !roles.includes(role as Role));
  if (unknown.length || !given.length) {
    throw new InvalidArgumentError(`roles are a comma-separated list of: ${roles.join(', ')}.`);
  }
  return given as Role[];
};

/** Accepts URL names (`purchase-orders`) or type names (`purchaseOrder`). */
const parseDocumentTypes = (value: string): DocumentType[] =>
  list(value).map((name) => {
    const type = documentTypes.find((t) => t === name || documentTypeInfo[t].collection === name);
    if (!type) {
      const names = documentTypes.map((t) => documentTypeInfo[t].collection).join(', ');
      throw new InvalidArgumentError(`unknown document type "${name}"; use: ${names}.`);
    }
    return type;
  });

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

export const keysCommand = (): Command => {
  const keys = new Command('keys').description('manage API keys (stored hashed; shown once)');

  withStoreOptions(keys.command('create').description('issue an API key for a client system'))
    .requiredOption('--client <name>', 'client identity recorded on every event it causes')
    .requiredOption('--roles <roles>', `comma-separated: ${roles.join(', ')}`, parseRoles)
    .option('--scopes <types>', 'document types it may act on (default: all)', parseDocumentTypes)
    .option('--companies <list>', 'companies it may act for (default: all)', list)
    .option('--suppliers <list>', 'suppliers it may act for (default: all)', list)
    .option('--sites <list>', 'sites it may act for (default: all)', list)
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
          issuedBy: `cli:${process.env.USER ?? 'unknown'}`,
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

  withStoreOptions(
    keys.command('list').description('list valid keys (never their secrets)'),
  ).action(async (options) => {
    const valid = await withStore(options, async (store) =>
      foldApiKeys(await store.readStream(apiKeyStream)),
    );
    if (!valid.size) {
      console.log('No API keys. Create one with: coexist keys create --client NAME --roles writer');
      return;
    }
    const rows = [...valid.values()].map((k) => ({
      'key id': k.keyId,
      client: k.clientId,
      roles: k.roles.join(','),
      scopes:
        Object.entries(k.scopes)
          .map(([name, values]) => `${name}=${(values as string[]).join('|')}`)
          .join(' ') || 'all',
      issued: k.issuedAt,
    }));
    console.table(rows);
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
        await revokeApiKey(store, keyId, options.reason, `cli:${process.env.USER ?? 'unknown'}`);
      });
      console.log(`Key ${keyId} revoked.`);
    });

  return keys;
};
