/**
 * The ERP connector port: how the dispatcher hands a document to an ERP.
 *
 * A delivery carries the document's *current* canonical state (folded from its events) and its
 * business key, never a delta: a connector reconciles the ERP with that state. Connectors are
 * **resumable**: every operation first looks up what the ERP already holds under the gateway's
 * reference and continues from there, so a retry after a crash (or a replay of a delivered
 * document) never creates twice, and a half-done multi-step operation (e.g. a purchase created
 * but not confirmed) is finished rather than repeated. The dispatcher still serialises
 * deliveries per document: a lookup-then-create is only safe with one delivery per key in flight.
 *
 * Connectors never throw: every outcome, including their own bugs, is an `ErpResult`.
 */
import type {
  RecordGoodsReceipt,
  SubmitShipmentNotice,
  SubmitSupplierInvoice,
} from '../domain/children/types.js';
import type { JournalEntryState } from '../domain/journalEntry/journalEntry.js';
import type { PurchaseOrderKey, PurchaseOrderState } from '../domain/purchaseOrder/types.js';

/** What a connector is asked to do, per document type. */
export type ErpDelivery =
  | {
      document: 'purchaseOrder';
      /**
       * submit: create and confirm; change: bring the ERP's lines to `state`; cancel: cancel it
       * (`state.status` is `cancelled`); acknowledge: record the supplier's confirmation.
       */
      action: 'submit' | 'change' | 'cancel' | 'acknowledge';
      key: PurchaseOrderKey;
      state: PurchaseOrderState;
    }
  | {
      document: 'shipmentNotice';
      action: 'submit';
      key: { supplier: string; asnNumber: string };
      state: SubmitShipmentNotice;
    }
  | {
      document: 'goodsReceipt';
      action: 'submit';
      key: { site: string; receiptNumber: string };
      state: RecordGoodsReceipt;
    }
  | {
      document: 'supplierInvoice';
      action: 'submit';
      key: { supplier: string; invoiceNumber: string };
      state: SubmitSupplierInvoice;
    }
  | {
      document: 'journalEntry';
      action: 'submit';
      key: { company: string; entryNumber: string };
      state: JournalEntryState;
    };

export type ErpDocumentType = ErpDelivery['document'];

/** The ERP's answer to a delivered document. */
export interface ErpAcknowledgement {
  /** The ERP's own reference for the document, e.g. Tryton's purchase number `P00042`. */
  reference: string;
  /** The ERP's record locator, e.g. `purchase.purchase,42`. */
  record: string;
  /** True when the ERP already held the document in its final state (nothing was written). */
  alreadyDelivered: boolean;
  /** ERP-side facts worth showing an operator (states, amounts, backorder moves, ...). */
  details?: Record<string, string | number | boolean | null>;
}

/**
 * Why a delivery failed.
 * - `transient`: may succeed later unchanged (ERP down, slow, overloaded, a concurrent write);
 *   `retryAfterMs` when the ERP said when to come back.
 * - `permanent`: will fail again until someone changes something (the document, the ERP's data
 *   or the crosswalk); `message` is the ERP's own words where it gave any.
 */
export type ErpError =
  | { kind: 'transient'; code: string; message: string; retryAfterMs?: number }
  | { kind: 'permanent'; code: string; message: string; detail?: string };

export type ErpResult =
  | { ok: true; acknowledgement: ErpAcknowledgement }
  | { ok: false; error: ErpError };

/**
 * The target's request quota as a connector sees it (src/delivery/quota.ts): the ERP's
 * published limits (requests per sliding window, concurrent requests), never exceeded.
 */
export interface RequestBudget {
  /**
   * Runs one request to the ERP once the quota allows it (waiting, by the delivery's
   * priority, for a place in the window and under the concurrency limit). Wrap every HTTP
   * request in it, token requests and lookups included. Rejects only when `signal` aborts.
   */
  run<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** The ERP said to come back later (429/503 Retry-After): nothing starts before then. */
  pause(ms: number): void;
}

/** What the dispatcher tells a connector about the delivery it hands over. */
export interface DeliveryContext {
  /** The target's quota, at this delivery's priority (unlimited when none is configured). */
  budget: RequestBudget;
  deliveryId: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface ErpConnector {
  /** The routing target this connector delivers to, e.g. `legacy`. */
  readonly target: string;
  /**
   * True when every request the connector makes goes through `context.budget`; otherwise the
   * dispatcher counts each delivery as one request against the target's quota.
   */
  readonly metersRequests?: boolean;
  /** Which document types and actions it implements; anything else is a permanent error. */
  supports(document: ErpDocumentType, action: ErpDelivery['action']): boolean;
  deliver(delivery: ErpDelivery, context?: DeliveryContext): Promise<ErpResult>;
  /** Releases sessions and sockets. */
  close(): Promise<void>;
}

export const transient = (code: string, message: string, retryAfterMs?: number): ErpResult => ({
  ok: false,
  error:
    retryAfterMs === undefined
      ? { kind: 'transient', code, message }
      : { kind: 'transient', code, message, retryAfterMs },
});

export const permanent = (code: string, message: string, detail?: string): ErpResult => ({
  ok: false,
  error:
    detail === undefined
      ? { kind: 'permanent', code, message }
      : { kind: 'permanent', code, message, detail },
});
