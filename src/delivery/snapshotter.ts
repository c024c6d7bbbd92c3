/**
 * How the leading dispatcher writes its snapshots (snapshot.ts), at most one per interval and
 * only when there is something new to say.
 *
 * The position a snapshot records is the log's head as read at the previous tick, and the
 * streams it names are read after every append asked for before that read has settled: so the
 * view reflects every delivery event up to the position (this dispatcher, holding the lease,
 * is the only writer of delivery streams). Streams written after the position are left out
 * (a reader finds them in the log's tail): in a healthy flow that is nearly every stream with
 * something under way, and the snapshot names only those stuck for longer, such as dead letters.
 */
import type { ConsumerLog } from '../consumers/definition.js';
import type { EventStore, LogPosition } from '../ports/eventStore.js';
import { isFinished } from './ordering.js';
import type { DeliveryRecorder } from './recorder.js';
import { type DeliverySnapshot, snapshotMaxStreams, writeSnapshot } from './snapshot.js';
import type { DeliveryView } from './view.js';

export interface SnapshotterOptions {
  store: EventStore;
  view: () => DeliveryView;
  recorder: DeliveryRecorder;
  /** This dispatcher holds the lease and its view is current. */
  leading: () => boolean;
  /** How often to consider a snapshot. */
  intervalMs: number;
  /** A snapshot saying the same is written again after this long, if deliveries moved. */
  refreshMs?: number;
  log: ConsumerLog;
}

export const startSnapshotter = (options: SnapshotterOptions) => {
  const { store, recorder, leading, log } = options;
  const refreshMs = options.refreshMs ?? 60_000;
  /** The log's head read at the last tick: the next snapshot's position. */
  let headBefore: LogPosition | null = null;
  let lastContent: string | null = null;
  let lastWrite = 0;
  let moved = false;
  let busy = false;
  let warned = false;

  const snapshotAt = (position: LogPosition): DeliverySnapshot | null => {
    const view = options.view();
    const streams: string[] = [];
    for (const stream of view.streams.values()) {
      if (!isFinished(stream) && stream.position <= position) streams.push(stream.name);
    }
    if (streams.length > snapshotMaxStreams) {
      if (!warned) {
        log.warn(
          { streams: streams.length, limit: snapshotMaxStreams },
          'too many unfinished delivery streams to snapshot: a takeover reads from the last snapshot',
        );
      }
      warned = true;
      return null;
    }
    warned = false;
    return {
      position,
      streams: streams.sort(),
      breakerSettings: Object.fromEntries(view.breakerSettings),
      breakerStates: Object.fromEntries(view.breakerStates),
    };
  };

  /** Writes the snapshot as of `position` when it says something new (or `force`). */
  const write = async (position: LogPosition, force: boolean) => {
    await recorder.settled();
    const snapshot = snapshotAt(position);
    if (!snapshot) return;
    const content = JSON.stringify({ ...snapshot, position: undefined });
    const stale = moved && Date.now() - lastWrite >= refreshMs;
    if (!force && content === lastContent && !stale) return;
    if (force && !moved && content === lastContent) return;
    moved = false;
    await writeSnapshot(store, snapshot);
    lastContent = content;
    lastWrite = Date.now();
  };

  const tick = async () => {
    if (busy || !leading()) return;
    busy = true;
    try {
      const position = headBefore;
      headBefore = await store.headPosition();
      if (position !== null && leading()) await write(position, false);
    } catch (error) {
      log.warn({ err: error }, 'dispatcher snapshot not written');
    } finally {
      busy = false;
    }
  };

  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();

  return {
    /** A delivery stream was written (the next snapshot has something to say). */
    moved() {
      moved = true;
    },
    /** A new lease holder: start over (its first snapshot comes two ticks later). */
    reset() {
      headBefore = null;
      lastContent = null;
      moved = true;
    },
    /** Reads the head now, while still leading: a final snapshot's position (see `stop`). */
    async headNow(): Promise<LogPosition | null> {
      return leading() ? store.headPosition() : null;
    },
    /** Stops ticking; writes a last snapshot as of `position` once the view has settled. */
    async stop(position: LogPosition | null) {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 5));
      if (position === null) return;
      try {
        await write(position, true);
      } catch (error) {
        log.warn({ err: error }, 'dispatcher snapshot not written at stop');
      }
    },
  };
};
