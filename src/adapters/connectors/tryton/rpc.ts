/**
 * Tryton 6.0 JSON-RPC over HTTP (Node's fetch): one session per client, re-login on 401,
 * typed values (Decimal, date) both ways, and Tryton's failures turned into `TrytonError`s
 * that already know whether they are transient or permanent.
 *
 * Wire format (verified against trytond 6.0, see /work/shared/peers/tryton/NOTES.md):
 * `POST {url}/{db}/` with exactly `{id, method, params}` (adding `jsonrpc: "2.0"` changes the
 * envelope); errors come back as `{error: [ExceptionClass, args]}` for Tryton's own exceptions
 * and `{error: [str(exc), traceback]}` for anything unexpected.
 */
import type { ErpError } from '../../../ports/erpConnector.js';

export interface TrytonRpcOptions {
  url: string;
  database: string;
  login: string;
  password: string;
  /** Per HTTP request; a timeout is a transient failure. */
  timeoutMs?: number;
}

/** A Tryton failure, classified for the port. `name` is Tryton's exception class when known. */
export class TrytonError extends Error {
  constructor(
    readonly erpError: ErpError,
    readonly trytonName?: string,
    /** UserWarning only: the warning's name, which acknowledging it needs. */
    readonly warningName?: string,
  ) {
    super(erpError.message);
    this.name = 'TrytonError';
  }
}

export type TrytonContext = Record<string, unknown>;

export interface TrytonDecimal {
  __class__: 'Decimal';
  decimal: string;
}
export interface TrytonDate {
  __class__: 'date';
  year: number;
  month: number;
  day: number;
}

/** A money or price value as Tryton's Numeric fields expect it (never a JS float). */
export const dec = (value: string): TrytonDecimal => ({ __class__: 'Decimal', decimal: value });

/** `2026-11-02` (or an ISO timestamp: its calendar date as written) → Tryton's date. */
export const tdate = (iso: string): TrytonDate => {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number);
  return { __class__: 'date', year: year ?? 0, month: month ?? 0, day: day ?? 0 };
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** Tryton-typed values → strings (decimals stay exact, dates are ISO). */
export const reviveTryton = (_key: string, value: unknown): unknown => {
  if (value === null || typeof value !== 'object' || !('__class__' in value)) return value;
  const v = value as Record<string, number | string>;
  switch (v.__class__) {
    case 'Decimal':
      return String(v.decimal);
    case 'date':
      return `${v.year}-${pad(Number(v.month))}-${pad(Number(v.day))}`;
    case 'datetime':
      return `${v.year}-${pad(Number(v.month))}-${pad(Number(v.day))}T${pad(Number(v.hour))}:${pad(Number(v.minute))}:${pad(Number(v.second))}Z`;
    default:
      return value;
  }
};

/** Server errors that a later attempt can get past (SQLite busy, serialisation failures). */
const retryableServerError = /database is locked|could not serialize|deadlock|OperationalError/i;

const classify = (error: unknown): TrytonError => {
  if (!Array.isArray(error)) {
    return new TrytonError({ kind: 'permanent', code: 'tryton-error', message: String(error) });
  }
  const [name, args] = error as [string, unknown];
  if (!Array.isArray(args)) {
    // An unexpected server exception: [str(exc), traceback].
    const message = String(name);
    return retryableServerError.test(message)
      ? new TrytonError({ kind: 'transient', code: 'tryton-server-error', message })
      : new TrytonError(
          { kind: 'permanent', code: 'tryton-server-error', message, detail: String(args) },
          undefined,
        );
  }
  if (name === 'ConcurrencyException') {
    return new TrytonError(
      { kind: 'transient', code: 'ConcurrencyException', message: String(args[0]) },
      name,
    );
  }
  if (name === 'UserWarning') {
    // [warning name, message, description]
    const message = [args[1], args[2]].filter(Boolean).join(' ');
    return new TrytonError(
      { kind: 'permanent', code: 'UserWarning', message },
      name,
      String(args[0]),
    );
  }
  // UserError and its kin (AccessError, RequiredValidationError, ...): [message, description, ...]
  const message = String(args[0] ?? name);
  const detail = typeof args[1] === 'string' && args[1] ? args[1] : undefined;
  return new TrytonError(
    detail === undefined
      ? { kind: 'permanent', code: name, message }
      : { kind: 'permanent', code: name, message, detail },
    name,
  );
};

