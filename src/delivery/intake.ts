/**
 * How the leading dispatcher takes in a batch of the log: operator breaker settings and
 * replays, and each command event's requests (one per target of its route), recorded, or
 * recorded with their first attempt (admission.ts), unless requested already.
 */
import { categoryOf, type EventStore, type RecordedEvent } from '../ports/eventStore.js';
import type { DocumentEvents } from './documentEvents.js';
import type { DeliveryRecorder } from './recorder.js';
import {
  type DeliveryRequest,
  deliveryControlCategory,
  deliveryEventTypes,
  deliveryReplayCategory,
  deliveryResolutionCategory,
  deliveryStreamOf,
  requestClaimOf,
} from './records.js';
import { requestsFor } from './requests.js';
import type { DeliveryView } from './view.js';

export interface IntakeContext {
  store: EventStore;
  view: () => DeliveryView;
  now: () => Date;
  documents: DocumentEvents;
  recorder: DeliveryRecorder;
  /** Document streams whose requests are being appended (their children wait), by count. */
  intake: Map<string, number>;
  /** Delivery streams the batch reads or writes: not dropped under it. */
  handling: Set<string>;
  applyControl(event: RecordedEvent): void;
  /** An operator's replay or resolution, carried out in the delivery streams. */
  carryOutReplay(event: RecordedEvent): Promise<boolean>[];
  /** Notes a document's event; `fresh` collects documents first seen in the batch. */
  noteDocumentEvent(event: RecordedEvent, fresh: Map<string, RecordedEvent[]>): void;
  admission(stream: string, request: DeliveryRequest): boolean;
  requestAndStart(stream: string, request: DeliveryRequest, claim: string): Promise<boolean>;
}

export const intakeOf =
  (ctx: IntakeContext) =>
  async (events: readonly RecordedEvent[]): Promise<void> => {
    const { intake, handling, documents } = ctx;
    const appends: Promise<boolean>[] = [];
    const taken: string[] = [];
    /** Documents first seen in this batch, from their first event. */
    const fresh = new Map<string, RecordedEvent[]>();
    try {
      for (const event of events) {
        const category = categoryOf(event.streamName);
        if (category === deliveryControlCategory) {
          ctx.applyControl(event);
          continue;
        }
        if (category === deliveryReplayCategory || category === deliveryResolutionCategory) {
          appends.push(...ctx.carryOutReplay(event));
          continue;
        }
        ctx.noteDocumentEvent(event, fresh);
        for (const request of requestsFor(event, ctx.now())) {
          documents.keep(request.documentStream, fresh.get(request.documentStream));
          const stream = deliveryStreamOf(request.target, request.documentStream);
          handling.add(stream);
          const view = ctx.view();
          // A stream dropped once finished: its revision and its deliveries (was this one
          // requested already?) from the store, one read. A document this batch created has
          // none (after a crash, its request's claim and a lost race tell instead).
          if (!view.streams.has(stream) && !fresh.has(request.documentStream)) {
            await view.reload(ctx.store, stream);
          }
          if (view.has(request.deliveryId)) continue;
          const claim = requestClaimOf(request.deliveryId);
          const startNow = ctx.admission(stream, request);
          intake.set(request.documentStream, (intake.get(request.documentStream) ?? 0) + 1);
          taken.push(request.documentStream);
          appends.push(
            startNow
              ? ctx.requestAndStart(stream, request, claim)
              : ctx.recorder.record(stream, deliveryEventTypes.requested, request, claim),
          );
        }
      }
      await Promise.all(appends);
    } finally {
      handling.clear();
      for (const documentStream of taken) {
        const left = (intake.get(documentStream) ?? 1) - 1;
        if (left > 0) intake.set(documentStream, left);
        else intake.delete(documentStream);
      }
    }
  };
