/**
 * The operator API and CLI over deliveries: list by state, target and type; one delivery with
 * every attempt; replays with a cap and a dry run naming who and why; roles; bad input gets a
 * problem and changes nothing; the document GET shows its deliveries per target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { permanent } from '../../src/ports/erpConnector.js';
import { coexist } from '../support/process.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});
const unknownItem = permanent('unknown-code', 'item BRG-6204-2RS is unknown to legacy');

const get = (url: string, authorization: string) =>
  h.gw.app.inject({ method: 'GET', url, headers: { authorization } });
const post = (url: string, authorization: string, payload: object) =>
  h.gw.app.inject({ method: 'POST', url, headers: { authorization }, payload });

const deadLetters = async () =>
  (await get('/v1/admin/deliveries?state=dead-lettered', h.operator)).json() as {
    total: number;
    deliveries: Array<{ id: string; deadLetter: { message: string } }>;
  };

describe('operator API over deliveries', () => {
  it('lists dead letters with their reasons, shows every attempt, and replays under a cap', async () => {
    h = await startHarness();
    for (const n of ['A-1', 'A-2', 'A-3']) h.connector.script(`ACME-US/${n}`, unknownItem);
    for (const n of ['A-1', 'A-2', 'A-3', 'A-4']) await h.submitPo(n);
    await h.until(() => h.history.list({ state: 'delivered' }).length === 1, 'A-4');
    await h.until(() => h.history.list({ state: 'dead-lettered' }).length === 3, 'dead');

    const listed = await deadLetters();
    expect(listed.total).toBe(3);
    const page = await get('/v1/admin/deliveries?state=dead-lettered&limit=2', h.operator);
    expect(page.json()).toMatchObject({ total: 3, deliveries: [{}, {}] });
    expect(listed.deliveries[0]?.deadLetter.message).toBe('item BRG-6204-2RS is unknown to legacy');
    const byType = await get(
      '/v1/admin/deliveries?target=legacy&documentType=journalEntry',
      h.operator,
    );
    expect(byType.json()).toEqual({ total: 0, deliveries: [] });

    const id = listed.deliveries[0]?.id as string;
    const one = await get(`/v1/admin/deliveries/${id}`, h.operator);
    expect(one.json()).toMatchObject({
      id,
      state: 'dead-lettered',
      attempts: [
        {
          attempt: 1,
          outcome: 'dead-lettered',
          error: { kind: 'permanent', code: 'unknown-code' },
          durationMs: expect.any(Number),
        },
      ],
    });

    const dry = await post('/v1/admin/deliveries/replay', h.operator, {
      all: true,
      cap: 2,
      dryRun: true,
      reason: 'crosswalk fixed',
    });
    expect(dry.json()).toMatchObject({ dryRun: true, matched: 3, capped: true, replayId: null });
    expect((await deadLetters()).total).toBe(3);

    const replay = await post('/v1/admin/deliveries/replay', h.operator, {
      filter: { target: 'legacy' },
      cap: 2,
      reason: 'crosswalk fixed',
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ matched: 3, capped: true, replayId: expect.any(String) });
    await h.until(() => h.history.list({ state: 'delivered' }).length === 3, 'replayed');
    const replayed = (
      await get(`/v1/admin/deliveries/${replay.json().deliveries[0].id}`, h.operator)
    ).json();
    expect(replayed.replays).toEqual([
      expect.objectContaining({ by: 'ops', reason: 'crosswalk fixed' }),
    ]);
  });

  it('refuses bad input with a problem naming each field, and enforces roles', async () => {
    h = await startHarness();
    const bad = await post('/v1/admin/deliveries/replay', h.operator, {
      ids: ['x'],
      all: true,
      cap: 0,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const pointers = (bad.json().errors as Array<{ pointer: string }>).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/cap', '/reason']));
    const both = await post('/v1/admin/deliveries/replay', h.operator, {
      ids: ['x'],
      all: true,
      reason: 'which one?',
    });
    expect(both.statusCode).toBe(400);
    expect((both.json().errors as Array<{ pointer: string }>).map((e) => e.pointer)).toEqual([
      '/ids',
      '/all',
    ]);
    expect((await get('/v1/admin/deliveries?state=lost', h.operator)).statusCode).toBe(400);
    expect((await get('/v1/admin/deliveries/legacy.none', h.operator)).statusCode).toBe(404);

    const auditor = await h.gw.key('audit', ['auditor']);
    expect((await get('/v1/admin/deliveries', auditor)).statusCode).toBe(200);
    const replay = { all: true, reason: 'auditors may not' };
    expect((await post('/v1/admin/deliveries/replay', auditor, replay)).statusCode).toBe(403);
    expect((await get('/v1/admin/deliveries', h.writer)).statusCode).toBe(403);
  });

  it("shows the document's delivery state per target in its GET", async () => {
    h = await startHarness();
    await h.submitPo('G-1');
    await h.until(() => h.history.list({ state: 'delivered' }).length === 1, 'delivered');
    const view = (await get('/v1/purchase-orders/ACME-US/G-1', h.writer)).json();
    expect(view.deliveries).toEqual([
      expect.objectContaining({
        target: 'legacy',
        state: 'delivered',
        reference: 'ERP-ACME-US/G-1',
      }),
    ]);
  });

  it('coexist dlq list, show and replay (--json) work on the data directory', async () => {
    h = await startHarness();
    h.connector.script('ACME-US/C-1', unknownItem);
    await h.submitPo('C-1');
    await h.until(() => h.history.list({ state: 'dead-lettered' }).length === 1, 'dead');
    const dir = ['--data-dir', h.gw.dir];
    const list = JSON.parse((await coexist(['dlq', 'list', ...dir, '--json'])).stdout);
    expect(list).toHaveLength(1);
    const id = list[0].id as string;
    const shown = JSON.parse((await coexist(['dlq', 'show', id, ...dir, '--json'])).stdout);
    expect(shown.attempts[0].error.message).toBe('item BRG-6204-2RS is unknown to legacy');
    const text = (await coexist(['dlq', 'list', ...dir])).stdout;
    expect(text).toContain('item BRG-6204-2RS is unknown to legacy');
    await expect(coexist(['dlq', 'replay', '--reason', 'fixed', ...dir])).rejects.toMatchObject({
      stderr: expect.stringContaining('Name delivery ids, or a filter'),
    });
    const replay = JSON.parse(
      (await coexist(['dlq', 'replay', id, '--reason', 'crosswalk fixed', ...dir, '--json']))
        .stdout,
    );
    expect(replay).toMatchObject({ matched: 1, replayId: expect.any(String) });
    await h.until(() => h.history.list({ state: 'delivered' }).length === 1, 'delivered');
    expect(h.connector.callsFor('ACME-US/C-1')).toHaveLength(2);
    // Five CLI processes, each compiling its sources with tsx: slow on a busy machine.
  }, 180_000);
});
