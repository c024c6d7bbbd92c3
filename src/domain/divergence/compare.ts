/**
 * Dual-write comparison, the pure part: two ERPs' answers to the same document revision are
 * normalised into one canonical shape (field names and codes through a per-target crosswalk,
 * decimals by value and optional scale, dates to one notation, lines keyed by their line
 * number instead of their order) and compared field by field. What differs is the divergence.
 */
import { decimal, format } from '../decimal.js';

/** A result as an ERP answered it: the acknowledgement's details, or any JSON object. */
export type ResultValue = string | number | boolean | null | ResultValue[] | ResultObject;
export interface ResultObject {
  [field: string]: ResultValue;
}

/** How one target's answers become canonical (configured per target, see docs/migration.md). */
export interface NormalisationProfile {
  /** ERP field name → canonical field name, e.g. `totalTaxAmount` → `taxAmount`. */
  fields?: Record<string, string>;
  /** Per canonical field, ERP value → canonical value: ids, codes and states crosswalked. */
  values?: Record<string, Record<string, string>>;
  /** Canonical fields never compared (ERP-specific ids, states without a crosswalk). */
  ignore?: string[];
  /** Decimals are rounded (half up) to this many places before comparison; default exact. */
  scale?: number;
  /** The field that identifies a line in an array of lines. Default `lineNumber`. */
  lineKey?: string;
  /**
   * Canonical fields holding lines as an object keyed by line number (`{"10": {...}}`, as a
   * JSONata mapping builds them), or flat as the port's details carry them (`lines.10.amount`).
   * Default `lines`.
   */
  lineMaps?: string[];
}

/** Canonical values by JSON pointer, e.g. `/taxAmount` → `"20.5"`, `/lines/10/amount`. */
export type Normalised = Record<string, string>;

export interface Difference {
  /** JSON pointer of the field in the canonical shape. */
  path: string;
  /** The primary's canonical value; null when it has no such line. */
  primary: string | null;
  shadow: string | null;
}

const decimalPattern = /^[+-]?(\d+\.?\d*|\.\d+)$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const pointerSegment = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** One scalar in canonical text: decimals by value, instants in UTC, a midnight as its date. */
export const canonicalScalar = (
  value: string | number | boolean | null,
  scale?: number,
): string => {
  if (value === null || typeof value === 'boolean') return String(value);
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (typeof value === 'number' || decimalPattern.test(text)) {
    try {
      const number = decimal(text.replace(/^\+/, ''));
      return format(scale === undefined ? number : number.round(scale, 1));
    } catch {
      return text; // e.g. Infinity: not a decimal, compared as it is
    }
  }
  if (datePattern.test(text)) return text;
  if (dateTimePattern.test(text)) {
    const instant = new Date(text.replace(' ', 'T'));
    if (!Number.isNaN(instant.getTime())) {
      const iso = instant.toISOString();
      // A date sent as a midnight instant (`2026-11-02T00:00:00Z`) is that date.
      return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
    }
  }
  return text;
};

