/**
 * The JSON body parser. Fastify's own, set to refuse prototype-poisoning keys, reports them as
 * "not valid JSON"; this one names the key and where it is, so the client can fix its body.
 */
import { errorCodes, type FastifyRequest } from 'fastify';

/** A body holding a key that could poison object prototypes if merged into an object. */
export class ForbiddenKeyError extends Error {
  readonly type = 'forbidden-key' as const;
  override name = 'ForbiddenKeyError';
  constructor(
    /** RFC 6901 JSON pointer to the key. */
    readonly pointer: string,
    readonly key: string,
  ) {
    super(
      `The body has a key "${key}" at ${pointer}; such keys can poison object prototypes and are refused. Remove it.`,
    );
  }
}

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** The first `__proto__` key, or `constructor` key holding a `prototype`, depth first. */
const findForbiddenKey = (value: unknown, pointer: string): ForbiddenKeyError | null => {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, '__proto__')) {
    return new ForbiddenKeyError(`${pointer}/__proto__`, '__proto__');
  }
  const ctor = Object.hasOwn(record, 'constructor') ? record.constructor : null;
  if (typeof ctor === 'object' && ctor !== null) {
    if (Object.hasOwn(ctor, 'prototype')) {
      return new ForbiddenKeyError(`${pointer}/constructor`, 'constructor');
    }
  }
  for (const [key, child] of Object.entries(record)) {
    const found = findForbiddenKey(child, `${pointer}/${escapePointer(key)}`);
    if (found) return found;
  }
  return null;
};

/**
 * Parses a JSON body. `JSON.parse` itself is safe (a `__proto__` key becomes a plain own
 * property), but code that later copies or merges the object would not be, so such keys are
 * refused. Only bodies whose text could hold one (possibly \u-escaped) are searched.
 */
export const parseJsonBody = (text: string): unknown => {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const forbidden = findForbiddenKey(body, '');
    if (forbidden) throw forbidden;
  }
  return body;
};

/** `parseJsonBody` as a Fastify content-type parser (`parseAs: 'string'`). */
export const jsonBodyParser = (
  _request: FastifyRequest,
  text: string | Buffer,
  done: (error: Error | null, body?: unknown) => void,
): void => {
  try {
    done(null, parseJsonBody(text.toString()));
  } catch (error) {
    done(error as Error);
  }
};
