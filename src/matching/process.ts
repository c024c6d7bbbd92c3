/**
 * The match process: the consumer (src/consumers/consumer.ts) that matches supplier invoices
 * and records each change of outcome on the invoice's stream (InvoiceMatched, InvoiceHeld,
 * InvoiceReleased). It reacts to invoices, receipts, order changes, rejections (a rejected
 * invoice no longer counts toward the others' invoiced-to-date) and tolerance changes.
 *
 * Exactly once per change of outcome: the outcome is folded from the invoice's stream and an
 * event is appended only when a new match differs from it, against the revision it was
 * folded at. The consumer is at least once, so after a crash (kill -9 between a receipt and
 * the release) the batch is handled again: the match is computed again from the log, and
 * either the release was recorded (the outcome is the same: nothing is appended) or it was
 * not (it is recorded now). An operator's override racing the process wins or loses on the
 * stream's revision; the loser looks again.
 */
import { randomUUID } from 'node:crypto';
import { startConsumer } from '../consumers/consumer.js';
import {
  type ConsumerLog,
  type ConsumerStatus,
  noEffects,
  type RunningConsumer,
} from '../consumers/definition.js';
import { goodsReceipt, supplierInvoice } from '../domain/children/children.js';
import type { SupplierInvoiceState } from '../domain/children/types.js';
import { fold } from '../domain/decider.js';
import { streamNameOf } from '../domain/documents.js';
import { type InvoiceFact, matchInvoice, type ReceiptFact } from '../domain/matching/match.js';
import { matchEventFor } from '../domain/matching/outcome.js';
import { foldPurchaseOrder } from '../domain/purchaseOrder/purchaseOrder.js';
import type { PurchaseOrderState } from '../domain/purchaseOrder/types.js';
import type { ConsumerStateStore } from '../ports/consumerState.js';
import {
  type EventStore,
  type JsonObject,
  type LogPosition,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import { MatchIndex } from './index.js';
import { type ToleranceRegistry, toleranceEventType } from './tolerances.js';

export const matchConsumerName = 'three-way-match';
/** Who the process's events name as their client. */
export const matchProcessClient = 'coexist-match';

const orderEventTypes = [
  'PurchaseOrderSubmitted',
  'PurchaseOrderChanged',
  'PurchaseOrderCancelled',
];

export interface MatchProcessOptions {
  store: EventStore;
  /** Checkpoint and lease (shared by every instance on the store). */
  state: ConsumerStateStore;
  owner: string;
  tolerances: ToleranceRegistry;
  /** null: no lease (one process). Default 15 s. */
  leaseTtlMs?: number | null;
  log?: ConsumerLog;
  now?: () => Date;
}

export interface MatchProcess {
  status(): ConsumerStatus;
  /** Resolves once everything up to `position` is matched (tests, read-your-writes). */
  waitFor(position: LogPosition): Promise<void>;
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

const invoiceFact = (state: SupplierInvoiceState): InvoiceFact => state;

const receiptFact = (events: readonly RecordedEvent[]): ReceiptFact | null =>
  fold(goodsReceipt, events);

export const startMatchProcess = (options: MatchProcessOptions): MatchProcess => {
  const { store, tolerances } = options;
  const now = options.now ?? (() => new Date());
  let index: MatchIndex | null = null;
  /** The last position the index has seen. */
  let indexedUpTo: LogPosition = -1n;

  /**
   * The index, current up to `checkpoint` at least: built from the log at the first batch, and
   * brought up to date with what another instance handled while this one stood by.
   */
  const indexUpTo = async (checkpoint: LogPosition | null): Promise<MatchIndex> => {
    if (index && (checkpoint === null || checkpoint <= indexedUpTo)) return index;
    const current = index ?? new MatchIndex();
    const after = index ? indexedUpTo : undefined;
    for await (const event of store.readAll({
      ...(after === undefined ? {} : { after }),
      filter: { eventTypes: MatchIndex.eventTypes },
    })) {
      current.add(event);
      indexedUpTo = event.position;
    }
    index = current;
    return current;
  };

  const readOrders = async (company: string, poNumbers: readonly string[]) => {
    const orders = new Map<string, PurchaseOrderState | null>();
    for (const poNumber of poNumbers) {
      const stream = streamNameOf({ type: 'purchaseOrder', key: { company, poNumber } });
      orders.set(poNumber, foldPurchaseOrder(await store.readStream(stream)));
    }
    return orders;
  };

  /** Matches one invoice and records the outcome if it changed; retried on a lost race. */
  const evaluate = async (current: MatchIndex, stream: string, cause: RecordedEvent) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const events = await store.readStream(stream);
      const invoice = fold(supplierInvoice, events);
      const indexed = current.invoice(stream);
      if (!invoice || !indexed) return;
      const { company, supplier, invoiceNumber } = invoice;
      const poNumbers = indexed.poNumbers;
      const receipts: ReceiptFact[] = [];
      for (const receiptStream of current.receiptsOf(company, poNumbers)) {
        const receipt = receiptFact(await store.readStream(receiptStream));
        if (receipt) receipts.push(receipt);
      }
      const earlierInvoices: InvoiceFact[] = [];
      for (const other of current.earlierInvoices(company, poNumbers, indexed.position)) {
        const state = fold(supplierInvoice, await store.readStream(other));
        if (state && state.match.status !== 'rejected') earlierInvoices.push(invoiceFact(state));
      }
      const evaluation = matchInvoice({
        invoice: invoiceFact(invoice),
        orders: await readOrders(company, poNumbers),
        receipts,
        earlierInvoices,
        tolerances: tolerances.inForce(company, supplier),
      });
      const key = { supplier, invoiceNumber };
      const event = matchEventFor(invoice.match, key, evaluation, now().toISOString());
      if (!event) return;
      const revision = events.at(-1)?.revision ?? -1n;
      try {
        await store.appendToStream(
          stream,
          [
            {
              id: randomUUID(),
              type: event.type,
              data: event.data as unknown as JsonObject,
              metadata: {
                clientId: matchProcessClient,
                receivedAt: now().toISOString(),
                causationId: cause.id,
                ...(typeof cause.metadata.correlationId === 'string'
                  ? { correlationId: cause.metadata.correlationId }
                  : {}),
              },
            },
          ],
          { expectedRevision: revision },
        );
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
    throw new Error(`Invoice stream ${stream} keeps changing under the match; will retry.`);
  };

  /** The invoices an event may change the outcome of. */
  const affected = (current: MatchIndex, event: RecordedEvent): string[] => {
    // Most orders have no invoice yet: their events are passed over without being parsed.
    if (orderEventTypes.includes(event.type) && !current.isInvoicedOrder(event.streamName)) {
      return [];
    }
    const data = event.data as Record<string, unknown>;
    const company = String(data.company ?? '');
    switch (event.type) {
      case 'SupplierInvoiceReceived':
        return [event.streamName];
      case 'GoodsReceiptRecorded': {
        const lines = Array.isArray(data.lines) ? (data.lines as Array<{ poNumber: string }>) : [];
        const poNumbers = [...new Set(lines.map((line) => line.poNumber))];
        return poNumbers.flatMap((po) => current.openInvoicesOf(company, po).map((i) => i.stream));
      }
      case 'InvoiceRejected': {
        const invoice = current.invoice(event.streamName);
        if (!invoice) return [];
        return invoice.poNumbers.flatMap((po) =>
          current.openInvoicesOf(invoice.company, po).map((i) => i.stream),
        );
      }
      case toleranceEventType:
        return current
          .openInvoicesOfCompany(company, typeof data.supplier === 'string' ? data.supplier : null)
          .map((i) => i.stream);
      default:
        if (orderEventTypes.includes(event.type)) {
          return current.openInvoicesOf(company, String(data.poNumber ?? '')).map((i) => i.stream);
        }
        return [];
    }
  };

  let consumer: RunningConsumer;
  const handle = async (events: readonly RecordedEvent[]) => {
    const current = await indexUpTo(consumer.status().position);
    const toleranceChange = events.findLast((event) => event.type === toleranceEventType);
    if (toleranceChange) await tolerances.refresh(toleranceChange.position);
    const work = new Map<string, RecordedEvent>();
    for (const event of events) {
      current.add(event);
      if (event.position > indexedUpTo) indexedUpTo = event.position;
      for (const stream of affected(current, event)) work.set(stream, event);
    }
    // Earlier invoices first: a later one's invoiced-to-date counts them.
    const ordered = [...work].sort(([a], [b]) =>
      Number((current.invoice(a)?.position ?? 0n) - (current.invoice(b)?.position ?? 0n)),
    );
    for (const [stream, cause] of ordered) await evaluate(current, stream, cause);
    // Most batches are orders no invoice names yet: no checkpoint write for each of them.
    return work.size === 0 ? noEffects : undefined;
  };

  consumer = startConsumer(
    {
      name: matchConsumerName,
      filter: {
        eventTypes: [
          ...MatchIndex.eventTypes,
          'InvoiceHeld',
          ...orderEventTypes,
          toleranceEventType,
        ],
      },
      // An invoice is never left unmatched: a batch that keeps failing stops the process
      // visibly (GET /v1/admin/consumers) rather than parking a receipt that would release it.
      poison: 'stop',
      retry: { maxRetries: 10, initialDelayMs: 200, maxDelayMs: 10_000 },
      handler: { mode: 'at-least-once', handle },
    },
    {
      store,
      state: options.state,
      owner: options.owner,
      leaseTtlMs: options.leaseTtlMs === undefined ? 15_000 : options.leaseTtlMs,
      ...(options.log ? { log: options.log } : {}),
      now,
    },
  );

  return {
    status: () => consumer.status(),
    waitFor: (position) => consumer.waitFor(position),
    caughtUp: () => consumer.caughtUp(),
    stop: () => consumer.stop(),
  };
};