const retryAfterMs = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

export class TrytonRpc {
  private session: { header: string; uid: number; preferences: TrytonContext } | null = null;
  private loggingIn: Promise<void> | null = null;
  private nextId = 0;

  constructor(private readonly options: TrytonRpcOptions) {}

  /** The logged-in user's id (logs in if needed). */
  async userId(): Promise<number> {
    await this.ensureSession();
    return this.session?.uid ?? 0;
  }

  /** The user's preferences as Tryton's clients send them, with the given company. */
  async context(company: number): Promise<TrytonContext> {
    await this.ensureSession();
    return { ...this.session?.preferences, company };
  }

  /** `model.<model>.<method>` with the context as the last positional parameter. */
  model<T = unknown>(
    model: string,
    method: string,
    args: unknown[],
    context: TrytonContext,
  ): Promise<T> {
    return this.call<T>(`model.${model}.${method}`, [...args, context]);
  }

  async call<T = unknown>(method: string, params: unknown[]): Promise<T> {
    await this.ensureSession();
    try {
      return await this.post<T>(method, params, true);
    } catch (error) {
      if (!(error instanceof SessionExpired)) throw error;
      this.session = null;
      await this.ensureSession();
      return this.post<T>(method, params, true);
    }
  }

  async close(): Promise<void> {
    if (!this.session) return;
    await this.post('common.db.logout', [], true).catch(() => undefined);
    this.session = null;
  }

  private async ensureSession(): Promise<void> {
    if (this.session) return;
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = null;
    });
    await this.loggingIn;
  }

  private async login(): Promise<void> {
    const { login, password } = this.options;
    const result = await this.post<[number, string]>(
      'common.db.login',
      [login, { password }, 'en'],
      false,
    ).catch((error: unknown) => {
      if (error instanceof SessionExpired) {
        throw new TrytonError({
          kind: 'permanent',
          code: 'tryton-login-refused',
          message: `Tryton refused the login of ${login} to database ${this.options.database}.`,
        });
      }
      throw error;
    });
    const [uid, session] = result;
    const header = `Session ${Buffer.from(`${login}:${uid}:${session}`).toString('base64')}`;
    this.session = { header, uid, preferences: {} };
    const preferences = await this.post<TrytonContext>(
      'model.res.user.get_preferences',
      [true, {}],
      true,
    );
    this.session.preferences = preferences;
  }

  private async post<T>(method: string, params: unknown[], authenticated: boolean): Promise<T> {
    const id = ++this.nextId;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (authenticated && this.session) headers.Authorization = this.session.header;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.options.url.replace(/\/$/, '')}/${this.options.database}/`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id, method, params }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      text = await response.text();
    } catch (error) {
      const cause = error instanceof Error ? (error.cause ?? error) : error;
      throw new TrytonError({
        kind: 'transient',
        code: 'tryton-unreachable',
        message: `Tryton did not answer ${method}: ${cause instanceof Error ? cause.message : String(cause)}`,
      });
    }
    if (response.status === 401) throw new SessionExpired();
    if (response.status === 429 || response.status >= 500) {
      const after = retryAfterMs(response.headers.get('retry-after'));
      const message = `Tryton answered HTTP ${response.status} to ${method}`;
      throw new TrytonError(
        after === undefined
          ? { kind: 'transient', code: `http-${response.status}`, message }
          : { kind: 'transient', code: `http-${response.status}`, message, retryAfterMs: after },
      );
    }
    if (!response.ok) {
      throw new TrytonError({
        kind: 'permanent',
        code: `http-${response.status}`,
        message: `Tryton answered HTTP ${response.status} to ${method}`,
      });
    }
    let body: { result?: T; error?: unknown };
    try {
      body = JSON.parse(text, reviveTryton) as typeof body;
    } catch {
      // Not Tryton speaking (a proxy's error page, a cut answer): nothing is wrong with the document.
      throw new TrytonError({
        kind: 'transient',
        code: 'tryton-bad-answer',
        message: `Tryton's answer to ${method} is not JSON: ${text.slice(0, 120)}`,
      });
    }
    if (body.error !== undefined && body.error !== null) throw classify(body.error);
    return body.result as T;
  }
}

class SessionExpired extends Error {}
