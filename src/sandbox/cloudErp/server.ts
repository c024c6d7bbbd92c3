/**
 * The cloud-ERP sandbox: a TEST PEER that behaves as the Business Central profile describes
 * (erp-profiles/business-central), never an ERP. Every answer carries `X-Coexist-Sandbox`.
 *
 * - `POST /oauth2/token`: OAuth2 client credentials; tokens expire after `tokenTtlSeconds`.
 * - `/api/v2.0/...`: the API (./api.ts), behind a bearer token, the quota (429 + Retry-After),
 *   outages (503), 5xx faults (some after the write was kept) and latency.
 * - `GET /sandbox/inspect`: what it holds and saw (documents, counts, duplicates, quota counters).
 * - `GET|PUT /sandbox/admin/faults`, `POST /sandbox/admin/outage`,
 *   `POST /sandbox/admin/revoke-tokens`: fault injection while it runs.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply } from 'fastify';
import { handleApi } from './api.js';
import { BcError } from './errors.js';
import { defaultFaults, mergeFaults, type SandboxFaults } from './faults.js';
import { inspect } from './inspect.js';
import { Ledger } from './ledger.js';
import { SlidingQuota } from './quota.js';

export const sandboxHeader = 'x-coexist-sandbox';
export const sandboxHeaderValue = 'cloud-erp test peer, not a real ERP';

/** The client the sandbox knows (a test peer's credentials, published on purpose). */
export const sandboxClient = { clientId: 'coexist-sandbox', clientSecret: 'sandbox-secret' };

export interface CloudErpSandboxOptions {
  host?: string;
  port?: number;
  /** Partial fault settings merged over the defaults (see faults.ts). */
  faults?: Record<string, unknown>;
  random?: () => number;
}

