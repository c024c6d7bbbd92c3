/**
 * The event types whose TypeScript types are generated: what the deciders, the match process and
 * the divergence comparer write and fold. Every other recorded type (deliveries, registries,
 * consumer state) has a schema too, held to what is recorded by recordedEvents.test.ts, while
 * its type stays hand-written beside the code that records it.
 */
export const typedEvents = new Set([
  'document-ownership-assigned',
  'document-ownership-changed',
  'dual-write-agreed',
  'dual-write-diverged',
  'goods-receipt-recorded',
  'invoice-held',
  'invoice-matched',
  'invoice-rejected',
  'invoice-released',
  'journal-entry-submitted',
  'match-tolerances-set',
  'purchase-order-acknowledged',
  'purchase-order-cancelled',
  'purchase-order-changed',
  'purchase-order-submitted',
  'shipment-notice-submitted',
  'supplier-invoice-received',
]);
