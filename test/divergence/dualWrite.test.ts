/**
 * Dual-write end to end in-process: the write path, the dispatcher delivering a `dual`
 * document to two test connectors, and the comparer recording what the two answers say.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dualWriteStreamOf } from '../../src/divergence/records.js';
import { streamNameOf } from '../../src/domain/documents.js';
import { eventSchemaId } from '../../src/domain/events/registry.js';
import { createAjv, loadContracts } from '../../src/http/contracts.js';
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import {
  acknowledged,
  type DualHarness,
  defaultRule,
  down,
  dualRule,
  startDualHarness,
  waitFor,
} from './harness.js';

const po = (company: string, poNumber: string) =>
  streamNameOf({ type: 'purchaseOrder', key: { company, poNumber } });

const ajv = createAjv(loadContracts().values());
/** The comparison events follow their schemas in contracts/events. */
const expectValid = (event: RecordedEvent | undefined) => {
  const validate = event && ajv.getSchema(eventSchemaId(event));
  expect(validate?.(event?.data), JSON.stringify(validate?.errors)).toBe(true);
};

let h: DualHarness;
afterEach(async () => {
  await h?.close();
});

const comparisons = (company: string, poNumber: string) =>
  h.gw.store.readStream(dualWriteStreamOf(po(company, poNumber)));

