/**
 * canonicalJson's bytes are hashed into stored idempotency fingerprints and rule-set digests,
 * so they must stay exactly what the original definition gave: JSON.stringify of a copy with
 * every object's keys sorted. That definition is restated here and compared on contract
 * examples, hand-picked odd values and many random ones.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/shared/canonicalJson.js';

const sortedDeep = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortedDeep);
  const source = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(source).sort()) sorted[key] = sortedDeep(source[key]);
  return sorted;
};
const reference = (value: unknown): string => JSON.stringify(sortedDeep(value));

const same = (value: unknown) => expect(canonicalJson(value)).toBe(reference(value));

/** Deterministic, so a failure can be replayed (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const oddChars = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ß',
  '\u2028',
  '\u2029',
  '€',
  '😀',
  '\ud800',
  '\udfff',
  '\ufeff',
  '_',
  '-',
  '$',
  '~',
];

/**
 * `digitKeys: false` keeps out keys that start with a digit: objects holding them take the
 * defining path, so without this few deep values would exercise the direct one.
 */
const randomValue = (
  next: () => number,
  depth: number,
  jsonOnly: boolean,
  digitKeys: boolean,
): unknown => {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const text = (): string => {
    const length = Math.floor(next() * 8);
    let out = '';
    for (let i = 0; i < length; i++) out += next() < 0.5 ? pick(oddChars) : pick(['ab', 'x', 'Q']);
    return out;
  };
  const key = (): string => {
    if (!digitKeys)
      return pick([text, () => pick(['__proto__', 'toJSON', '', '-1', ' 1', 'a1'])])();
    return pick([
      text,
      () => String(Math.floor(next() * 20)),
      () => pick(['__proto__', 'constructor', 'toJSON', '', '01', '-1', '1.5', '4294967294']),
      () => pick(['4294967295', '1e3', ' 1', 'a1', 'lineNumber', 'poNumber']),
    ])();
  };
  const kind = Math.floor(next() * (depth > 3 ? 5 : 8));
  switch (kind) {
    case 0:
      return text();
    case 1:
      return pick([0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789012, 2 ** 53, -1.5e-300, 3.14]);
    case 2:
      return pick([true, false, null]);
    case 3:
      return jsonOnly ? text() : pick([undefined, () => 1, Symbol('s'), Number.NaN, -Infinity]);
    case 4:
      return pick([{}, [], '']);
    case 5:
    case 6: {
      const object: Record<string, unknown> = {};
      const count = Math.floor(next() * 6);
      for (let i = 0; i < count; i++) {
        Object.defineProperty(object, key(), {
          value: randomValue(next, depth + 1, jsonOnly, digitKeys),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    default:
      return Array.from({ length: Math.floor(next() * 5) }, () =>
        randomValue(next, depth + 1, jsonOnly, digitKeys),
      );
  }
};

describe('canonicalJson', () => {
  it('matches the definition on every contract example and schema', () => {
    const dir = new URL('../../contracts/http/v1/', import.meta.url);
    const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const schema = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
      same(schema);
      for (const example of schema.examples ?? []) same(example);
    }
  });

  it('sorts keys at every level, integer-like keys first as JavaScript orders them', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ b: 1, 10: 'x', 2: 'y', a: 0 })).toBe('{"2":"y","10":"x","a":0,"b":1}');
    same({ b: 1, 10: 'x', 2: 'y', a: 0, '01': 1, '-1': 2, 4294967295: 3, 4294967294: 4 });
  });

  it('keeps a parsed "__proto__" key as data', () => {
    const parsed = JSON.parse('{"z":1,"__proto__":{"admin":true},"a":[{"__proto__":null}]}');
    expect(canonicalJson(parsed)).toBe(
      '{"__proto__":{"admin":true},"a":[{"__proto__":null}],"z":1}',
    );
    same(parsed);
  });

  it('escapes as JSON.stringify does', () => {
    for (const text of ['', 'plain', 'quote " here', 'back\\slash', '\u0000\b\f\n\r\t\u001f']) {
      same({ [text]: text });
    }
    for (const text of ['\u007f', 'é€😀', '\u2028\u2029', '\ud800', 'x\udfffy', '😀'.slice(0, 1)]) {
      same({ [text]: [text] });
    }
  });

  it('handles what JSON.stringify omits, nulls or rejects as it does', () => {
    const values: unknown[] = [
      undefined,
      null,
      () => 1,
      Symbol('s'),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      [undefined, () => 1, Symbol('s'), Number.NaN],
      { a: undefined, b: () => 1, c: Symbol('s'), d: 1 },
      { a: undefined },
      // biome-ignore lint/suspicious/noSparseArray: holes are one of the cases under test
      [1, , 3],
      new Date(0),
      { when: new Date(0), list: [new Date(0)] },
      new Map([['a', 1]]),
      Object.assign(Object.create(null), { b: 2, a: 1 }),
      { toJSON: () => 'replaced', a: 1 },
      { nested: { toJSON: (key: string) => `key ${key}` } },
      { toJSON: 'just data' },
      new (class Point {
        constructor(
          readonly y = 2,
          readonly x = 1,
        ) {}
      })(),
      new (class Items extends Array {
        toJSON() {
          return 'items';
        }
      })(),
      Object.assign([1, 2], { extra: true }),
      new String('boxed'),
      new Number(3),
      [new Boolean(false)],
      Object.defineProperty({ b: 1 }, 'hidden', { value: 2, enumerable: false }),
      { [Symbol('k')]: 1, a: 2 },
    ];
    for (const value of values) same(value);
    expect(canonicalJson(undefined)).toBeUndefined();
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    expect(() => reference({ a: 1n })).toThrow(TypeError);
  });

  it('matches the definition on 5,000 random values', () => {
    const next = random(20261124);
    for (let i = 0; i < 5000; i++) same(randomValue(next, 0, i % 2 === 0, i % 4 < 2));
  });

  it('matches the definition on 2,000 random JSON texts, parsed as a request body is', () => {
    const next = random(42);
    for (let i = 0; i < 2000; i++) {
      const text = JSON.stringify(randomValue(next, 0, true, i % 2 === 0));
      same(JSON.parse(text));
    }
  });
});
