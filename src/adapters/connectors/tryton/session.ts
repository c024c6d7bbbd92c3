/**
 * What every mapping needs: JSON-RPC calls in a company's context, the crosswalk, and Tryton's
 * `UserWarning`s acknowledged the way its own web client does (create a `res.user.warning`
 * for the warning's name, then repeat the call), but only for warnings listed here as safe.
 */
import type { Crosswalk } from './crosswalk.js';
import { type TrytonContext, TrytonError, type TrytonRpc } from './rpc.js';

/**
 * Warnings the gateway acknowledges. Each states a fact the external system already decided:
 * - `<hash>.effective_date_future` (stock): a receipt dated after Tryton's clock (the warehouse
 *   recorded it; clocks and time zones differ);
 * - `invoice_payment_term_<id>` (account_invoice): an invoice whose payment date is already past
 *   (supplier invoices arrive after their date).
 * Anything else (e.g. moves without origin) means the mapping went wrong: a permanent error
 * with the warning's text.
 */
export const safeWarnings: readonly RegExp[] = [
  /^[0-9a-f]{32}\.effective_date_future$/,
  /^invoice_payment_term_\d+$/,
];

export type Id = number;

export class TrytonSession {
  private readonly contexts = new Map<Id, TrytonContext>();
  /** Names of the warnings acknowledged during this delivery (reported to the operator). */
  readonly acknowledgedWarnings: string[] = [];

  constructor(
    readonly rpc: TrytonRpc,
    readonly crosswalk: Crosswalk,
    readonly defaults: { paymentTerm: string; journal: string },
  ) {}

  async context(company: Id): Promise<TrytonContext> {
    let context = this.contexts.get(company);
    if (!context) {
      context = await this.rpc.context(company);
      this.contexts.set(company, context);
    }
    return context;
  }

  /** `model.<model>.<method>(...args, context)`, acknowledging safe warnings. */
  async call<T = unknown>(
    company: Id,
    model: string,
    method: string,
    ...args: unknown[]
  ): Promise<T> {
    const context = await this.context(company);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.rpc.model<T>(model, method, args, context);
      } catch (error) {
        const name = error instanceof TrytonError ? error.warningName : undefined;
        if (name === undefined || attempt >= 3 || !safeWarnings.some((safe) => safe.test(name))) {
          throw error;
        }
        await this.rpc.model(
          'res.user.warning',
          'create',
          [[{ user: await this.rpc.userId(), name, always: false }]],
          context,
        );
        this.acknowledgedWarnings.push(name);
      }
    }
  }

  search(company: Id, model: string, domain: unknown[], order: unknown = null): Promise<Id[]> {
    return this.call<Id[]>(company, model, 'search', domain, 0, null, order);
  }

  read<T>(company: Id, model: string, ids: Id[], fields: string[]): Promise<T[]> {
    return this.call<T[]>(company, model, 'read', ids, fields);
  }

  async readOne<T>(company: Id, model: string, id: Id, fields: string[]): Promise<T | null> {
    const [found] = await this.read<T>(company, model, [id], fields);
    return found ?? null;
  }

  async searchRead<T>(
    company: Id,
    model: string,
    domain: unknown[],
    fields: string[],
    order: unknown = [['id', 'ASC']],
  ): Promise<T[]> {
    return this.call<T[]>(company, model, 'search_read', domain, 0, null, order, fields);
  }

  async create(company: Id, model: string, values: Record<string, unknown>): Promise<Id> {
    const [id] = await this.call<Id[]>(company, model, 'create', [values]);
    return id as Id;
  }

  write(company: Id, model: string, ids: Id[], values: Record<string, unknown>): Promise<void> {
    return this.call(company, model, 'write', ids, values);
  }

  button(company: Id, model: string, button: string, ids: Id[]): Promise<unknown> {
    return this.call(company, model, button, ids);
  }
}

/** A permanent error in the gateway's words, for refusals Tryton expresses by its rules only. */
export const refusal = (code: string, message: string): TrytonError =>
  new TrytonError({ kind: 'permanent', code, message });
