/** The ErpConnector conformance suite, run by the Tryton connector against a real Tryton 6.0. */
import { describe, it } from 'vitest';
import { TrytonConnector } from '../../../src/adapters/connectors/tryton/connector.js';
import { TrytonRpc } from '../../../src/adapters/connectors/tryton/rpc.js';
import type { ErpDelivery } from '../../../src/ports/erpConnector.js';
import { erpConnectorConformance } from '../conformance.js';
import { prepareTryton, startPrivateTryton } from './sandbox.js';

/** Where each document lives in Tryton, and the field holding the gateway's reference. */
const lookup = (delivery: ErpDelivery): [string, unknown[]] => {
  switch (delivery.document) {
    case 'purchaseOrder':
      return ['purchase.purchase', [['reference', '=', delivery.key.poNumber]]];
    case 'shipmentNotice':
      return ['stock.shipment.in', [['reference', '=', delivery.key.asnNumber]]];
    case 'goodsReceipt':
      return ['stock.shipment.in', [['reference', '=', delivery.key.receiptNumber]]];
    case 'supplierInvoice':
      return [
        'account.invoice',
        [
          ['type', '=', 'in'],
          ['reference', '=', delivery.key.invoiceNumber],
        ],
      ];
    case 'journalEntry':
      return ['account.move', [['description', 'like', `${delivery.key.entryNumber}%`]]];
  }
};

const unavailable = prepareTryton();
if (unavailable !== null) {
  describe('ErpConnector conformance: Tryton 6.0', () => {
    it.skip(`SKIPPED: ${unavailable}`, () => {});
  });
} else {
  erpConnectorConformance('Tryton 6.0', async () => {
    const tryton = await startPrivateTryton();
    const connector = new TrytonConnector(tryton.config);
    const rpc = new TrytonRpc(tryton.config);
    const ctx = await rpc.context(1);
    return {
      connector,
      unreachable: () =>
        new TrytonConnector({ ...tryton.config, url: 'http://127.0.0.1:9', timeoutMs: 2000 }),
      count: async (delivery) => {
        const [model, domain] = lookup(delivery);
        return (await rpc.model<number[]>(model, 'search', [domain, 0, null, null], ctx)).length;
      },
      teardown: async () => {
        await connector.close();
        await rpc.close();
        await tryton.stop();
      },
    };
  });
}
