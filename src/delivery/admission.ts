/**
 * How the dispatcher takes in a new request. When its delivery can start at once (a free
 * place, nothing of its document or its parents ahead of it, no gate, no priorities to weigh
 * it against others), the request is recorded with its first attempt in one append: one
 * durable write fewer per delivery, and no wait for the pump. Anything else is recorded as a
 * request for the pump (visible at once as pending), and a new request never starts ahead of
 * a recorded delivery already due on its target.
 */
import type { ErpConnector } from '../ports/erpConnector.js';
import { type AttemptContext, attemptStartedData, finishAttempt } from './attempt.js';
import type { TargetBreaker } from './breakers.js';
import type { DocumentEvents } from './documentEvents.js';
import type { GateFor } from './gates.js';
import { headOf, parentWaitOf } from './ordering.js';
import type { Places } from './places.js';
import type { DeliveryRecorder } from './recorder.js';
import { type Delivery, type DeliveryRequest, deliveryEventTypes } from './records.js';
import { prepareDelivery } from './requests.js';
import type { DeliveryView } from './view.js';

export interface AdmissionContext {
  connectors: ReadonlyMap<string, ErpConnector>;
  view: () => DeliveryView;
  /** This dispatcher holds the lease and is not stopping. */
  open: () => boolean;
  /** The target takes its deliveries by priority (the pump ranks them). */
  ranked: (target: string) => boolean;
  gateFor: GateFor;
  places: Places;
  pausedUntil: ReadonlyMap<string, number>;
  now: () => Date;
  breakerOf: (target: string) => TargetBreaker;
  /** A document whose requests are being recorded (its children wait for them). */
  inIntake: (documentStream: string) => boolean;
  documents: DocumentEvents;
  recorder: DeliveryRecorder;
  occupy(stream: string, target: string): void;
  attempt(stream: string, target: string, deliveryId: string, work: () => Promise<void>): void;
  attemptContext: AttemptContext;
}

export const createAdmission = (ctx: AdmissionContext) => {
  const { places, recorder } = ctx;

  /** True when the request's delivery starts now; false: it is queued for the pump. */
  const admission = (name: string, request: DeliveryRequest): boolean => {
    const target = request.target;
    if (!ctx.connectors.has(target) || !ctx.open() || ctx.ranked(target)) return false;
    if (ctx.gateFor(request.documentType) || places.starved.has(target)) return false;
    if (places.isBusy(name) || (ctx.pausedUntil.get(name) ?? 0) > ctx.now().getTime()) {
      return false;
    }
    const view = ctx.view();
    const known = view.streams.get(name);
    if ((known && headOf(known)) || ctx.breakerOf(target).blocking) return false;
    if (request.parents.some((parent) => ctx.inIntake(parent))) return false;
    if (parentWaitOf(request, (n) => view.streams.get(n))) return false;
    return !places.full(target);
  };

  /** Records the request with its first attempt and goes on with the attempt. */
  const requestAndStart = async (
    name: string,
    request: DeliveryRequest,
    claim: string,
  ): Promise<boolean> => {
    const connector = ctx.connectors.get(request.target) as ErpConnector;
    ctx.occupy(name, request.target);
    let finish: (() => Promise<void>) | null = null;
    try {
      const prepared = await prepareDelivery(ctx.documents.read, request);
      if (prepared.kind === 'ready') {
        const startedAt = ctx.now();
        const events = [
          { type: deliveryEventTypes.requested, data: request },
          {
            type: deliveryEventTypes.attemptStarted,
            data: attemptStartedData(request.deliveryId, 1, startedAt),
          },
        ];
        if (await recorder.recordAll(name, events, claim)) {
          const view = ctx.view();
          const stream = view.stream(name);
          const head = view.find(request.deliveryId)?.delivery as Delivery;
          const breaker = ctx.breakerOf(request.target);
          const { delivery } = prepared;
          finish = () =>
            finishAttempt(
              ctx.attemptContext,
              stream,
              head,
              startedAt,
              delivery,
              connector,
              breaker,
            );
          return true;
        }
      }
      // Not deliverable as it is (the pump records why), or raced: the request alone.
      return await recorder.record(name, deliveryEventTypes.requested, request, claim);
    } finally {
      ctx.attempt(name, request.target, request.deliveryId, finish ?? (async () => {}));
    }
  };

  return { admission, requestAndStart };
};
