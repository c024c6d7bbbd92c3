/**
 * `coexist dlq` as an operator reads it: a table with the ERP's own words (shortened, on one
 * line), `--json` whole; a dry run needs no reason and records nothing, a replay needs one.
 * The admin API's replay follows the same rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayRequestedEventType } from '../../src/delivery/records.js';
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

/** Replays requested so far (the dispatcher acts on these). */
const replaysRequested = async () =>
  (await h.gw.allEvents()).filter((e) => e.type === replayRequestedEventType).length;

const failure = (args: string[]) =>
  coexist(args).then(
    () => {
      throw new Error(`coexist ${args.join(' ')} succeeded`);
    },
    (error: { code: number; stderr: string }) => error,
  );

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

describe('coexist dlq replay', () => {
  it('dry-runs without a reason and records nothing', async () => {
    const id = ids[0] as string;
    const { stdout } = await coexist(['dlq', 'replay', id, '--dry-run', '--json', ...dir]);
    expect(JSON.parse(stdout)).toMatchObject({
      dryRun: true,
      matched: 1,
      replayId: null,
      deliveries: [{ id }],
    });
    expect(await replaysRequested()).toBe(0);
    await h.refresh();
    expect(h.history.list({ state: 'dead-lettered' })).toHaveLength(2);
  }, 60_000);

  it('refuses a real replay without --reason, naming the option, and replays nothing', async () => {
    const refused = await failure(['dlq', 'replay', ids[0] as string, ...dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--reason/);
    expect(await replaysRequested()).toBe(0);
    await h.refresh();
    expect(h.history.list({ state: 'dead-lettered' })).toHaveLength(2);
  }, 60_000);

  it('refuses a target deliveries are not made to, instead of replaying none of it', async () => {
    const refused = await failure([
      'dlq',
      'replay',
      '--target',
      'legcy',
      '--reason',
      'ERP back',
      ...dir,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/legcy.*legacy, cloud/s);
    expect(await replaysRequested()).toBe(0);
  }, 60_000);
});

describe('POST /v1/admin/deliveries/replay', () => {
  const replay = (payload: object) =>
    h.gw.app.inject({
      method: 'POST',
      url: '/v1/admin/deliveries/replay',
      headers: { authorization: h.operator },
      payload,
    });

  it('answers a dry run without a reason, and refuses a replay without one at /reason', async () => {
    const dry = await replay({ all: true, dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, matched: 2, replayId: null });

    const real = await replay({ all: true });
    expect(real.statusCode).toBe(400);
    expect(real.json().errors).toEqual([
      expect.objectContaining({ pointer: '/reason', in: 'body' }),
    ]);
    expect(await replaysRequested()).toBe(0);
    await h.refresh();
    expect(h.history.list({ state: 'dead-lettered' })).toHaveLength(2);
  });
});
