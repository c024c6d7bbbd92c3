/**
 * The write path takes its time and ids from injected ports: a test sets the clock inside or
 * after a freeze window, and predicts the ids, without sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import type { Principal } from '../../src/auth/principal.js';
import { commands } from '../../src/commands/catalog.js';
import { CommandHandler } from '../../src/commands/handler.js';
import type { EventStore } from '../../src/ports/eventStore.js';
import { type Freeze, freezeApplies, ScopeFrozenError } from '../../src/routing/freezes.js';
import { singleTargetRouter } from '../../src/routing/router.js';
import { example } from '../support/gateway.js';
import { tempSqliteFiles } from '../support/tempFiles.js';

const files = tempSqliteFiles('coexist-clock-');
let store: EventStore;
/** Declared freezes, checked as the freeze registry checks them. */
const freezes: Freeze[] = [];
let now: Date;
let handler: CommandHandler;
let nextId = 0;

const principal: Principal = { clientId: 'erp', keyId: 'k1', roles: ['writer'], scopes: {} };
const submit = (poNumber: string) =>
  handler.handle({
    spec: commands.submitPurchaseOrder,
    params: {},
    body: { ...example('purchase-order-submit'), poNumber },
    principal,
    idempotencyKey: poNumber,
    fingerprint: poNumber,
    correlationId: 'c-1',
  });

beforeAll(async () => {
  store = getSqliteEventStore({ file: files.file() });
  handler = new CommandHandler({
    store,
    router: singleTargetRouter('legacy'),
    freezes: {
      check: (scope, at) => {
        const freeze = freezes.find((candidate) => freezeApplies(candidate, scope, at));
        if (freeze) throw new ScopeFrozenError(freeze);
      },
    },
    clock: { now: () => now },
    newId: () => `id-${++nextId}`,
  });
});
afterAll(async () => {
  await store.close();
  files.removeAll();
});

describe('the write path clock and ids', () => {
  it('records the time and ids its ports give', async () => {
    now = new Date('2031-03-04T05:06:07.000Z');
    nextId = 0;
    const outcome = await submit('T-1');
    expect(outcome.response.eventIds).toEqual(['id-2', 'id-3']); // id-1 is the command's id
    const events = await store.readStream('PurchaseOrder-ACME-US/T-1');
    expect(events.map((e) => e.id)).toEqual(['id-2', 'id-3']);
    expect(events[1]?.metadata).toMatchObject({
      commandId: 'id-1',
      receivedAt: '2031-03-04T05:06:07.000Z',
    });
  });

  it('refuses commands inside a freeze window by its clock, and accepts them after it', async () => {
    freezes.push({
      freezeId: 'f-1',
      scope: { companies: ['ACME-US'] },
      from: '2031-06-01T00:00:00.000Z',
      until: '2031-06-02T00:00:00.000Z',
      reason: 'cutover',
      frozenBy: 'architect',
      frozenAt: '2031-05-01T00:00:00.000Z',
    });
    now = new Date('2031-06-01T12:00:00.000Z');
    await expect(submit('T-2')).rejects.toMatchObject({ type: 'scope-frozen' });
    now = new Date('2031-06-02T00:00:00.000Z');
    expect((await submit('T-2')).kind).toBe('accepted');
  });
});
