/**
 * Documents that reference purchase order lines: shipment notices, goods receipts and
 * supplier invoices. They record facts that already happened elsewhere, so a reference the
 * gateway cannot resolve is flagged as an exception the document keeps, never rejected.
 * Commands are the v1 request bodies; events are typed from contracts/events (v2).
 */
import type { EventOf } from '../events/registry.js';
import type {
  ExceptionV2,
  GoodsReceiptRecordedV2,
  ShipmentNoticeSubmittedV2,
  SupplierInvoiceReceivedV2,
} from '../events/schemaTypes.generated.js';
import type { MatchState } from '../matching/outcome.js';

export type { Lot } from '../events/schemaTypes.generated.js';

/** A flagged problem with a recorded fact, pointing into the event data. */
export type DocumentException = ExceptionV2;
export type ExceptionCode = DocumentException['code'];
/**
 * `warning`: recorded, delivered, flagged for attention. `blocking`: recorded, but never
 * delivered to an ERP as valid until an operator resolves it.
 */
export type Severity = DocumentException['severity'];

type Command<T> = Omit<T, 'schemaVersion' | 'exceptions'>;
export type SubmitShipmentNotice = Command<ShipmentNoticeSubmittedV2>;
export type RecordGoodsReceipt = Command<GoodsReceiptRecordedV2>;
export type SubmitSupplierInvoice = Command<SupplierInvoiceReceivedV2>;

/** A line that points at a purchase order line. */
export interface PoReferencingLine {
  lineNumber: number;
  poNumber: string;
  poLineNumber: number;
  item?: string;
  quantity: { value: string; uom: string };
}

export type ChildEvent =
  | EventOf<'ShipmentNoticeSubmitted'>
  | EventOf<'GoodsReceiptRecorded'>
  | EventOf<'SupplierInvoiceReceived'>;

/**
 * A child document is one fact: its state is that fact, plus whether it may be delivered
 * (false while it carries a blocking exception).
 */
type Recorded<T> = Omit<T, 'schemaVersion'> & { status: 'recorded'; deliverable: boolean };
export type ShipmentNoticeState = Recorded<ShipmentNoticeSubmittedV2>;
export type GoodsReceiptState = Recorded<GoodsReceiptRecordedV2>;
/** An invoice also carries its three-way match outcome (pending until the match process runs). */
export type SupplierInvoiceState = Recorded<SupplierInvoiceReceivedV2> & { match: MatchState };
export type ChildState = ShipmentNoticeState | GoodsReceiptState | SupplierInvoiceState;
