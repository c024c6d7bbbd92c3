/**
 * Purchase order commands, events and state. Commands are the v1 request bodies (a later
 * contract version is upcast to these before the domain sees it); events and their data are
 * typed from contracts/events (see ../events/registry.ts).
 */
import type { EventOf } from '../events/registry.js';
import type {
  PurchaseOrderAcknowledgedV1,
  PurchaseOrderCancelledV1,
  PurchaseOrderChangedV1,
  PurchaseOrderSubmittedV1,
} from '../events/schemaTypes.generated.js';

export type { Address, Quantity } from '../events/schemaTypes.generated.js';

export interface PurchaseOrderKey {
  company: string;
  poNumber: string;
}

type WithoutKey<T> = Omit<T, keyof PurchaseOrderKey>;

export type SubmitPurchaseOrder = PurchaseOrderSubmittedV1;
export type ChangePurchaseOrder = WithoutKey<PurchaseOrderChangedV1>;
export type CancelPurchaseOrder = WithoutKey<PurchaseOrderCancelledV1>;
export type AcknowledgePurchaseOrder = WithoutKey<PurchaseOrderAcknowledgedV1>;

export type PurchaseOrderLine = SubmitPurchaseOrder['lines'][number];
export type PurchaseOrderLineChange = NonNullable<ChangePurchaseOrder['lines']>[number];
type AcknowledgementLine = NonNullable<AcknowledgePurchaseOrder['lines']>[number];

export type PurchaseOrderCommand =
  | { type: 'SubmitPurchaseOrder'; data: SubmitPurchaseOrder }
  | { type: 'ChangePurchaseOrder'; key: PurchaseOrderKey; data: ChangePurchaseOrder }
  | { type: 'CancelPurchaseOrder'; key: PurchaseOrderKey; data: CancelPurchaseOrder }
  | { type: 'AcknowledgePurchaseOrder'; key: PurchaseOrderKey; data: AcknowledgePurchaseOrder };

export type PurchaseOrderEvent =
  | EventOf<'PurchaseOrderSubmitted'>
  | EventOf<'PurchaseOrderChanged'>
  | EventOf<'PurchaseOrderCancelled'>
  | EventOf<'PurchaseOrderAcknowledged'>;

/**
 * `cancelled`: by a cancellation, or by changes that cancelled every line (nothing is left to
 * order or deliver, which is what cancelling the order means). `closed` is kept for a fully
 * received and invoiced order, which the three-way-match process will decide.
 */
export type PurchaseOrderStatus = 'open' | 'acknowledged' | 'rejected' | 'cancelled' | 'closed';

export interface PurchaseOrderLineState extends PurchaseOrderLine {
  status: 'open' | 'cancelled';
  /** Why the line was cancelled, when the change said. */
  cancellationReason?: string;
  acknowledgement?: Omit<AcknowledgementLine, 'lineNumber'>;
}

/**
 * The current state of a purchase order: every header field of the order as submitted (and as
 * changed since), its lines, and what happened to it.
 */
export interface PurchaseOrderState extends Omit<SubmitPurchaseOrder, 'lines'> {
  status: PurchaseOrderStatus;
  lines: PurchaseOrderLineState[];
  changeCount: number;
  /** The reason given by the last change that had one. */
  lastChangeReason?: string;
  cancellation?: CancelPurchaseOrder;
  acknowledgement?: Omit<AcknowledgePurchaseOrder, 'lines'>;
}
