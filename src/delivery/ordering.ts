/**
 * In what order deliveries may go: per delivery stream only its head (the first delivery not
 * settled), and a child only after its parents' deliveries to the same target. These
 * stand apart from the records and their fold (records.ts) because they are the dispatcher's
 * scheduling rules, read by the pump, admission and the operators' views, not something a
 * delivery stream records.
 */
import { documentTypeOfStream } from '../domain/documents.js';
import {
  type Delivery,
  type DeliveryRequest,
  type DeliveryStream,
  deliveryStreamOf,
  isSettled,
  type RecordedDeliveryState,
} from './records.js';

/** A stream whose every delivery is delivered or skipped: nothing left to schedule in it. */
export const isFinished = (stream: DeliveryStream): boolean => stream.deliveries.every(isSettled);

/** The first delivery of a stream not yet settled: the only one that may be attempted. */
export const headOf = (stream: DeliveryStream): Delivery | undefined =>
  stream.deliveries.find((d) => !isSettled(d));

/** Where a delivery waits on its parents' deliveries to the same target. */
export interface ParentWait {
  parentStream: string;
  parentDeliveryId: string;
  parentState: RecordedDeliveryState;
  reason: string;
}

/** What a parent is, for the reason a child waits: its stream's category. */
const parentLabel = (parent: string): string =>
  documentTypeOfStream(parent) === 'shipmentNotice' ? 'shipment notice' : 'purchase order';

/**
 * A child (notice, receipt, invoice) waits until every delivery of its parents (its orders;
 * for a receipt, also the notice it names) to the same target that was commanded before it
 * is delivered: the order exists in the ERP, with the lines the child points at, and the
 * notice's goods are expected. A skipped one holds nothing (the ERP answers for the child).
 * A parent the target never got a delivery of holds nothing (the ERP answers for it).
 */
export const parentWaitOf = (
  delivery: DeliveryRequest,
  lookup: (deliveryStream: string) => DeliveryStream | undefined,
): ParentWait | null => {
  const position = BigInt(delivery.commandPosition);
  for (const parent of delivery.parents) {
    const stream = lookup(deliveryStreamOf(delivery.target, parent));
    const pending = stream?.deliveries.find(
      (d) => !isSettled(d) && BigInt(d.commandPosition) < position,
    );
    if (pending) {
      return {
        parentStream: parent,
        parentDeliveryId: pending.deliveryId,
        parentState: pending.state,
        reason:
          pending.state === 'dead-lettered'
            ? `its ${parentLabel(parent)} ${parent} is dead-lettered on ${delivery.target} (${pending.deadLetter?.message ?? 'see that delivery'})`
            : `its ${parentLabel(parent)} ${parent} is not delivered to ${delivery.target} yet (${pending.state})`,
      };
    }
  }
  return null;
};
