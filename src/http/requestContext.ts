/**
 * What the write path needs from an HTTP request besides its body: the correlation id and a
 * fingerprint that tells whether two requests with one Idempotency-Key are the same request.
 */
import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson } from '../shared/canonicalJson.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every request by the correlation plugin (plugins/correlation.ts). */
    correlationId: string;
    /** The caller's `traceparent` when it is valid W3C trace context, else undefined. */
    traceparent: string | undefined;
  }
}

// W3C Trace Context: version, trace id, parent id, flags; later versions may append fields.
const traceparentPattern =
  /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[0-9a-f][^\s]*)?$/;
const allZero = /^0+$/;

/** The trace id of a valid `traceparent`, or undefined (which W3C says to treat as absent). */
export const traceIdOf = (traceparent: string): string | undefined => {
  const match = traceparentPattern.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match as unknown as string[];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (allZero.test(traceId as string) || allZero.test(parentId as string)) return undefined;
  return traceId;
};

/**
 * What a client may send as `X-Correlation-Id`: 1 to 128 characters from letters, digits and
 * `- . _ : + / = @`, enough for UUIDs, ULIDs, trace ids and base64, nothing a log line or a
 * header could be confused by.
 */
export const correlationIdPattern = /^[A-Za-z0-9._:+/=@-]{1,128}$/;
export const correlationIdRule = '1 to 128 characters from letters, digits and - . _ : + / = @';

/**
 * The correlation id of a request: the W3C trace id of a valid `traceparent`, else its
 * `X-Correlation-Id`, else a new id, so every event can be tied back to the conversation
 * that caused it.
 */
export const correlationIdOf = (request: FastifyRequest): string => request.correlationId;

/** Same method, same path, same body (as data) ⇒ same fingerprint. */
export const fingerprintOf = (method: string, path: string, body: unknown): string =>
  hash('sha256', `${method} ${path}\n${canonicalJson(body)}`, 'base64url');
