/**
 * What every `ErpConnector` promises the dispatcher, run against each connector:
 * deliveries answer the ERP's reference; a repeated delivery is recognised and creates nothing;
 * a master-data code the ERP does not know is a permanent error naming it; an unreachable ERP
 * is a transient error; and a connector answers with a result, it never throws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErpConnector, ErpDelivery, ErpResult } from '../../src/ports/erpConnector.js';
import {
  goodsReceipt,
  journalEntry,
  purchaseOrderState,
  submitPo,
  supplierInvoice,
} from './fixtures.js';

export interface ConformanceSubject {
  connector: ErpConnector;
  /** A connector configured like `connector` but pointing at an address nothing answers. */
  unreachable: () => ErpConnector;
  /** How many records the ERP holds for a delivery's business key (counted in the ERP). */
  count: (delivery: ErpDelivery) => Promise<number>;
  teardown: () => Promise<void>;
}

const acknowledged = (result: ErpResult) => {
  if (!result.ok) throw new Error(`expected a delivery, got ${JSON.stringify(result.error)}`);
  return result.acknowledgement;
};

export const erpConnectorConformance = (name: string, setup: () => Promise<ConformanceSubject>) =>
  describe(`ErpConnector conformance: ${name}`, { timeout: 60_000 }, () => {
    let subject: ConformanceSubject;
    beforeAll(async () => {
      subject = await setup();
    }, 60_000);
    afterAll(async () => {
      await subject?.teardown();
    });

    it('answers a purchase order with the ERP reference, and recognises the same delivery again', async () => {
      const delivery = submitPo(purchaseOrderState());
      const first = acknowledged(await subject.connector.deliver(delivery));
      expect(first.reference).not.toBe('');
      expect(first.alreadyDelivered).toBe(false);
      const again = acknowledged(await subject.connector.deliver(delivery));
      expect(again).toMatchObject({
        reference: first.reference,
        record: first.record,
        alreadyDelivered: true,
      });
      expect(await subject.count(delivery)).toBe(1);
    });

    it('delivers each child document and the journal entry once, however often it is delivered', async () => {
      const po = purchaseOrderState();
      acknowledged(await subject.connector.deliver(submitPo(po)));
      for (const delivery of [
        goodsReceipt(po.poNumber, { 10: '495', 30: '12' }),
        supplierInvoice(po.poNumber),
        journalEntry(),
      ]) {
        if (!subject.connector.supports(delivery.document, delivery.action)) continue;
        const first = acknowledged(await subject.connector.deliver(delivery));
        const again = acknowledged(await subject.connector.deliver(delivery));
        expect(again.reference).toBe(first.reference);
        expect(await subject.count(delivery)).toBe(1);
      }
    });

    it('answers an unknown master-data code with a permanent error naming it, and creates nothing', async () => {
      const po = purchaseOrderState();
      (po.lines[0] as { item: string }).item = 'ITEM-NOBODY-KNOWS';
      const delivery = submitPo(po);
      const result = await subject.connector.deliver(delivery);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.kind).toBe('permanent');
      expect(result.error.message).toContain('ITEM-NOBODY-KNOWS');
      expect(await subject.count(delivery)).toBe(0);
    });

    it('answers an unreachable ERP with a transient error instead of throwing', async () => {
      const connector = subject.unreachable();
      try {
        const result = await connector.deliver(submitPo(purchaseOrderState()));
        expect(result).toMatchObject({ ok: false, error: { kind: 'transient' } });
      } finally {
        await connector.close();
      }
    });
  });
