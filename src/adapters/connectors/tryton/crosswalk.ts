/**
 * The crosswalk: the gateway's master-data codes → Tryton's record ids, for one target.
 * It is a JSON file (scripts/tryton-sandbox.sh writes the sandbox's; an operator writes their
 * own), re-read when it changes so that a fixed crosswalk is used by the next replay without a
 * restart. An unknown code is a permanent error naming the code and the target.
 */
import { readFileSync, statSync } from 'node:fs';
import { TrytonError } from './rpc.js';

export interface CrosswalkCompany {
  id: number;
  party: number;
  currency: string;
  /** Expense account of supplier invoice lines (what Tryton takes from the product category). */
  expenseAccount: number;
  payableAccount: number;
  /** Tryton's expense journal, where supplier invoices are posted. */
  expenseJournal: number;
  /** Invoice charge type (e.g. `freight`) → account id. */
  chargeAccounts: Record<string, number>;
}

export interface CrosswalkData {
  companies: Record<string, CrosswalkCompany>;
  currencies: Record<string, number>;
  units: Record<string, number>;
  sites: Record<string, { warehouse: number; input: number; storage: number }>;
  suppliers: Record<string, { party: number; address: number }>;
  items: Record<string, number>;
  /** Per company code: account code → id. */
  accounts: Record<string, Record<string, number>>;
  /** Per company code: tax code → id. */
  taxes: Record<string, Record<string, number>>;
  journals: Record<string, number>;
  paymentTerms: Record<string, number>;
  locations: { supplier: number };
}

const sections = [
  'companies',
  'currencies',
  'units',
  'sites',
  'suppliers',
  'items',
  'accounts',
  'taxes',
  'journals',
  'paymentTerms',
  'locations',
] as const;

type Kind = 'company' | 'currency' | 'unit' | 'site' | 'supplier' | 'item' | 'account' | 'tax';

export class Crosswalk {
  constructor(
    readonly data: CrosswalkData,
    private readonly target: string,
  ) {}

  company(code: string): CrosswalkCompany {
    return this.find('company', this.data.companies, code);
  }
  currency(code: string): number {
    return this.find('currency', this.data.currencies, code);
  }
  unit(code: string): number {
    return this.find('unit', this.data.units, code);
  }
  site(code: string): CrosswalkData['sites'][string] {
    return this.find('site', this.data.sites, code);
  }
  supplier(code: string): CrosswalkData['suppliers'][string] {
    return this.find('supplier', this.data.suppliers, code);
  }
  item(code: string): number {
    return this.find('item', this.data.items, code);
  }
  account(company: string, code: string): number {
    return this.find('account', this.data.accounts[company] ?? {}, code, ` of company ${company}`);
  }
  tax(company: string, code: string): number {
    return this.find('tax', this.data.taxes[company] ?? {}, code, ` of company ${company}`);
  }
  journal(code: string): number {
    const id = this.data.journals[code];
    if (id === undefined) throw this.unknown('journal', code, '');
    return id;
  }
  paymentTerm(code: string): number {
    const id = this.data.paymentTerms[code];
    if (id === undefined) throw this.unknown('payment term', code, '');
    return id;
  }

  private find<T>(kind: Kind, table: Record<string, T>, code: string, scope = ''): T {
    const found = Object.hasOwn(table, code) ? table[code] : undefined;
    if (found === undefined) throw this.unknown(kind, code, scope);
    return found;
  }

  private unknown(kind: string, code: string, scope: string): TrytonError {
    return new TrytonError({
      kind: 'permanent',
      code: 'unknown-code',
      message: `Unknown ${kind} ${code}${scope} in the crosswalk of target ${this.target} (Tryton): add it to the crosswalk, then replay.`,
    });
  }
}

export const parseCrosswalk = (text: string, source: string, target: string): Crosswalk => {
  const data = JSON.parse(text) as Partial<CrosswalkData>;
  const missing = sections.filter((section) => typeof data[section] !== 'object');
  if (missing.length > 0) {
    throw new Error(`Crosswalk ${source} lacks ${missing.join(', ')}.`);
  }
  return new Crosswalk(data as CrosswalkData, target);
};

/** A crosswalk file, re-read whenever its modification time or size changes. */
export class CrosswalkFile {
  private loaded: { version: string; crosswalk: Crosswalk } | null = null;

  constructor(
    private readonly path: string,
    private readonly target: string,
  ) {}

  current(): Crosswalk {
    const { mtimeMs, size } = statSync(this.path);
    const version = `${mtimeMs}:${size}`;
    if (this.loaded?.version !== version) {
      const crosswalk = parseCrosswalk(readFileSync(this.path, 'utf8'), this.path, this.target);
      this.loaded = { version, crosswalk };
    }
    return this.loaded.crosswalk;
  }
}
