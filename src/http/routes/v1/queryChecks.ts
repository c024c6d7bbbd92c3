/**
 * Checks of query values that a JSON Schema cannot make, shared by the read routes:
 *
 * - a date must be in the calendar (`2026-02-30` matches any date pattern and is not one);
 * - a cursor must belong to the query it is sent with. A page's `next` carries a digest of
 *   the query that produced it (filters and order, not the page size), so a cursor reused
 *   with another filter or order is refused instead of answering wrong rows or none.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../shared/canonicalJson.js';
import type { ProblemViolation } from '../../problem.js';

/** `YYYY-MM-DD`, optionally with a time: a real calendar day and a real instant. */
export const isCalendarDate = (value: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(value);
  if (!match) return false;
  const [, y, m, d, time] = match.map(Number) as number[];
  const day = new Date(Date.UTC(y as number, (m as number) - 1, d as number));
  const sameDay =
    day.getUTCFullYear() === y && day.getUTCMonth() === (m as number) - 1 && day.getUTCDate() === d;
  return sameDay && (time === undefined || !Number.isNaN(Date.parse(value)));
};

/** A violation for each of `fields` of the query that is a string and no calendar date. */
export const dateViolations = (query: object, fields: readonly string[]): ProblemViolation[] =>
  fields
    .filter((field) => {
      const value = (query as Record<string, unknown>)[field];
      return typeof value === 'string' && !isCalendarDate(value);
    })
    .map((field) => ({
      pointer: `/${field}`,
      in: 'query',
      detail: 'must be a date in the calendar (YYYY-MM-DD, optionally with a time)',
      keyword: 'format',
    }));

const digestOf = (query: object) =>
  createHash('sha256').update(canonicalJson(query)).digest('base64url').slice(0, 16);

/** A cursor of the store bound to the query it pages through. */
export const boundCursor = (storeCursor: string | null, query: object): string | null =>
  storeCursor === null ? null : `${digestOf(query)}.${storeCursor}`;

/** The store's cursor, if `cursor` was handed out for this query; null otherwise. */
export const unboundCursor = (cursor: string, query: object): string | null => {
  const dot = cursor.indexOf('.');
  if (dot < 0 || cursor.slice(0, dot) !== digestOf(query)) return null;
  return cursor.slice(dot + 1) || null;
};

export const cursorViolation = (detail?: string): ProblemViolation => ({
  pointer: '/cursor',
  in: 'query',
  detail:
    detail ??
    'The cursor is not valid for this query: pass the "next" of a previous page of the same query (same filters and sort) unchanged.',
});
