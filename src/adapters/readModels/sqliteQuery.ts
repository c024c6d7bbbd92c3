/**
 * How the SQLite read-model store (sqlite.ts) speaks SQL for one generation: its table, a
 * declared field's column, values as SQLite binds them, and the query language (`where`
 * conditions and sort expressions). It stands apart from the store's generation management
 * because it is the one place where a read model's query becomes SQL text: field names pass
 * checkField, and values are bound, never spliced in.
 */
import {
  type Condition,
  checkField,
  type IndexSpec,
  type Scalar,
} from '../../ports/readModelStore.js';

export const table = (storage: string) => `"rm_${storage}"`;
/** A declared field's column: filled from the document on every write, indexed. */
export const column = (field: string) => `"f_${checkField(field)}"`;
/** better-sqlite3 binds no booleans: they are stored and compared as 1 and 0. */
export const bind = (value: Scalar): string | number =>
  typeof value === 'boolean' ? (value ? 1 : 0) : value;
export const columnValue = (value: unknown): string | number | null => {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return bind(value);
  }
  return JSON.stringify(value);
};

/**
 * SQL for conditions and sorting on one generation: declared fields read their column
 * (an index away), any other field is extracted from the document (a scan).
 */
export const queryLanguage = (fields: readonly IndexSpec[]) => {
  const declared = new Map(fields.map((spec) => [spec.field, spec]));
  const expression = (field: string) =>
    field === 'id'
      ? 'id'
      : declared.has(field)
        ? column(field)
        : `json_extract(doc, '$.${checkField(field)}')`;
  const condition = (field: string, wanted: Condition, params: (string | number)[]) => {
    const target = expression(field);
    if (typeof wanted !== 'object') {
      params.push(bind(wanted));
      return `${target} = ?`;
    }
    if ('in' in wanted) {
      if (wanted.in.length === 0) return '0';
      params.push(...wanted.in.map(bind));
      return `${target} IN (${wanted.in.map(() => '?').join(', ')})`;
    }
    if ('contains' in wanted) {
      params.push(bind(wanted.contains));
      const array = declared.get(field)?.multi ? column(field) : `doc, '$.${checkField(field)}'`;
      return `EXISTS (SELECT 1 FROM json_each(${array}) WHERE value = ?)`;
    }
    const parts: string[] = [];
    if (wanted.gte !== undefined) {
      params.push(bind(wanted.gte));
      parts.push(`${target} >= ?`);
    }
    if (wanted.lt !== undefined) {
      params.push(bind(wanted.lt));
      parts.push(`${target} < ?`);
    }
    return parts.length ? parts.join(' AND ') : '1';
  };
  const conditions = (
    where: Readonly<Record<string, Condition>> | undefined,
    params: (string | number)[],
  ) => Object.entries(where ?? {}).map(([name, wanted]) => condition(name, wanted, params));
  return { expression, conditions };
};
