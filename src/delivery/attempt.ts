/**
 * One attempt at a delivery: the document as of its command, refused before the ERP when it
 * is not deliverable; `DeliveryAttemptStarted` recorded before the connector is called, and
 * the outcome after it: delivered, failed with the next attempt time (backoff with jitter,
 * the ERP's Retry-After when longer), or dead-lettered (a permanent error, a code the policy
 * calls permanent, or the policy's attempts used up).
 */
import type { ConsumerLog } from '../consumers/definition.js';
import type { ErpConnector, ErpDelivery, ErpResult, RequestBudget } from '../ports/erpConnector.js';
import type { JsonObject } from '../ports/eventStore.js';
import type { TargetBreaker } from './breakers.js';
import type { GateFor } from './gates.js';
import { unlimitedBudget } from './quota.js';
import { type Delivery, type DeliveryStream, deliveryEventTypes } from './records.js';
import { prepareDelivery, type ReadDocument } from './requests.js';
import { type DeliverySettings, policyOf, retryDelayMs } from './settings.js';

/** Appends one event to a delivery stream; false when another writer got there first. */
export type RecordDeliveryEvent = (
  streamName: string,
  type: string,
  data: object,
  claim?: string,
) => Promise<boolean>;

export interface AttemptContext {
  /** The target's request quota at this delivery's priority. */
  budgetFor: (head: Delivery) => RequestBudget;
  readDocument: ReadDocument;
  gateFor: GateFor;
  settings: DeliverySettings;
  record: RecordDeliveryEvent;
  now: () => Date;
  random: () => number;
  log: ConsumerLog;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const attemptDelivery = async (
  context: AttemptContext,
  stream: DeliveryStream,
  head: Delivery,
  connector: ErpConnector,
  breaker: TargetBreaker,
): Promise<void> => {
  const { readDocument, gateFor, record, now } = context;
  const id = head.deliveryId;
  const prepared = await prepareDelivery(readDocument, head, gateFor);
  if (prepared.kind === 'held') {
    // Recorded once per reason: asking the gate again on every event records nothing new.
    if (head.state === 'held' && head.hold?.reason === prepared.reason) return;
    await record(stream.name, deliveryEventTypes.held, {
      deliveryId: id,
      reason: prepared.reason,
      at: now().toISOString(),
    });
    return;
  }
  if (prepared.kind === 'skipped') {
    await record(stream.name, deliveryEventTypes.skipped, {
      deliveryId: id,
      resolutionId: null,
      by: 'gate',
      reason: prepared.reason,
      reference: null,
      at: now().toISOString(),
    });
    return;
  }
  if (prepared.kind === 'refused') {
    await record(stream.name, deliveryEventTypes.deadLettered, {
      deliveryId: id,
      attempt: null,
      reason: prepared.code,
      error: { kind: 'permanent', code: prepared.code, message: prepared.message },
      at: now().toISOString(),
    });
    return;
  }
  const startedAt = now();
  const started = await record(
    stream.name,
    deliveryEventTypes.attemptStarted,
    attemptStartedData(id, head.attempts.length + 1, startedAt),
  );
  if (!started) return;
  await finishAttempt(context, stream, head, startedAt, prepared.delivery, connector, breaker);
};

export const attemptStartedData = (deliveryId: string, attempt: number, startedAt: Date) => ({
  deliveryId,
  attempt,
  startedAt: startedAt.toISOString(),
});

/**
 * The rest of an attempt once `DeliveryAttemptStarted` is durable (and folded into `head`):
 * the connector's call, through the breaker and the quota, and its outcome recorded.
 */
export const finishAttempt = async (
  { budgetFor, settings, record, now, random, log }: AttemptContext,
  stream: DeliveryStream,
  head: Delivery,
  startedAt: Date,
  delivery: ErpDelivery,
  connector: ErpConnector,
  breaker: TargetBreaker,
): Promise<void> => {
  const id = head.deliveryId;
  const number = head.attempts.length;
  const policy = policyOf(settings, stream.target);
  // A connector that meters its own requests runs each through the budget; any other is
  // charged one request per delivery.
  const budget = budgetFor(head);
  const about = { deliveryId: id, attempt: number };
  const deliver = connector.metersRequests
    ? () => connector.deliver(delivery, { ...about, budget })
    : () => budget.run(() => connector.deliver(delivery, { ...about, budget: unlimitedBudget }));
  let result: ErpResult;
  try {
    result = await breaker.run(deliver);
  } catch (error) {
    result = {
      ok: false,
      error: { kind: 'permanent', code: 'dispatcher-failure', message: messageOf(error) },
    };
  }
  const finishedAt = now();
  const timing = {
    deliveryId: id,
    attempt: number,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
  if (result.ok) {
    const { reference, record: erpRecord, alreadyDelivered, details } = result.acknowledgement;
    await record(stream.name, deliveryEventTypes.succeeded, {
      ...timing,
      reference,
      record: erpRecord,
      alreadyDelivered,
      ...(details ? { details } : {}),
    });
    return;
  }
  const error = result.error;
  const permanent = error.kind === 'permanent' || policy.permanentCodes.includes(error.code);
  const exhausted = head.budgetUsed >= policy.maxAttempts;
  if (permanent || exhausted) {
    await record(stream.name, deliveryEventTypes.deadLettered, {
      ...timing,
      reason: permanent ? 'permanent-error' : 'retries-exhausted',
      error: error as unknown as JsonObject,
      at: finishedAt.toISOString(),
    });
    log.warn({ delivery: id, code: error.code }, 'delivery dead-lettered');
    return;
  }
  const retryAfterMs = error.kind === 'transient' ? error.retryAfterMs : undefined;
  const delay = retryDelayMs(policy, head.budgetUsed, retryAfterMs, random);
  await record(stream.name, deliveryEventTypes.attemptFailed, {
    ...timing,
    error: error as unknown as JsonObject,
    nextAttemptAt: new Date(finishedAt.getTime() + delay).toISOString(),
  });
};
