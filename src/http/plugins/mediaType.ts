/**
 * Request bodies are JSON in UTF-8 with no content coding. Anything else is refused with a 415
 * that names what is accepted, before the body is read: a JSON document sent as `text/plain`
 * would otherwise reach validation as a string ("must be object"), and a body in Latin-1 or
 * gzip would be read as if it were UTF-8 text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../problem.js';

export const acceptedMediaType = 'application/json; charset=utf-8';

const hasBody = (request: FastifyRequest): boolean => {
  const { 'content-length': length, 'transfer-encoding': chunked } = request.headers;
  return chunked !== undefined || (length !== undefined && length !== '0');
};

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/** Why the declared media type cannot be read, or undefined when it is JSON in UTF-8. */
const mediaTypeFault = (contentType: string | undefined): string | undefined => {
  if (contentType === undefined) return 'The request has a body but no Content-Type.';
  // What nearly every client sends, accepted without parsing.
  if (contentType === 'application/json' || contentType === acceptedMediaType) return undefined;
  const [essence = '', ...parameters] = contentType.split(';');
  if (essence.trim().toLowerCase() !== 'application/json') {
    return `Content-Type ${essence.trim() || '(empty)'} is not accepted.`;
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=', 2);
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8') return `Charset ${charset || '(empty)'} is not accepted.`;
  }
  return undefined;
};

/** Content codings other than `identity`; the gateway decodes none. */
const codings = (contentEncoding: string | undefined): string[] =>
  contentEncoding === undefined
    ? []
    : contentEncoding
        .split(',')
        .map((coding) => coding.trim().toLowerCase())
        .filter((coding) => coding !== '' && coding !== 'identity');

/** The 415 for this request, or undefined when its body (if any) can be read. */
const refusal = (request: FastifyRequest): HttpProblem | undefined => {
  // An unknown route gets its 404 or 405 whatever its body.
  if (request.is404 || !(hasBody(request) || bodyMethods.has(request.method))) return undefined;
  const contentType = request.headers['content-type'];
  const fault =
    contentType !== undefined || hasBody(request) ? mediaTypeFault(contentType) : undefined;
  if (fault) {
    return new HttpProblem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `${fault} Send the body as ${acceptedMediaType}.`,
      {},
      { 'accept-post': acceptedMediaType },
    );
  }
  const encoded = codings(request.headers['content-encoding'] as string | undefined);
  if (encoded.length) {
    return new HttpProblem(
      415,
      'unsupported-content-encoding',
      'Unsupported content encoding',
      `Content-Encoding ${encoded.join(', ')} is not decoded by the gateway; send the body uncompressed.`,
      {},
      { 'accept-encoding': 'identity' },
    );
  }
  return undefined;
};

export const mediaTypePlugin = fp(
  async (app: FastifyInstance) => {
    // A callback hook: no promise per request on the hot path.
    app.addHook('preParsing', (request, _reply, payload, done) => {
      const problem = refusal(request);
      if (problem) done(problem);
      else done(null, payload);
    });
  },
  { name: 'coexist-media-type' },
);
