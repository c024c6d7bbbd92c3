/**
 * The dispatcher's snapshot: where a new lease holder (or an operator's view) starts instead of
 * the beginning of the log. It records a log position P and the delivery streams that were
 * unfinished (a delivery not yet delivered) as of P and untouched since; a reader folds those
 * streams and every delivery stream written after P, each read whole.
 *
 * Any snapshot ever written stays correct, however stale: a stream unfinished now either was
 * written after P (read from the log's tail) or has not changed since P, so it was unfinished
 * as of P and is named. A stale snapshot (the leader killed, a snapshot skipped) costs only a
 * longer tail to read, never a lost or repeated delivery.
 *
 * Snapshots are events of one stream, found again by a galloping search on its revisions (the
 * port reads streams forwards only): about 2·log2(n) one-event reads for n snapshots.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, JsonObject, LogPosition } from '../ports/eventStore.js';
import type { BreakerSetting } from './records.js';

export const deliverySnapshotStream = 'DeliverySnapshot-dispatcher';
export const deliverySnapshotEventType = 'DeliveryDispatcherSnapshotTaken';
/** More unfinished streams than this are not snapshotted (events stay small): the last one stands. */
export const snapshotMaxStreams = 5_000;

export interface DeliverySnapshot {
  position: LogPosition;
  /** Delivery streams unfinished as of `position` and not written since. */
  streams: string[];
  breakerSettings: Record<string, BreakerSetting>;
  breakerStates: Record<string, { state: string; at: string }>;
}

const revisionExists = async (store: EventStore, revision: bigint): Promise<boolean> =>
  (await store.readStream(deliverySnapshotStream, { fromRevision: revision, maxCount: 1 })).length >
  0;

/** The last revision of the snapshot stream, or -1n when there is none. */
const lastRevision = async (store: EventStore): Promise<bigint> => {
  if (!(await revisionExists(store, 0n))) return -1n;
  let known = 0n; // exists
  let step = 1n;
  while (await revisionExists(store, known + step)) {
    known += step;
    step *= 2n;
  }
  // known exists, known + step does not: bisect between them.
  let missing = known + step;
  while (missing - known > 1n) {
    const middle = (known + missing) / 2n;
    if (await revisionExists(store, middle)) known = middle;
    else missing = middle;
  }
  return known;
};

export const latestSnapshot = async (store: EventStore): Promise<DeliverySnapshot | null> => {
  const last = await lastRevision(store);
  if (last < 0n) return null;
  const [event] = await store.readStream(deliverySnapshotStream, {
    fromRevision: last,
    maxCount: 1,
  });
  const data = event?.data as
    | (Omit<DeliverySnapshot, 'position'> & { position: string })
    | undefined;
  if (!data || !/^\d+$/.test(String(data.position))) return null;
  return {
    position: BigInt(data.position),
    streams: data.streams ?? [],
    breakerSettings: data.breakerSettings ?? {},
    breakerStates: data.breakerStates ?? {},
  };
};

export const writeSnapshot = async (store: EventStore, snapshot: DeliverySnapshot) => {
  const data = {
    ...snapshot,
    position: snapshot.position.toString(),
    at: new Date().toISOString(),
  } as unknown as JsonObject;
  await store.appendToStream(
    deliverySnapshotStream,
    [{ id: randomUUID(), type: deliverySnapshotEventType, data, metadata: {} }],
    { expectedRevision: 'any' },
  );
};
