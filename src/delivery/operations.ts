/**
 * What operators do to deliveries: replay dead letters (one, a filtered set under a cap, or
 * all; a dry run shows what would be replayed), and hold a target's circuit breaker open or
 * close it. Each is an event naming who and why; the dispatcher, wherever it holds its lease,
 * picks them up from the log and carries them out.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, JsonObject, RecordedEvent } from '../ports/eventStore.js';
import {
  breakerSetEventType,
  deliveryControlStreamOf,
  deliveryReplayCategory,
  replayRequestedEventType,
} from './records.js';
import type { DeliveryFilter, DeliveryStatus, DeliveryView } from './view.js';

export type ReplaySelection =
  | { ids: string[] }
  | { filter: Omit<DeliveryFilter, 'state'> }
  | { all: true };

export interface ReplayRequest {
  selection: ReplaySelection;
  /** Most deliveries replayed at once; more matches are reported, not replayed. */
  cap: number;
  dryRun: boolean;
  by: string;
  reason: string;
  /** The API key the operator used (its id, never the secret), when through the API. */
  keyId?: string | null;
}

/**
 * The metadata of an operator's event: who (`clientId`, as every recorded write has, so the
 * audit's `events(filter: {clientId})` finds it) and with which key.
 */
const actorMetadata = (by: string, keyId: string | null | undefined) => ({
  clientId: by,
  keyId: keyId ?? null,
});

export interface ReplayOutcome {
  replayId: string | null;
  dryRun: boolean;
  /** Dead letters the selection matched. */
  matched: number;
  /** Replayed (or, in a dry run, would be). */
  deliveries: Array<Pick<DeliveryStatus, 'id' | 'target' | 'documentStream' | 'deadLetter'>>;
  capped: boolean;
  /** Ids asked for that cannot be replayed, and why. */
  skipped: Array<{ id: string; reason: string }>;
}

const select = (view: DeliveryView, selection: ReplaySelection) => {
  const skipped: ReplayOutcome['skipped'] = [];
  if ('ids' in selection) {
    const found: DeliveryStatus[] = [];
    for (const id of selection.ids) {
      const hit = view.find(id);
      if (!hit) skipped.push({ id, reason: 'no such delivery' });
      else if (hit.delivery.state !== 'dead-lettered') {
        skipped.push({ id, reason: `it is ${hit.delivery.state}, not dead-lettered` });
      } else found.push(view.statusOf(hit.delivery, hit.stream));
    }
    return { found, skipped };
  }
  const filter = 'filter' in selection ? selection.filter : {};
  return { found: view.list({ ...filter, state: 'dead-lettered' }), skipped };
};

export const replayDeliveries = async (
  store: EventStore,
  view: DeliveryView,
  request: ReplayRequest,
): Promise<ReplayOutcome> => {
  await view.refresh(store);
  const { found, skipped } = select(view, request.selection);
  const chosen = found.slice(0, request.cap);
  const outcome: ReplayOutcome = {
    replayId: null,
    dryRun: request.dryRun,
    matched: found.length,
    deliveries: chosen.map(({ id, target, documentStream, deadLetter }) => ({
      id,
      target,
      documentStream,
      deadLetter,
    })),
    capped: found.length > chosen.length,
    skipped,
  };
  if (request.dryRun || chosen.length === 0) return outcome;
  // The dispatcher (wherever it holds its lease) carries the request out: it records a
  // `DeliveryReplayed` in each delivery's stream that is still dead-lettered, and delivers.
  const replayId = randomUUID();
  await store.appendToStream(
    `${deliveryReplayCategory}-${replayId}`,
    [
      {
        id: randomUUID(),
        type: replayRequestedEventType,
        data: {
          replayId,
          by: request.by,
          reason: request.reason,
          selection: request.selection as unknown as JsonObject,
          cap: request.cap,
          deliveryIds: chosen.map((d) => d.id),
          at: new Date().toISOString(),
        },
        metadata: actorMetadata(request.by, request.keyId),
      },
    ],
    { expectedRevision: 'no_stream' },
  );
  outcome.replayId = replayId;
  return outcome;
};

/** Operator: hold a target's breaker open (no deliveries) or close it (deliver again now). */
export const setBreaker = async (
  store: EventStore,
  target: string,
  state: 'open' | 'closed',
  by: string,
  reason: string,
  keyId: string | null = null,
) => {
  const data = { state, by, reason, at: new Date().toISOString() };
  await store.appendToStream(
    deliveryControlStreamOf(target),
    [{ id: randomUUID(), type: breakerSetEventType, data, metadata: actorMetadata(by, keyId) }],
    { expectedRevision: 'any' },
  );
  return data;
};

/**
 * What the dispatcher records for an operator's replay request: a `DeliveryReplayed` in each
 * named delivery still dead-lettered (and not replayed by this request already), claimed once.
 */
export const replaysOf = (event: RecordedEvent, view: DeliveryView) => {
  if (event.type !== replayRequestedEventType) return [];
  const { replayId, by, reason, at, deliveryIds } = event.data as {
    replayId: string;
    by: string;
    reason: string;
    at: string;
    deliveryIds: string[];
  };
  return deliveryIds.flatMap((deliveryId) => {
    const hit = view.find(deliveryId);
    if (hit?.delivery.state !== 'dead-lettered') return [];
    if (hit.delivery.replays.some((r) => r.replayId === replayId)) return [];
    const data = { deliveryId, replayId, by, reason, at };
    return [{ stream: hit.stream.name, data, claim: `delivery-replay:${replayId}:${deliveryId}` }];
  });
};
