/**
 * The direct reading of plain paths must answer exactly what JSONata answers, or decline: every
 * expression × input below is evaluated both ways.
 */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { directPath, undecided } from '../../../src/adapters/connectors/rest/directPaths.js';

const expressions = [
  'open',
  'value',
  'value[0]',
  'value[1]',
  'journal.id',
  'doc.lines.item',
  'order.`@odata.etag`',
  '$exists(created)',
  '$exists(order.id)',
  '$not($exists(order))',
  '$not($exists(value[0]))',
];

const inputs: unknown[] = [
  {},
  { open: true, value: [{ id: 'a' }, { id: 'b' }], journal: { id: 'J' } },
  { open: false, value: [], created: null, order: { id: 'o', '@odata.etag': 'W/"1"' } },
  { value: [[1, 2], [3]], order: [{ id: 'x' }, { id: 'y' }], journal: { id: ['a', 'b'] } },
  { value: { id: 'single' }, open: 0, created: '', order: 'text', journal: null },
  { value: [null, { id: 'n' }], order: { id: null }, created: { nested: [1] } },
  [{ open: true }, { open: false }],
  { doc: { lines: [{ item: 'a' }, { item: 'b' }] } },
  { doc: { lines: { item: 'single' } } },
  'text',
  42,
];

describe('direct paths', () => {
  it('take plain paths and the existence tests of one, and nothing else', () => {
    for (const source of expressions) {
      expect(directPath(jsonata(source).ast()), source).toBeDefined();
    }
    for (const source of [
      "value[id = 'a']",
      'value[0].id',
      'value[-1]',
      '$$.open',
      '$exists(a) and b',
      "'a' & b",
      'value#$i',
      'value^(id)',
      '$count(value)',
      '$not(open)',
    ]) {
      expect(directPath(jsonata(source).ast()), source).toBeUndefined();
    }
  });

  it('answer what JSONata answers, or decline', async () => {
    let decided = 0;
    for (const source of expressions) {
      const expression = jsonata(source);
      const direct = directPath(expression.ast()) as (input: unknown) => unknown;
      for (const input of inputs) {
        const value = direct(input);
        if (value === undecided) continue;
        decided++;
        const expected = await expression.evaluate(input);
        expect(value, `${source} on ${JSON.stringify(input)}`).toStrictEqual(expected);
      }
    }
    // Most combinations are decided directly: the shortcut is not declining everything.
    expect(decided).toBeGreaterThan(40);
  });
});
