/**
 * What the write path needs from an HTTP request besides its body: the correlation id and a
 * fingerprint that tells whether two requests with one Idempotency-Key are the same request.
 */
import { hash, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson } from '../shared/canonicalJson.js';

const traceparentPattern = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const correlationIdPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * The W3C trace id when the caller sends `traceparent`, else its `X-Correlation-Id`, else a
 * new id, so every event can be tied back to the conversation that caused it.
 */
export const correlationIdOf = (request: FastifyRequest): string => {
  const traceparent = request.headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = traceparentPattern.exec(traceparent.trim());
    if (match) return match[1] as string;
  }
  const given = request.headers['x-correlation-id'];
  if (typeof given === 'string' && correlationIdPattern.test(given)) return given;
  return randomUUID();
};

/** Same method, same path, same body (as data) ⇒ same fingerprint. */
export const fingerprintOf = (method: string, path: string, body: unknown): string =>
  hash('sha256', `${method} ${path}\n${canonicalJson(body)}`, 'base64url');
