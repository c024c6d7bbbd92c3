/**
 * Finished deliveries (delivered, skipped) listed from the `deliveries` read model, which holds
 * every delivery ever made (projections/deliveries): the dispatcher's view keeps the backlog
 * and only the last documents delivered, and after a restart only what its snapshot names, so
 * it cannot answer for history. A read model may trail the log by a moment.
 */
import type { DeliveryRecord } from '../../../../projections/deliveries/deliveries.js';
import {
  type Delivery,
  type DeliveryState,
  emptyDeliveryStream,
} from '../../../delivery/records.js';
import { type DeliveryStatus, statusOf } from '../../../delivery/view.js';
import {
  type Condition,
  ReadModelError,
  type ReadModelStore,
} from '../../../ports/readModelStore.js';
import { HttpProblem } from '../../problem.js';
import { boundCursor, unboundCursor } from '../v1/queryChecks.js';

export const historyStates: ReadonlySet<DeliveryState> = new Set(['delivered', 'skipped']);

/** A finished delivery's status needs no other delivery: nothing waits for it. */
const statusOfRecord = (record: DeliveryRecord): DeliveryStatus => {
  const delivery = record.delivery as unknown as Delivery;
  const stream = emptyDeliveryStream('', record.target, record.documentStream);
  stream.deliveries.push(delivery);
  return statusOf(delivery, stream, () => undefined);
};

export const finishedDeliveries = async (
  readModels: ReadModelStore,
  filter: { state?: DeliveryState; target?: string; documentType?: string },
  limit: number,
  after: string | undefined,
): Promise<{ total: number; deliveries: DeliveryStatus[]; next: string | null }> => {
  const where: Record<string, Condition> = {};
  // A cursor is bound to its filter: another filter's cursor would page through the wrong list.
  const storeCursor = after === undefined ? undefined : unboundCursor(after, filter);
  const badCursor = () =>
    new HttpProblem(
      400,
      'invalid-request',
      'The request does not satisfy the contract',
      undefined,
      {
        errors: [
          {
            pointer: '/after',
            in: 'query',
            detail: 'pass the "next" of a previous page of the same query (same filters) unchanged',
          },
        ],
      },
    );
  if (storeCursor === null) throw badCursor();
  if (filter.state) where.state = filter.state;
  if (filter.target) where.target = filter.target;
  if (filter.documentType) where.documentType = filter.documentType;
  const [total, page] = await Promise.all([
    readModels.countMatching('deliveries', where),
    readModels
      .find('deliveries', {
        where,
        orderBy: { field: 'requestedAt', direction: 'asc' },
        limit,
        ...(storeCursor ? { after: storeCursor } : {}),
      })
      .catch((error: unknown) => {
        throw error instanceof ReadModelError ? badCursor() : error;
      }),
  ]);
  return {
    total,
    deliveries: page.items.map((item) => statusOfRecord(item as unknown as DeliveryRecord)),
    next: boundCursor(page.next, filter),
  };
};