const isObject = (value: ResultValue): value is ResultObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Lines carried flat (`lines.10.amount`: the port's details are flat) nested again as a line map
 * (`lines: {"10": {amount}}`). Only names that start with a line map's name are split: other
 * names with dots (`@odata.etag`) stay whole.
 */
const nestFlatLines = (result: ResultObject, lineMaps: Set<string>): ResultObject => {
  const out: ResultObject = {};
  for (const [name, value] of Object.entries(result)) {
    const [head, ...rest] = name.split('.');
    if (rest.length === 0 || head === undefined || !lineMaps.has(head)) {
      out[name] = value;
      continue;
    }
    let holder = out;
    for (const segment of [head, ...rest.slice(0, -1)]) {
      const next = holder[segment];
      const nested: ResultObject = next !== undefined && isObject(next) ? next : {};
      holder[segment] = nested;
      holder = nested;
    }
    holder[rest.at(-1) as string] = value;
  }
  return out;
};

/** The canonical fields of one answer, flattened to JSON pointers. */
export const normalise = (result: ResultObject, profile: NormalisationProfile = {}): Normalised => {
  const out: Normalised = {};
  const ignore = new Set(profile.ignore ?? []);
  const lineKey = profile.lineKey ?? 'lineNumber';
  const lineMaps = new Set(profile.lineMaps ?? ['lines']);
  const canonicalName = (name: string) => profile.fields?.[name] ?? name;

  const scalar = (field: string, value: string | number | boolean | null) => {
    const mapped = profile.values?.[field]?.[String(value)];
    return mapped ?? canonicalScalar(value, profile.scale);
  };

  const walk = (value: ResultValue, path: string, field: string) => {
    if (isObject(value) && lineMaps.has(field) && Object.values(value).every(isObject)) {
      for (const [key, line] of Object.entries(value)) {
        const linePath = `${path}/${pointerSegment(canonicalScalar(key))}`;
        out[linePath] = 'present';
        walk(line, linePath, field);
      }
    } else if (isObject(value)) {
      for (const [name, child] of Object.entries(value)) {
        const canonical = canonicalName(name);
        if (ignore.has(canonical)) continue;
        walk(child, `${path}/${pointerSegment(canonical)}`, canonical);
      }
    } else if (Array.isArray(value)) {
      // Lines are matched by their key, never by their position: ERPs reorder them.
      const keyed = value.every((item) => isObject(item) && item[lineKey] !== undefined);
      const items = keyed
        ? value.map((item) => [canonicalScalar((item as ResultObject)[lineKey] as string), item])
        : value
            .map((item) => [JSON.stringify(item), item] as const)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, item], index) => [String(index), item]);
      for (const [key, item] of items as Array<[string, ResultValue]>) {
        const linePath = `${path}/${pointerSegment(key)}`;
        out[linePath] = 'present';
        walk(item, linePath, field);
      }
    } else {
      out[path] = scalar(field, value);
    }
  };
  walk(nestFlatLines(result, lineMaps), '', '');
  return out;
};

/** Paths of the lines an answer holds (`/lines/10`). */
const linesOf = (normalised: Normalised): Set<string> =>
  new Set(Object.keys(normalised).filter((path) => normalised[path] === 'present'));

/** The nearest line enclosing `path` among `lines`, if any. */
const enclosingLine = (path: string, lines: Set<string>): string | null => {
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    if (lines.has(path.slice(0, i))) return path.slice(0, i);
  }
  return null;
};

/**
 * Field-by-field differences, sorted by path. A field only one ERP reports is not compared
 * (ERPs answer with different facts), but a line only one of them holds is a difference,
 * reported once, at the outermost line missing.
 */
export const diff = (primary: Normalised, shadow: Normalised): Difference[] => {
  const lines = { primary: linesOf(primary), shadow: linesOf(shadow) };
  const differences: Difference[] = [];
  for (const path of new Set([...Object.keys(primary), ...Object.keys(shadow)])) {
    const a = primary[path];
    const b = shadow[path];
    if (a === b) continue;
    if (a === undefined || b === undefined) {
      if ((a ?? b) !== 'present') continue;
      const holder = a === undefined ? lines.shadow : lines.primary;
      const other = a === undefined ? lines.primary : lines.shadow;
      const parent = enclosingLine(path, holder);
      if (parent !== null && !other.has(parent)) continue;
    }
    differences.push({ path, primary: a ?? null, shadow: b ?? null });
  }
  return differences.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
};

/** Normalises both answers with their targets' profiles and diffs them. */
export const compareResults = (
  primary: { result: ResultObject; profile?: NormalisationProfile },
  shadow: { result: ResultObject; profile?: NormalisationProfile },
): Difference[] =>
  diff(normalise(primary.result, primary.profile), normalise(shadow.result, shadow.profile));