export interface CloudErpSandbox {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  apiUrl: string;
  tokenUrl: string;
  faults(): SandboxFaults;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const problem = (reply: FastifyReply, status: number, title: string, errors: object[] = []) =>
  reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', status, title, ...(errors.length ? { errors } : {}) });

export const startCloudErpSandbox = async (
  options: CloudErpSandboxOptions = {},
): Promise<CloudErpSandbox> => {
  const random = options.random ?? Math.random;
  const merged = mergeFaults(defaultFaults(), options.faults ?? {});
  if (!merged.ok) {
    throw new Error(
      `Invalid sandbox faults: ${merged.violations.map((v) => `${v.pointer} ${v.detail}`).join('; ')}`,
    );
  }
  let faults = merged.faults;
  const ledger = new Ledger(() => faults);
  const quota = new SlidingQuota(() => faults.quota);
  const tokens = new Map<string, number>();
  const stats = {
    requests: 0,
    tokensIssued: 0,
    unauthorized: 0,
    injected5xx: 0,
    /** Of those, answered after the write was kept (the client cannot know it was). */
    injectedAfterWrite: 0,
    outage503: 0,
  };
  const byRoute = new Map<string, number>();

  const app = Fastify({ logger: false });
  app.addHook('onSend', async (_request, reply) => {
    reply.header(sandboxHeader, sandboxHeaderValue);
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  app.get('/', async () => ({
    name: 'Coexist cloud-ERP sandbox',
    note: 'A test and demo peer behaving as the Business Central API v2.0 profile describes. Not an ERP: it keeps everything in memory.',
    api: '/api/v2.0',
    token: '/oauth2/token',
    inspect: '/sandbox/inspect',
    admin: '/sandbox/admin/faults',
  }));

  app.post('/oauth2/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    let { client_id: clientId, client_secret: secret } = form;
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
    if (basic) {
      [clientId, secret] = Buffer.from(basic[1] as string, 'base64')
        .toString()
        .split(':');
    }
    if (form.grant_type !== 'client_credentials') {
      return reply.code(400).send({
        error: 'unsupported_grant_type',
        error_description: 'Only client_credentials.',
      });
    }
    if (clientId !== sandboxClient.clientId || secret !== sandboxClient.clientSecret) {
      return reply
        .code(401)
        .send({ error: 'invalid_client', error_description: 'Unknown client or wrong secret.' });
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + faults.tokenTtlSeconds * 1000);
    stats.tokensIssued++;
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: faults.tokenTtlSeconds,
    };
  });

  const bcError = (reply: FastifyReply, error: BcError) =>
    reply.code(error.status).send({ error: { code: error.code, message: error.message } });

  app.all('/api/v2.0/*', async (request, reply) => {
    stats.requests++;
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const expires = token ? tokens.get(token) : undefined;
    if (expires === undefined || expires <= Date.now()) {
      stats.unauthorized++;
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      return bcError(
        reply,
        new BcError(
          401,
          'Authentication_InvalidCredentials',
          'The token is invalid or has expired.',
        ),
      );
    }
    const admission = quota.admit();
    if (!admission.ok) {
      reply.header('retry-after', String(admission.retryAfterSeconds));
      return bcError(
        reply,
        new BcError(
          429,
          'Application_TooManyRequests',
          'Too many requests: the quota of this client is used up.',
        ),
      );
    }
    try {
      const now = Date.now();
      if (faults.outages.some((o) => o.from <= now && now < o.to)) {
        stats.outage503++;
        return bcError(
          reply,
          new BcError(
            503,
            'ServiceUnavailable',
            'The service is unavailable (sandbox outage window).',
          ),
        );
      }
      const { min, max } = faults.latencyMs;
      if (max > 0) await sleep(min + Math.floor(random() * (max - min + 1)));
      const path = (request.params as { '*': string })['*'];
      const routeKey = `${request.method} ${path.replace(/\([^)]*\)/g, '()').replace(/^companies\(\)\//, '')}`;
      byRoute.set(routeKey, (byRoute.get(routeKey) ?? 0) + 1);
      const failing = random() < faults.errorRate;
      const afterWrite = failing && request.method !== 'GET' && random() < faults.errorAfterWrite;
      const injected = () => {
        stats.injected5xx++;
        if (random() < 0.5) {
          reply.header('retry-after', '1');
          return bcError(
            reply,
            new BcError(503, 'ServiceUnavailable', 'Injected fault (sandbox).'),
          );
        }
        return bcError(reply, new BcError(500, 'InternalServerError', 'Injected fault (sandbox).'));
      };
      if (failing && !afterWrite) return injected();
      const answer = handleApi(ledger, {
        method: request.method,
        path: path.split('?')[0] ?? '',
        query: request.query as Record<string, string | undefined>,
        ifMatch: request.headers['if-match'],
        body: request.body,
      });
      if (afterWrite && answer.status < 300) {
        stats.injectedAfterWrite++;
        return injected();
      }
      const etag = (answer.body as { '@odata.etag'?: string } | undefined)?.['@odata.etag'];
      if (etag) reply.header('etag', etag);
      return answer.body === undefined
        ? reply.code(answer.status).send()
        : reply.code(answer.status).send(answer.body);
    } catch (error) {
      if (error instanceof BcError) return bcError(reply, error);
      throw error;
    } finally {
      admission.release();
    }
  });

  app.get('/sandbox/inspect', async () => ({
    sandbox: sandboxHeaderValue,
    ...inspect(ledger),
    quota: quota.snapshot(),
    requests: { ...stats, byRoute: Object.fromEntries(byRoute) },
    faults,
  }));

  app.get('/sandbox/admin/faults', async () => faults);
  app.put('/sandbox/admin/faults', async (request, reply) => {
    const next = mergeFaults(faults, request.body ?? {});
    if (!next.ok) return problem(reply, 400, 'Invalid fault settings', next.violations);
    faults = next.faults;
    return faults;
  });
  app.post('/sandbox/admin/outage', async (request, reply) => {
    const durationMs = (request.body as { durationMs?: unknown } | undefined)?.durationMs;
    if (typeof durationMs !== 'number' || durationMs <= 0) {
      return problem(reply, 400, 'Invalid outage', [
        { pointer: '/durationMs', detail: 'must be a positive number of milliseconds' },
      ]);
    }
    const from = Date.now();
    faults = { ...faults, outages: [...faults.outages, { from, to: from + durationMs }] };
    return faults;
  });
  app.post('/sandbox/admin/revoke-tokens', async () => {
    const revoked = tokens.size;
    tokens.clear();
    return { revoked };
  });

  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const url = address.replace('[::1]', 'localhost');
  return {
    url,
    apiUrl: `${url}/api/v2.0`,
    tokenUrl: `${url}/oauth2/token`,
    faults: () => faults,
    close: () => app.close(),
  };
};
