import { describe, expect, it } from 'vitest';
import { table } from '../../src/cli/table.js';

describe('CLI tables', () => {
  it('aligns columns, numbers to the right', () => {
    expect(
      table(
        ['name', 'count'],
        [
          ['a', 5],
          ['longer', 12],
        ],
      ),
    ).toBe(['name    count', '------  -----', 'a           5', 'longer     12'].join('\n'));
  });

  it('keeps one row per line when a cell spans lines (a reason typed with line breaks)', () => {
    const out = table(
      ['scope', 'reason'],
      [
        ['ACME-US', 'Quarter-end close.\r\n  Lifted by finance\nonce signed off.'],
        ['ACME-DE', 'Audit'],
      ],
    );
    const reason = 'Quarter-end close. Lifted by finance once signed off.';
    expect(out.split('\n')).toEqual([
      'scope    reason',
      `-------  ${'-'.repeat(reason.length)}`,
      `ACME-US  ${reason}`,
      'ACME-DE  Audit',
    ]);
  });
});