describe('dual-write comparison', () => {
  it('records a divergence with the field-level diff when the shadow computes tax differently; the caller gets the primary answer', async () => {
    h = await startDualHarness();
    await h.publish([dualRule, defaultRule]);
    h.legacy.script(
      'ACME-US/DW-1',
      acknowledged('P0001', { taxAmount: '20.13', untaxedAmount: '100.00', state: 'processing' }),
    );
    h.cloud.script(
      'ACME-US/DW-1',
      acknowledged('106001', { taxAmount: 20.12, untaxedAmount: '100', state: 'Open' }),
    );
    h.legacy.script('ACME-US/DW-2', acknowledged('P0002', { taxAmount: '5.50' }));
    h.cloud.script('ACME-US/DW-2', acknowledged('106002', { taxAmount: '5.5' }));

    const answer = await h.submitPo('ACME-US', 'DW-1', {}, { prefer: 'wait=10' });
    expect(answer.statusCode).toBe(200);
    expect(answer.body.route).toMatchObject({ owner: 'dual', primary: 'legacy', shadow: 'cloud' });
    expect(answer.body.delivery).toMatchObject({
      target: 'legacy',
      state: 'delivered',
      reference: 'P0001',
    });
    await h.submitPo('ACME-US', 'DW-2');
    await h.submitPo('ACME-EU', 'NOT-DUAL');

    await waitFor(async () => (await comparisons('ACME-US', 'DW-1')).length > 0, 'a comparison');
    const [diverged] = await comparisons('ACME-US', 'DW-1');
    expect(diverged?.type).toBe('DualWriteDiverged');
    expectValid(diverged);
    expect(diverged?.data).toMatchObject({
      documentType: 'purchaseOrder',
      documentKey: { company: 'ACME-US', poNumber: 'DW-1' },
      company: 'ACME-US',
      commandEventType: 'PurchaseOrderSubmitted',
      primary: { target: 'legacy', outcome: 'delivered', reference: 'P0001' },
      shadow: { target: 'cloud', outcome: 'delivered', reference: '106001' },
      // Decimal scale and the ERPs' own states are normalised away: only the tax differs.
      differences: [{ path: '/taxAmount', primary: '20.13', shadow: '20.12' }],
    });

    await waitFor(async () => (await comparisons('ACME-US', 'DW-2')).length > 0, 'agreement');
    const agreed = await comparisons('ACME-US', 'DW-2');
    expect(agreed.map((e) => e.type)).toEqual(['DualWriteAgreed']);
    expectValid(agreed[0]);
    await h.dispatcher.idle();
    expect(h.legacy.delivered.map((c) => c.key)).toContain('ACME-EU/NOT-DUAL');
    expect(await comparisons('ACME-EU', 'NOT-DUAL')).toEqual([]);
  });

  it('a shadow down for a while: the primary is delivered and answered at once, the shadow catches up and is compared then', async () => {
    h = await startDualHarness();
    await h.publish([dualRule, defaultRule]);
    h.cloud.script('ACME-US/DW-3', down(), down(), down(), down(), down(), down());
    const answer = await h.submitPo('ACME-US', 'DW-3', {}, { prefer: 'wait=10' });
    expect(answer.statusCode).toBe(200);
    expect(answer.body.delivery).toMatchObject({ target: 'legacy', state: 'delivered' });
    // Answered while the shadow was still failing.
    expect(h.cloud.delivered).toEqual([]);
    await waitFor(() => h.cloud.delivered.length === 1, 'the shadow delivered');
    expect(h.cloud.calls.length).toBe(7);
    expect(h.legacy.calls.length).toBe(1);
    await waitFor(async () => (await comparisons('ACME-US', 'DW-3')).length > 0, 'a comparison');
    expect((await comparisons('ACME-US', 'DW-3')).map((e) => e.type)).toEqual(['DualWriteAgreed']);
  });

  it('a shadow that hangs never holds the primary: every primary delivery completes while the shadow is held', async () => {
    h = await startDualHarness();
    await h.publish([dualRule, defaultRule]);
    let release = () => {};
    h.cloud.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const numbers = ['H-1', 'H-2', 'H-3', 'H-4', 'H-5', 'H-6'];
    for (const n of numbers) await h.submitPo('ACME-US', n);
    await waitFor(() => h.legacy.delivered.length === numbers.length, 'every primary delivered');
    expect(h.cloud.delivered).toEqual([]);
    // The shadow target is at its concurrency limit, the primary never was.
    expect(h.dispatcher.status().targets.find((t) => t.target === 'cloud')?.inFlight).toBe(4);
    h.cloud.gate = null;
    release();
    await waitFor(() => h.cloud.delivered.length === numbers.length, 'the shadow caught up');
    for (const n of numbers) {
      await waitFor(async () => (await comparisons('ACME-US', n)).length === 1, `comparison ${n}`);
    }
  });

  it('a shadow that refuses the document is a divergence of outcome; the primary stays delivered', async () => {
    h = await startDualHarness();
    await h.publish([dualRule, defaultRule]);
    h.cloud.script('ACME-US/DW-4', {
      ok: false,
      error: { kind: 'permanent', code: 'vendor-rejected', message: 'Unknown tax group VAT20.' },
    });
    await h.submitPo('ACME-US', 'DW-4');
    await waitFor(async () => (await comparisons('ACME-US', 'DW-4')).length > 0, 'a comparison');
    const [event] = await comparisons('ACME-US', 'DW-4');
    expect(event?.type).toBe('DualWriteDiverged');
    expectValid(event);
    expect(event?.data).toMatchObject({
      primary: { outcome: 'delivered' },
      // The ERP's own words, for the operator reading the divergence.
      shadow: {
        outcome: 'dead-lettered',
        errorCode: 'vendor-rejected',
        errorMessage: 'Unknown tax group VAT20.',
      },
      differences: [{ path: '/outcome', primary: 'delivered', shadow: 'dead-lettered' }],
    });
  });

  it('records each comparison once, even when the comparer handles the log again from the start', async () => {
    h = await startDualHarness();
    await h.publish([dualRule, defaultRule]);
    await h.submitPo('ACME-US', 'DW-5');
    await waitFor(async () => (await comparisons('ACME-US', 'DW-5')).length > 0, 'a comparison');
    const { startComparer } = await import('../../src/divergence/comparer.js');
    const { getSqliteConsumerState, openConsumerDatabase } = await import(
      '../../src/adapters/consumerState/sqlite.js'
    );
    const { join } = await import('node:path');
    // A fresh consumer state: no checkpoint, so it reads every outcome again.
    const state = getSqliteConsumerState(openConsumerDatabase(join(h.gw.dir, 'again.sqlite')));
    const again = startComparer({ store: h.gw.store, state, owner: 'again', leaseTtlMs: null });
    await again.caughtUp();
    await again.stop();
    state.close();
    expect(await comparisons('ACME-US', 'DW-5')).toHaveLength(1);
  });
});
