/**
 * The Tryton 6.0 connector: the legacy ERP behind the `ErpConnector` port.
 * Every mapping is resumable (see each mapping's file); this class routes a delivery to its
 * mapping and turns every failure into the port's `ErpError`.
 */
import type {
  ErpConnector,
  ErpDelivery,
  ErpDocumentType,
  ErpResult,
} from '../../../ports/erpConnector.js';
import { permanent } from '../../../ports/erpConnector.js';
import type { TrytonConnectorConfig } from './config.js';
import { CrosswalkFile } from './crosswalk.js';
import { submitJournalEntry } from './journalEntry.js';
import { changePurchaseOrder, submitPurchaseOrder } from './purchaseOrder.js';
import { acknowledgePurchaseOrder } from './purchaseOrderAcknowledge.js';
import { cancelPurchaseOrder } from './purchaseOrderCancel.js';
import { recordGoodsReceipt, submitShipmentNotice } from './receipts.js';
import { TrytonError, TrytonRpc } from './rpc.js';
import { TrytonSession } from './session.js';
import { submitSupplierInvoice } from './supplierInvoice.js';

const supported: Record<ErpDocumentType, readonly string[]> = {
  purchaseOrder: ['submit', 'change', 'cancel', 'acknowledge'],
  shipmentNotice: ['submit'],
  goodsReceipt: ['submit'],
  supplierInvoice: ['submit'],
  journalEntry: ['submit'],
};

export class TrytonConnector implements ErpConnector {
  private readonly rpc: TrytonRpc;
  private readonly crosswalk: CrosswalkFile;

  constructor(
    private readonly config: TrytonConnectorConfig,
    readonly target = 'legacy',
  ) {
    this.rpc = new TrytonRpc(config);
    this.crosswalk = new CrosswalkFile(config.crosswalkFile, target);
  }

  supports(document: ErpDocumentType, action: ErpDelivery['action']): boolean {
    return supported[document].includes(action);
  }

  async deliver(delivery: ErpDelivery): Promise<ErpResult> {
    if (!this.supports(delivery.document, delivery.action)) {
      return permanent(
        'unsupported',
        `The Tryton connector does not ${delivery.action} ${delivery.document} documents.`,
      );
    }
    try {
      const session = new TrytonSession(this.rpc, this.crosswalk.current(), this.config.defaults);
      const acknowledgement = await this.route(session, delivery);
      const warnings = session.acknowledgedWarnings;
      if (warnings.length > 0) {
        acknowledgement.details = {
          ...acknowledgement.details,
          acknowledgedWarnings: warnings.join(', '),
        };
      }
      return { ok: true, acknowledgement };
    } catch (error) {
      if (error instanceof TrytonError) return { ok: false, error: error.erpError };
      // A bug here is not fixed by retrying: dead-letter it, visibly, for a replay after the fix.
      return permanent(
        'connector-failure',
        `The Tryton connector failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private route(s: TrytonSession, delivery: ErpDelivery) {
    switch (delivery.document) {
      case 'purchaseOrder':
        switch (delivery.action) {
          case 'submit':
            return submitPurchaseOrder(s, delivery.state);
          case 'change':
            return changePurchaseOrder(s, delivery.state, 'Changed through the gateway');
          case 'cancel':
            return cancelPurchaseOrder(s, delivery.state);
          case 'acknowledge':
            return acknowledgePurchaseOrder(s, delivery.state);
        }
        break;
      case 'shipmentNotice':
        return submitShipmentNotice(s, delivery.state);
      case 'goodsReceipt':
        return recordGoodsReceipt(s, delivery.state);
      case 'supplierInvoice':
        return submitSupplierInvoice(s, delivery.state);
      case 'journalEntry':
        return submitJournalEntry(s, delivery.state);
    }
    throw new Error('unreachable: supports() admitted an action without a mapping');
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}
