/**
 * The records the sandbox keeps, with Business Central's field names, and the checks BC makes
 * when they are written: only fields the API exposes, master data that exists, dates that are
 * dates. Every record carries an ETag that changes with each write.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, missingRelated } from './errors.js';
import { accounts, currencies, items, taxPercents, units, vendors } from './masterData.js';

export interface Versioned {
  id: string;
  version: number;
  lastModifiedDateTime: string;
}

export const etagOf = (record: Versioned) => `W/"${record.id.slice(0, 8)}-${record.version}"`;

export const newRecord = (): Versioned => ({
  id: randomUUID(),
  version: 1,
  lastModifiedDateTime: new Date().toISOString(),
});

export const touch = (record: Versioned) => {
  record.version++;
  record.lastModifiedDateTime = new Date().toISOString();
};

export type Fields = Record<string, unknown>;

/** Rejects a property BC's entity does not have, as BC does. */
export const writable = (body: unknown, allowed: readonly string[], entity: string): Fields => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`The request body of ${entity} must be a JSON object.`);
  }
  const fields: Fields = {};
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@odata.')) continue;
    if (!allowed.includes(name)) {
      throw badRequest(`The property '${name}' does not exist on type 'Microsoft.NAV.${entity}'.`);
    }
    fields[name] = value;
  }
  return fields;
};

export const text = (fields: Fields, name: string, fallback = ''): string => {
  const value = fields[name] ?? fallback;
  if (typeof value !== 'string') throw badRequest(`${name} must be a string.`);
  return value;
};

export const date = (fields: Fields, name: string, fallback = '0001-01-01'): string => {
  const value = text(fields, name, fallback);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw badRequest(`Cannot convert the literal '${value}' to the expected type 'Edm.Date'.`);
  }
  return value;
};

export const num = (fields: Fields, name: string, fallback = 0): number => {
  const value = fields[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badRequest(`Cannot convert the literal '${String(value)}' of ${name} to a number.`);
  }
  return value;
};

export const checkVendor = (table: string, number: string) => {
  if (!Object.hasOwn(vendors, number)) throw missingRelated('Vendor No.', table, number, 'Vendor');
};

export const checkCurrency = (table: string, code: string) => {
  if (!currencies.has(code)) throw missingRelated('Currency Code', table, code, 'Currency');
};

/** A document line as the purchase documents share it. */
export interface DocumentLine extends Versioned {
  sequence: number;
  lineType: 'Item' | 'Account' | 'Comment';
  lineObjectNumber: string;
  description: string;
  unitOfMeasureCode: string;
  quantity: number;
  directUnitCost: number;
  taxCode: string;
}

export const documentLineFields = [
  'sequence',
  'lineType',
  'lineObjectNumber',
  'description',
  'unitOfMeasureCode',
  'quantity',
  'directUnitCost',
  'taxCode',
] as const;

/** Applies line fields (new line or update), checking master data as BC's validation does. */
export const applyLine = <T extends DocumentLine>(table: string, line: T, fields: Fields): T => {
  const next = { ...line };
  if ('sequence' in fields) next.sequence = num(fields, 'sequence');
  if ('lineType' in fields) {
    const type = text(fields, 'lineType');
    if (!['Item', 'Account', 'Comment'].includes(type)) {
      throw badRequest(`Cannot convert the literal '${type}' to the expected type 'lineType'.`);
    }
    next.lineType = type as DocumentLine['lineType'];
  }
  if ('lineObjectNumber' in fields) next.lineObjectNumber = text(fields, 'lineObjectNumber');
  if ('description' in fields) next.description = text(fields, 'description');
  if ('unitOfMeasureCode' in fields) next.unitOfMeasureCode = text(fields, 'unitOfMeasureCode');
  if ('quantity' in fields) next.quantity = num(fields, 'quantity');
  if ('directUnitCost' in fields) next.directUnitCost = num(fields, 'directUnitCost');
  if ('taxCode' in fields) next.taxCode = text(fields, 'taxCode');
  if (next.lineType === 'Item' && !Object.hasOwn(items, next.lineObjectNumber)) {
    throw missingRelated('No.', table, next.lineObjectNumber, 'Item');
  }
  if (next.lineType === 'Account' && !Object.hasOwn(accounts, next.lineObjectNumber)) {
    throw missingRelated('No.', table, next.lineObjectNumber, 'G/L Account');
  }
  if (next.unitOfMeasureCode && !units.has(next.unitOfMeasureCode)) {
    throw missingRelated('Unit of Measure Code', table, next.unitOfMeasureCode, 'Unit of Measure');
  }
  if (next.taxCode && !Object.hasOwn(taxPercents, next.taxCode)) {
    throw missingRelated('Tax Group Code', table, next.taxCode, 'Tax Group');
  }
  if (next.quantity < 0) throw badRequest('Quantity must not be negative.');
  if (!next.description && next.lineType === 'Item') {
    next.description = items[next.lineObjectNumber] ?? '';
  }
  return next;
};

export const emptyLine = (): DocumentLine => ({
  ...newRecord(),
  sequence: 0,
  lineType: 'Item',
  lineObjectNumber: '',
  description: '',
  unitOfMeasureCode: '',
  quantity: 0,
  directUnitCost: 0,
  taxCode: '',
});
