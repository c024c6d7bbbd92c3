/**
 * `coexist dlq` as an operator reads it: a table with the ERP's own words (shortened, on one
 * line), `--json` whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permanent } from '../../src/ports/erpConnector.js';
import { type Harness, startHarness } from '../delivery/harness.js';
import { coexist } from '../support/process.js';

/** An ERP answer as Tryton words it: long, over several lines. */
const erpWords = `The product "BRG-6204-2RS" is not known to company ACME-US.\n${'Check the product crosswalk and the company of the product, then deliver again. '.repeat(4)}`;

let h: Harness;
let dir: string[];
let ids: string[];

beforeAll(async () => {
  h = await startHarness();
  h.connector.script('ACME-US/D-1', permanent('unknown-code', erpWords));
  h.connector.script('ACME-US/D-2', permanent('unknown-code', 'item BRG-6204-2RS is unknown'));
  await h.submitPo('D-1');
  await h.submitPo('D-2');
  await h.until(() => h.history.list({ state: 'dead-lettered' }).length === 2, 'dead letters');
  ids = h.history.list({ state: 'dead-lettered' }).map((d) => d.id);
  dir = ['--data-dir', h.gw.dir];
}, 60_000);
afterAll(() => h?.close());

describe('coexist dlq list', () => {
  it('prints a readable table with the ERP words on one shortened line, and whole JSON', async () => {
    const { stdout } = await coexist(['dlq', 'list', ...dir]);
    expect(stdout).not.toMatch(/\(index\)|'|│|┌/);
    const [header, rule, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^id\s+document\s+target\s+state\s+attempts\s+age\s+last error$/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    const dataRows = rows.filter((row) => ids.some((id) => row.startsWith(id)));
    expect(dataRows).toHaveLength(2);
    const long = dataRows.find((row) => row.includes('D-1')) as string;
    expect(long).toMatch(
      /purchaseOrder ACME-US\/D-1\s+legacy\s+dead-lettered \(\S+\)\s+1\s+\d+s\s+unknown-code: The product "BRG-6204-2RS" is not known to company ACME-US\. Check the/,
    );
    expect(long).toMatch(/…$/);
    expect(long.slice(long.indexOf('unknown-code')).length).toBeLessThanOrEqual(100);
    expect(dataRows.find((row) => row.includes('D-2'))).toMatch(
      /unknown-code: item BRG-6204-2RS is unknown$/,
    );
    expect(stdout).toMatch(/coexist dlq show <id>/);

    const json = JSON.parse((await coexist(['dlq', 'list', ...dir, '--json'])).stdout);
    expect(json.map((d: { deadLetter: { message: string } }) => d.deadLetter.message)).toContain(
      erpWords,
    );
  }, 60_000);
});
