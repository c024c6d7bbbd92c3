/**
 * Canonical purchase order commands and events (contract v1 shapes; see
 * contracts/http/v1/purchase-order-*.json and contracts/events/v1/purchase-order-*.json).
 * A later contract version is upcast to these before the domain sees it.
 */
import type { DecimalString } from '../decimal.js';

export interface Quantity {
  value: DecimalString;
  uom: string;
}

export interface Address {
  name?: string;
  street: string;
  city: string;
  postalCode?: string;
  region?: string;
  country: string;
}

export interface PurchaseOrderLine {
  lineNumber: number;
  item: string;
  quantity: Quantity;
  unitPrice: DecimalString;
  supplierItem?: string;
  description?: string;
  taxCode?: string;
  requestedDeliveryDate?: string;
  costCenter?: string;
}

export interface SubmitPurchaseOrder {
  company: string;
  poNumber: string;
  supplier: string;
  site: string;
  orderDate: string;
  currency: string;
  lines: PurchaseOrderLine[];
  buyer?: string;
  paymentTerms?: string;
  incoterms?: { code: string; place?: string };
  requestedDeliveryDate?: string;
  shipTo?: Address;
  notes?: string;
  externalReference?: string;
}

export type PurchaseOrderLineChange =
  | ({ action: 'add' } & PurchaseOrderLine)
  | {
      action: 'update';
      lineNumber: number;
      quantity?: Quantity;
      unitPrice?: DecimalString;
      requestedDeliveryDate?: string;
      description?: string;
      taxCode?: string;
    }
  | { action: 'cancel'; lineNumber: number; reason?: string };

export interface ChangePurchaseOrder {
  changeReason?: string;
  requestedDeliveryDate?: string;
  shipTo?: Address;
  notes?: string;
  lines?: PurchaseOrderLineChange[];
}

export interface CancelPurchaseOrder {
  reason: string;
  cancelledAt?: string;
}

export type AcknowledgementLineStatus = 'accepted' | 'changed' | 'rejected' | 'backordered';

export interface AcknowledgePurchaseOrder {
  acknowledgedAt: string;
  status: 'accepted' | 'accepted_with_changes' | 'rejected';
  acknowledgementNumber?: string;
  note?: string;
  lines?: Array<{
    lineNumber: number;
    status: AcknowledgementLineStatus;
    confirmedQuantity?: Quantity;
    confirmedUnitPrice?: DecimalString;
    confirmedDeliveryDate?: string;
    note?: string;
  }>;
}

export interface PurchaseOrderKey {
  company: string;
  poNumber: string;
}

export type PurchaseOrderEvent =
  | { type: 'PurchaseOrderSubmitted'; data: SubmitPurchaseOrder }
  | { type: 'PurchaseOrderChanged'; data: PurchaseOrderKey & ChangePurchaseOrder }
  | { type: 'PurchaseOrderCancelled'; data: PurchaseOrderKey & CancelPurchaseOrder }
  | { type: 'PurchaseOrderAcknowledged'; data: PurchaseOrderKey & AcknowledgePurchaseOrder };

export type PurchaseOrderStatus = 'open' | 'acknowledged' | 'rejected' | 'cancelled' | 'closed';

export interface PurchaseOrderLineState extends PurchaseOrderLine {
  status: 'open' | 'cancelled';
  acknowledgement?: {
    status: AcknowledgementLineStatus;
    confirmedQuantity?: Quantity;
    confirmedUnitPrice?: DecimalString;
    confirmedDeliveryDate?: string;
  };
}

/** The current state of a purchase order, folded from its events. */
export interface PurchaseOrderState {
  company: string;
  poNumber: string;
  supplier: string;
  site: string;
  currency: string;
  orderDate: string;
  status: PurchaseOrderStatus;
  requestedDeliveryDate?: string;
  shipTo?: Address;
  notes?: string;
  lines: PurchaseOrderLineState[];
  changeCount: number;
  cancellation?: CancelPurchaseOrder;
  acknowledgement?: { status: AcknowledgePurchaseOrder['status']; acknowledgedAt: string };
}
