/**
 * Upcasting: an event as recorded, at whatever schema version, becomes its current shape
 * before a decider folds it, so `evolve` is written against one shape per event type.
 *
 * Shipped: v1 → v2 of ShipmentNoticeSubmitted, GoodsReceiptRecorded and SupplierInvoiceReceived.
 * Version 2 gives every exception a `severity`, so a dispatcher can tell a flagged fact it may
 * deliver (`warning`) from one it must hold for an operator (`blocking`, e.g. a supplier
 * mismatch). No v1 exception held anything back, so each becomes a `warning`.
 */

import {
  type CoexistEvent,
  currentSchemaVersion,
  type EventType,
  type RecordedEventData,
  type StoredEvent,
} from './registry.js';
import type {
  ExceptionV1,
  ExceptionV2,
  GoodsReceiptRecordedV1,
  GoodsReceiptRecordedV2,
  ShipmentNoticeSubmittedV1,
  ShipmentNoticeSubmittedV2,
  SupplierInvoiceReceivedV1,
  SupplierInvoiceReceivedV2,
} from './schemaTypes.generated.js';

type RecordedEvent = { [K in EventType]: { type: K; data: RecordedEventData[K] } }[EventType];

/**
 * The trust boundary between the store and the typed domain: an event of a registered type
 * is taken to hold data of one of the shapes that type was recorded with. Only the gateway's
 * deciders write these types, from contract-validated commands, and the API tests check every
 * recorded event against its schema (eventSchemaId).
 */
const isRegistered = (event: StoredEvent): event is RecordedEvent =>
  Object.hasOwn(currentSchemaVersion, event.type);

const exceptionV2 = (exception: ExceptionV1): ExceptionV2 => ({
  ...exception,
  severity: 'warning',
});

const shipmentNoticeV2 = (
  data: ShipmentNoticeSubmittedV1 | ShipmentNoticeSubmittedV2,
): ShipmentNoticeSubmittedV2 =>
  data.schemaVersion === 2
    ? data
    : { ...data, schemaVersion: 2, exceptions: data.exceptions.map(exceptionV2) };

const goodsReceiptV2 = (
  data: GoodsReceiptRecordedV1 | GoodsReceiptRecordedV2,
): GoodsReceiptRecordedV2 =>
  data.schemaVersion === 2
    ? data
    : { ...data, schemaVersion: 2, exceptions: data.exceptions.map(exceptionV2) };

const supplierInvoiceV2 = (
  data: SupplierInvoiceReceivedV1 | SupplierInvoiceReceivedV2,
): SupplierInvoiceReceivedV2 =>
  data.schemaVersion === 2
    ? data
    : { ...data, schemaVersion: 2, exceptions: data.exceptions.map(exceptionV2) };

/** The event in its current shape, or null for a type no decider knows (folds ignore it). */
export const upcast = (event: StoredEvent): CoexistEvent | null => {
  if (!isRegistered(event)) return null;
  switch (event.type) {
    case 'ShipmentNoticeSubmitted':
      return { type: event.type, data: shipmentNoticeV2(event.data) };
    case 'GoodsReceiptRecorded':
      return { type: event.type, data: goodsReceiptV2(event.data) };
    case 'SupplierInvoiceReceived':
      return { type: event.type, data: supplierInvoiceV2(event.data) };
    default:
      // Every other type has been recorded in one shape only: its current one.
      return event;
  }
};
