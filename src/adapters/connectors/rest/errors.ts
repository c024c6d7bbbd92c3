/** A failure inside the REST connector, already classified for the port. */
import type { ErpError } from '../../../ports/erpConnector.js';

export class RestError extends Error {
  constructor(readonly erpError: ErpError) {
    super(erpError.message);
    this.name = 'RestError';
  }
}

/** The ERP refused a write because the record changed since it was read (HTTP 412). */
export class StaleRecord extends Error {
  override name = 'StaleRecord';
}

export const permanentError = (code: string, message: string, detail?: string) =>
  new RestError(
    detail === undefined
      ? { kind: 'permanent', code, message }
      : { kind: 'permanent', code, message, detail },
  );

export const transientError = (code: string, message: string, retryAfterMs?: number) =>
  new RestError(
    retryAfterMs === undefined
      ? { kind: 'transient', code, message }
      : { kind: 'transient', code, message, retryAfterMs },
  );

/** `Retry-After` as seconds or an HTTP date → milliseconds. */
export const retryAfterMs = (header: string | string[] | undefined): number | undefined => {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};
