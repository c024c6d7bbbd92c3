/**
 * API keys. A key is `cx_<keyId>_<secret>`; only a SHA-256 of the secret is stored (the
 * secret is 256 random bits, so a slow hash would add latency without adding safety).
 * Issuing and revoking keys are events in the `coexist-api-keys` stream: they survive in
 * whichever event store the gateway uses, every gateway instance sees them, and auditors can
 * tell who held which key when.
 */
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Principal, Role, Scopes } from '../auth/principal.js';
import type { EventStore, JsonObject, RecordedEvent } from '../ports/eventStore.js';
import type { LogFollower, Sync } from './follower.js';

export const apiKeyStream = 'coexist-api-keys';

export interface ApiKeyIssued {
  keyId: string;
  clientId: string;
  roles: Role[];
  scopes: Scopes;
  rateLimitPerMinute?: number;
  secretSha256: string;
  issuedAt: string;
  issuedBy: string;
}

const sha256 = (value: string): string => hash('sha256', value, 'hex');

const parseKey = (token: string): { keyId: string; secret: string } | null => {
  const match = /^cx_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { keyId: match[1] as string, secret: match[2] as string } : null;
};

/** Issues a key: records its hash and returns the only copy of the key itself. */
export const issueApiKey = async (
  store: EventStore,
  request: Omit<ApiKeyIssued, 'keyId' | 'secretSha256' | 'issuedAt'>,
  now = new Date(),
): Promise<{ key: string; keyId: string }> => {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const issued: ApiKeyIssued = {
    ...request,
    keyId,
    secretSha256: sha256(secret),
    issuedAt: now.toISOString(),
  };
  await store.appendToStream(
    apiKeyStream,
    [
      {
        id: randomUUID(),
        type: 'ApiKeyIssued',
        data: issued as unknown as JsonObject,
        metadata: { clientId: request.issuedBy, receivedAt: now.toISOString() },
      },
    ],
    { expectedRevision: 'any' },
  );
  return { key: `cx_${keyId}_${secret}`, keyId };
};

export const revokeApiKey = async (
  store: EventStore,
  keyId: string,
  reason: string,
  revokedBy: string,
  now = new Date(),
): Promise<void> => {
  await store.appendToStream(
    apiKeyStream,
    [
      {
        id: randomUUID(),
        type: 'ApiKeyRevoked',
        data: { keyId, reason, revokedAt: now.toISOString(), revokedBy },
        metadata: { clientId: revokedBy, receivedAt: now.toISOString() },
      },
    ],
    { expectedRevision: 'any' },
  );
};

/** Keys currently valid, folded from the key stream. */
export const foldApiKeys = (
  events: readonly RecordedEvent[],
  into = new Map<string, ApiKeyIssued>(),
): Map<string, ApiKeyIssued> => {
  for (const event of events) {
    if (event.type === 'ApiKeyIssued') {
      const issued = event.data as unknown as ApiKeyIssued;
      into.set(issued.keyId, issued);
    } else if (event.type === 'ApiKeyRevoked') {
      into.delete(String(event.data.keyId));
    }
  }
  return into;
};

/**
 * Resolves bearer tokens to principals from the key stream. Keys issued by another process
 * (the CLI, another instance) arrive through the registries' subscription, as revocations do;
 * a token whose key is not known yet makes the registry catch up with the log once.
 */
export class ApiKeyRegistry implements LogFollower {
  readonly streamName = apiKeyStream;
  readonly eventTypes = ['ApiKeyIssued', 'ApiKeyRevoked'] as const;
  private keys = new Map<string, ApiKeyIssued>();
  private lastMissRefresh = 0;
  /**
   * Tokens already verified, so a busy client does not pay a hash per request. An entry holds
   * only while its key is still the one issued (revocation deletes it from `keys`).
   */
  private verified = new Map<string, { issued: ApiKeyIssued; principal: Principal }>();

  constructor(
    private readonly sync: Sync,
    private readonly extraKeys: ReadonlyMap<string, Principal> = new Map(),
  ) {}

  apply(event: RecordedEvent): void {
    foldApiKeys([event], this.keys);
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * The principal of a token verified before (or a configured extra key), without waiting;
   * undefined when only `authenticate` can tell (first use, unknown, revoked or malformed).
   * Lets the auth hook answer a known client synchronously, as nearly every request is.
   */
  knownPrincipal(token: string): Principal | undefined {
    const extra = this.extraKeys.get(token);
    if (extra) return extra;
    const cached = this.verified.get(token);
    if (cached && this.keys.get(cached.issued.keyId) === cached.issued) return cached.principal;
    return undefined;
  }

  async authenticate(token: string): Promise<Principal | null> {
    const known = this.knownPrincipal(token);
    if (known) return known;
    const parsed = parseKey(token);
    if (!parsed) return null;
    let issued = this.keys.get(parsed.keyId);
    // A key issued moments ago by the CLI: refresh once, but not on every bad token.
    if (!issued && Date.now() - this.lastMissRefresh > 250) {
      this.lastMissRefresh = Date.now();
      await this.sync();
      issued = this.keys.get(parsed.keyId);
    }
    if (!issued) return null;
    const expected = Buffer.from(issued.secretSha256, 'hex');
    const actual = Buffer.from(sha256(parsed.secret), 'hex');
    if (!timingSafeEqual(expected, actual)) return null;
    const principal: Principal = {
      clientId: issued.clientId,
      keyId: issued.keyId,
      roles: issued.roles,
      scopes: issued.scopes,
      rateLimitPerMinute: issued.rateLimitPerMinute,
    };
    // Bounded: valid tokens are few (one per client); the cap only guards memory.
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(token, { issued, principal });
    return principal;
  }
}
