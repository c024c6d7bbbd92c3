/**
 * HTTP to a cloud ERP over undici: an OAuth2 client-credentials token, cached and refreshed
 * before it expires (and once more when the ERP answers 401 anyway); the target's quota hook
 * awaited before every API request; every failure turned into a classified `RestError`:
 * unreachable, timeout, 408, 429 and 5xx are transient (with the ERP's `Retry-After`), 412 is
 * a stale record (the operation is run again from fresh reads), any other 4xx is permanent
 * with the ERP's own message.
 */
import { Agent, request } from 'undici';
import { permanentError, retryAfterMs, StaleRecord, transientError } from './errors.js';
import type { VendorProfile } from './profile.js';

export interface RestHttpOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs: number;
  /** Waits for the target's quota; may return a release called when the answer came. */
  beforeRequest?: () => Promise<unknown>;
}

/**
 * The dispatcher's per-target quota for one delivery (the shape of the port's `RequestBudget`
 * on the delivery branch): every request, token requests included, runs through `run`; an
 * ERP's Retry-After pauses it.
 */
export interface RequestMeter {
  run<T>(request: () => Promise<T>): Promise<T>;
  pause(ms: number): void;
}

export interface RestAnswer {
  status: number;
  body: unknown;
  etag?: string;
}

/** A token is refreshed this long before it expires (or at half its life, if shorter). */
const refreshMarginMs = 60_000;

const describe = (error: unknown) => {
  const cause = error instanceof Error ? (error.cause ?? error) : error;
  return cause instanceof Error ? `${cause.message}` : String(cause);
};

export class RestHttp {
  private readonly agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
  private token: { value: string; refreshAt: number } | null = null;
  private fetching: Promise<string> | null = null;
  /** Tokens fetched so far (tests and the banner read it). */
  tokensFetched = 0;

  constructor(
    private readonly options: RestHttpOptions,
    private readonly profile: VendorProfile,
  ) {}

  async send(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    meter?: RequestMeter,
  ): Promise<RestAnswer> {
    const send = async () => {
      const token = await this.accessToken(meter);
      const request = () => this.attempt(method, path, body, headers, token);
      return meter ? meter.run(request) : request();
    };
    const first = await send();
    if (first.status !== 401) return this.classify(method, path, first, meter);
    // The token was refused before its time (revoked, rotated): one fresh token, one retry.
    this.token = null;
    const second = await send();
    if (second.status === 401) {
      throw permanentError(
        'erp-auth-refused',
        `The ERP refused a fresh token for ${method.toUpperCase()} ${path}: check the client's permissions.`,
      );
    }
    return this.classify(method, path, second, meter);
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private url(path: string): string {
    const base = this.options.baseUrl.replace(/\/?$/, '/');
    return new URL(path.replace(/^\//, ''), base).toString();
  }

  private async attempt(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    token: string,
  ): Promise<RestAnswer & { headers: Record<string, string | string[] | undefined> }> {
    const release = await this.options.beforeRequest?.();
    try {
      const response = await request(this.url(path), {
        method: method.toUpperCase() as 'GET',
        dispatcher: this.agent,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.body.text();
      let parsed: unknown = text;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: kept as text for the error message.
        }
      }
      const etag = response.headers.etag;
      return {
        status: response.statusCode,
        body: parsed,
        headers: response.headers,
        ...(typeof etag === 'string' ? { etag } : {}),
      };
    } catch (error) {
      throw transientError(
        'erp-unreachable',
        `The ERP did not answer ${method.toUpperCase()} ${path}: ${describe(error)}`,
      );
    } finally {
      if (typeof release === 'function') release();
    }
  }

  private async classify(
    method: string,
    path: string,
    answer: RestAnswer & { headers: Record<string, string | string[] | undefined> },
    meter?: RequestMeter,
  ): Promise<RestAnswer> {
    const { status } = answer;
    if (status < 300)
      return { status, body: answer.body, ...(answer.etag ? { etag: answer.etag } : {}) };
    const what = `${method.toUpperCase()} ${path}`;
    if (status === 412) throw new StaleRecord(`${what}: the record changed since it was read`);
    const vendorMessage = await this.vendorMessage(answer.body);
    if (status === 408 || status === 429 || status >= 500) {
      const wait = retryAfterMs(answer.headers['retry-after']);
      // Nothing else goes to this ERP before it said to come back.
      if (wait !== undefined && meter) meter.pause(wait);
      throw transientError(
        `http-${status}`,
        `The ERP answered ${status} to ${what}${vendorMessage.message ? `: ${vendorMessage.message}` : ''}`,
        wait,
      );
    }
    throw permanentError(
      vendorMessage.code ?? `http-${status}`,
      vendorMessage.message || `The ERP answered ${status} to ${what}`,
      `HTTP ${status} to ${what}`,
    );
  }

  /** The ERP's own words, found where the profile says they are. */
  private async vendorMessage(body: unknown): Promise<{ message: string; code?: string }> {
    if (typeof body !== 'object' || body === null) return { message: String(body ?? '') };
    try {
      const message = await this.profile.errors.message.evaluate(body);
      const code = await this.profile.errors.code?.evaluate(body);
      return {
        message: typeof message === 'string' ? message : JSON.stringify(body),
        ...(typeof code === 'string' && code ? { code } : {}),
      };
    } catch {
      return { message: JSON.stringify(body) };
    }
  }

  private async accessToken(meter?: RequestMeter): Promise<string> {
    if (this.token && Date.now() < this.token.refreshAt) return this.token.value;
    this.fetching ??= (meter ? meter.run(() => this.fetchToken()) : this.fetchToken()).finally(
      () => {
        this.fetching = null;
      },
    );
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope, timeoutMs } = this.options;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      ...(scope ? { scope } : {}),
    });
    let status: number;
    let text: string;
    try {
      const response = await request(tokenUrl, {
        method: 'POST',
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw transientError(
        'oauth-unreachable',
        `The token endpoint did not answer: ${describe(error)}`,
      );
    }
    let body: {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // reported below
    }
    if (status === 429 || status >= 500) {
      throw transientError('oauth-unavailable', `The token endpoint answered ${status}.`);
    }
    if (status !== 200 || typeof body.access_token !== 'string') {
      throw permanentError(
        'oauth-refused',
        `The token endpoint refused the client ${clientId}: ${String(body.error_description ?? body.error ?? text.slice(0, 200))}`,
      );
    }
    // Some token endpoints send expires_in as a string.
    const seconds = Number(body.expires_in ?? 3600);
    const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000;
    this.token = {
      value: body.access_token,
      refreshAt: Date.now() + lifetimeMs - Math.min(refreshMarginMs, lifetimeMs / 2),
    };
    this.tokensFetched++;
    return body.access_token;
  }
}
