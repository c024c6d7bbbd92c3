/**
 * Runs one profile operation for one delivery: its steps in order, each evaluated against the
 * delivery (`doc`, `key`, `action`, `document`, `target`), what earlier steps named, and
 * `writes` (how many writes this run has made so far), then
 * the acknowledgement. Operations are written to be resumable (look up, then create only what
 * is missing, then act only on what is not done), so running one again after a crash or a lost
 * answer finishes the work instead of repeating it; `alreadyDelivered` is true when a run
 * wrote nothing.
 *
 * Functions offered to expressions: `$cw(section, code...)` (crosswalk), `$odata(text)` (an
 * OData string literal, URL-encoded), `$url(text)` (URL-encoded), `$hash(text, length)` (a
 * short stable code, e.g. a batch name), `$money(decimalString)` (a JSON number for an ERP
 * that takes amounts as numbers; exact up to 15 significant digits).
 */
import { createHash } from 'node:crypto';
import type { ErpAcknowledgement, ErpDelivery } from '../../../ports/erpConnector.js';
import type { RestCrosswalk } from './crosswalk.js';
import { permanentError, RestError } from './errors.js';
import type { RequestMeter, RestHttp } from './http.js';
import type { Expression, Operation, Step, VendorProfile } from './profile.js';

export interface OperationContext {
  http: RestHttp;
  profile: VendorProfile;
  crosswalk: RestCrosswalk;
  target: string;
  delivery: ErpDelivery;
  /** The dispatcher's quota for this delivery, when it meters requests. */
  meter?: RequestMeter;
}

type Scope = Record<string, unknown>;

const digest = (text: string) => createHash('sha256').update(text).digest();

const bindingsFor = (crosswalk: RestCrosswalk) => ({
  cw: (section: string, ...codes: string[]) => crosswalk.lookup(section, ...codes.map(String)),
  odata: (text: unknown) => encodeURIComponent(`'${String(text).replaceAll("'", "''")}'`),
  url: (text: unknown) => encodeURIComponent(String(text)),
  hash: (text: unknown, length = 8) =>
    BigInt(`0x${digest(String(text)).toString('hex').slice(0, 24)}`)
      .toString(36)
      .toUpperCase()
      .padStart(length, '0')
      .slice(-length),
  money: (value: unknown) => {
    const number = Number(value);
    if (value === undefined || value === null || value === '' || !Number.isFinite(number)) {
      throw permanentError('profile-error', `$money: "${String(value)}" is not a decimal.`);
    }
    return number;
  },
});

/** Details are flat (`lines.10.amount`), primitives only, as the port's acknowledgement wants. */
const flatten = (value: unknown, prefix: string, out: ErpAcknowledgement['details'] & object) => {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
    out[prefix] = value as string | number | boolean | null;
  } else if (typeof value === 'object') {
    for (const [key, inner] of Object.entries(value as object)) {
      flatten(inner, prefix ? `${prefix}.${key}` : key, out);
    }
  }
  return out;
};

const asArray = (value: unknown): unknown[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

export const runOperation = async (
  context: OperationContext,
  operation: Operation,
): Promise<ErpAcknowledgement> => {
  const { delivery, http, profile, target } = context;
  const bindings = bindingsFor(context.crosswalk);
  const scope: Scope = {
    doc: delivery.state,
    key: delivery.key,
    action: delivery.action,
    document: delivery.document,
    target,
    writes: 0,
  };
  let wrote = false;

  const evaluate = async (expression: Expression, where: string, input: unknown = scope) => {
    try {
      return (await expression.evaluate(input, bindings)) as unknown;
    } catch (error) {
      if (error instanceof RestError) throw error;
      const e = error as { message?: string; code?: string };
      throw permanentError(
        'profile-error',
        `The ${profile.name} profile failed at ${where}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(error)}`,
        expression.source,
      );
    }
  };

  const idempotencyKey = (address: string, method: string, path: string) => {
    const hex = digest(
      JSON.stringify([
        target,
        delivery.document,
        delivery.key,
        delivery.action,
        address,
        method,
        path,
      ]),
    )
      .toString('hex')
      .slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  // A name whose value is undefined is removed, so `$exists(name)` tells whether it was found.
  const name = (key: string, value: unknown) => {
    if (value === undefined || value === null) delete scope[key];
    else scope[key] = value;
  };

  const run = async (steps: Step[], address: string): Promise<void> => {
    for (const [index, step] of steps.entries()) {
      const where = `${delivery.document}.${delivery.action} step ${address}${index + 1}`;
      if (step.when && !(await evaluate(step.when, `${where} (when)`))) continue;
      switch (step.kind) {
        case 'set':
          name(step.name, await evaluate(step.value, where));
          break;
        case 'fail':
          throw permanentError(step.code, String(await evaluate(step.message, where)));
        case 'each': {
          const items = asArray(await evaluate(step.items, where));
          for (const [i, item] of items.entries()) {
            name(step.as, item);
            await run(step.steps, `${address}${index + 1}.${i + 1}/`);
          }
          break;
        }
        case 'request': {
          const path = await evaluate(step.path, where);
          if (typeof path !== 'string' || !path) {
            throw permanentError('profile-error', `${where}: the path expression gave no text.`);
          }
          const body = step.body ? await evaluate(step.body, `${where} (body)`) : undefined;
          const ifMatch = step.ifMatch
            ? await evaluate(step.ifMatch, `${where} (ifMatch)`)
            : undefined;
          const headers: Record<string, string> = {};
          if (typeof ifMatch === 'string') headers['if-match'] = ifMatch;
          const writes = step.method !== 'get';
          if (writes && profile.idempotencyHeader) {
            headers[profile.idempotencyHeader] = idempotencyKey(
              `${address}${index + 1}`,
              step.method,
              path,
            );
          }
          const answer = await http.send(step.method, path, body, headers, context.meter);
          if (writes) {
            wrote = true;
            scope.writes = Number(scope.writes ?? 0) + 1;
          }
          const result = step.result
            ? await evaluate(step.result, `${where} (result)`, answer.body ?? {})
            : answer.body;
          if (step.as) name(step.as, result);
          break;
        }
      }
    }
  };

  await run(operation.steps, '');
  const ack = (await evaluate(operation.acknowledge, 'acknowledge')) as
    | { reference?: unknown; record?: unknown; details?: unknown }
    | undefined;
  if (!ack || typeof ack.reference !== 'string' || !ack.reference) {
    throw permanentError(
      'profile-error',
      `The ${profile.name} profile's acknowledgement of ${delivery.document}.${delivery.action} gave no reference.`,
      operation.acknowledge.source,
    );
  }
  const details = ack.details === undefined ? undefined : flatten(ack.details, '', {});
  return {
    reference: ack.reference,
    record: typeof ack.record === 'string' ? ack.record : ack.reference,
    alreadyDelivered: !wrote,
    ...(details ? { details } : {}),
  };
};
