/**
 * `Prefer: wait=N` (RFC 7240) on command POSTs: the gateway holds the answer up to N seconds
 * for the primary ERP's acknowledgement and answers 200 with its reference
 * (`Preference-Applied: wait=N`); when the delivery takes longer, the usual 202. A hook on the
 * sent answer, so the write path stays unaware of delivery.
 */
import type { FastifyInstance, FastifyReply, onSendHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { type DocumentType, documentTypes, streamNameOf } from '../domain/documents.js';
import type { EventStore } from '../ports/eventStore.js';
import {
  applyDeliveryEvent,
  type Delivery,
  deliveryStreamOf,
  emptyDeliveryStream,
  isSettled,
} from './records.js';

/** Longest wait honoured, whatever the client asks. */
export const maxWaitSeconds = 60;

/** The `wait` preference in seconds, or null (RFC 7240: `Prefer: respond-async, wait=10`). */
export const preferredWait = (header: string | string[] | undefined): number | null => {
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = text ? /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(text) : null;
  return match ? Math.min(Number(match[1]), maxWaitSeconds) : null;
};

export interface Acknowledged {
  target: string;
  state: Delivery['state'];
  reference: string | null;
  record: string | null;
  reason: string | null;
}

/**
 * Waits until every delivery of `commandEventIds` to `target` is delivered or dead-lettered,
 * or `timeoutMs` passed; returns the last one's outcome, or null on timeout.
 */
export const awaitAcknowledgement = async (
  store: EventStore,
  target: string,
  documentStream: string,
  commandEventIds: readonly string[],
  timeoutMs: number,
  pollMs = 100,
): Promise<Acknowledged | null> => {
  const name = deliveryStreamOf(target, documentStream);
  const stream = emptyDeliveryStream(name, target, documentStream);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await store.readStream(name, { fromRevision: stream.revision + 1n });
    for (const event of events) applyDeliveryEvent(stream, event);
    const ours = stream.deliveries.filter((d) => commandEventIds.includes(d.commandEventId));
    const last = ours.at(-1);
    if (last && ours.every((d) => isSettled(d) || d.state === 'dead-lettered')) {
      return {
        target,
        state: last.state,
        reference: last.reference,
        record: last.record,
        reason: last.deadLetter?.message ?? null,
      };
    }
    if (Date.now() + pollMs > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
};

interface AcceptedBody {
  status?: string;
  document?: { type?: string; key?: Record<string, string> };
  eventIds?: string[];
  route?: { owner?: string; primary?: string };
}

const isDocumentType = (type: string): type is DocumentType =>
  (documentTypes as readonly string[]).includes(type);

/** The answer held until the primary ERP acknowledged it (or the wait ran out), as a string. */
const held = async (
  store: EventStore,
  reply: FastifyReply,
  payload: string,
  seconds: number,
): Promise<string> => {
  const body = JSON.parse(payload) as AcceptedBody;
  const target = body.route?.owner === 'unresolved' ? undefined : body.route?.primary;
  const type = body.document?.type;
  if (body.status !== 'accepted' || !target || !type || !isDocumentType(type)) return payload;
  const documentStream = streamNameOf({ type, key: body.document?.key ?? {} });
  const acknowledged = await awaitAcknowledgement(
    store,
    target,
    documentStream,
    body.eventIds ?? [],
    seconds * 1000,
  );
  reply.header('preference-applied', `wait=${seconds}`);
  if (!acknowledged) return payload;
  if (acknowledged.state === 'delivered') reply.code(200);
  return JSON.stringify({ ...body, delivery: acknowledged });
};

/**
 * Attached to every POST route (only a command's 202 can be held), as a callback hook: an
 * answer whose request asks for no wait, nearly all of them, goes on in the same tick,
 * without a promise.
 */
export const preferWaitPlugin = fp(
  async (app: FastifyInstance, { store }: { store: EventStore }) => {
    const onSend: onSendHookHandler<unknown> = (request, reply, payload, done) => {
      const header = request.headers.prefer;
      if (header === undefined || reply.statusCode !== 202 || typeof payload !== 'string') {
        return done(null, payload);
      }
      const seconds = preferredWait(header);
      if (seconds === null) return done(null, payload);
      held(store, reply, payload, seconds).then((answer) => done(null, answer), done);
    };
    app.addHook('onRoute', (route) => {
      if (![route.method].flat().includes('POST')) return;
      route.onSend = [route.onSend ?? []].flat().concat(onSend);
    });
  },
  { name: 'coexist-prefer-wait' },
);
