/**
 * One live reader of the log's tail, shared by every live subscription of a store.
 *
 * Every commit wakes every live subscription. Each reading the new events itself would cost
 * the write path one head query and one window read per subscription per commit, most of them
 * for windows a subscription's filter empties. The tail instead reads each new window once,
 * unfiltered and unparsed, and hands the rows to its members, which filter them in JS and
 * parse only what they keep. Catch-up stays per subscription (subscription.ts): a member joins
 * once it has read up to the tail, and leaves when it falls too far behind.
 *
 * The head comes with the signal: the store's group commit knows the highest position it
 * wrote, and its poll the highest any process wrote, so a wake needs no `max(position)`. And
 * the rows come with it too: the group commit hands over the rows it wrote, so a window this
 * process wrote alone is not read back. A window the offered rows do not cover exactly (another
 * process wrote in it, or the rows arrived after the tail read past them) is read from the
 * database: positions are unique, so rows numbered after..upTo without a gap are all of it.
 */
import type { EventRow } from './schema.js';

export interface TailMember {
  /** Everything up to here is already the member's (queued or handed over). */
  readonly position: number;
  /** Takes the rows of (position, upTo] it has not seen; false: it wants no more (too far behind). */
  accept(rows: readonly EventRow[], upTo: number): boolean;
  /** The tail could not read the log: the member stops with this error. */
  fail(error: unknown): void;
}

export interface LiveTailSource {
  /** Every event in (after, upTo], in log order, as stored. */
  readRows(after: number, upTo: number): EventRow[];
  /** The highest position known to be committed (no query: see the module comment). */
  knownHead(): number;
  /** Calls `listener` whenever the log may have grown; returns the unregistration. */
  watch(listener: () => void): () => void;
}

export interface LiveTail {
  /**
   * Adds `member` if it is at the tail or ahead of it; otherwise returns the tail's position,
   * which the member must reach on its own before joining. Never reads the log itself.
   */
  join(member: TailMember): number | null;
  leave(member: TailMember): void;
  /** Rows this process just committed, in position order (kept only while members listen). */
  offer(rows: readonly EventRow[]): void;
}

/**
 * Least time between two reads of the tail. Under a busy write path (hundreds of group commits
 * a second) reading after each commit costs the writers CPU for nothing: a 10 ms pause lets a
 * read take many commits at once, and adds at most 10 ms to a live event's delivery.
 */
const minGapMs = 10;
/** Most events per read; a longer stretch (a burst, another process's import) takes several. */
const readWindow = 1_000;
/** Most offered rows kept; more means the tail is not reading, and the database has them. */
const maxOffered = 10_000;

export const createLiveTail = (source: LiveTailSource): LiveTail => {
  const members = new Set<TailMember>();
  /** The last position read and handed to the members; meaningful only while some are. */
  let position = 0;
  let unwatch: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastRead = 0;
  /** Offered rows after `position`, in position order. */
  let offered: EventRow[] = [];

  /** The rows of (after, upTo] from those offered, if they are exactly all of them. */
  const fromOffered = (after: number, upTo: number): EventRow[] | null => {
    let start = 0;
    while (start < offered.length && (offered[start] as EventRow).position <= after) start++;
    const count = upTo - after;
    const first = offered[start];
    const last = offered[start + count - 1];
    if (first?.position !== after + 1 || last?.position !== upTo) {
      // Read from the database instead; what it covers is of no further use.
      while (start < offered.length && (offered[start] as EventRow).position <= upTo) start++;
      offered = offered.slice(start);
      return null;
    }
    const rows = offered.slice(start, start + count);
    offered = offered.slice(start + count);
    return rows;
  };

  const read = () => {
    timer = null;
    lastRead = Date.now();
    try {
      const head = source.knownHead();
      while (members.size > 0 && position < head) {
        const upTo = Math.min(head, position + readWindow);
        const rows = fromOffered(position, upTo) ?? source.readRows(position, upTo);
        for (const member of members) {
          if (!member.accept(rows, upTo)) members.delete(member);
        }
        position = upTo;
      }
    } catch (error) {
      // Every member stops and resumes from its own position (the consumer's retry).
      const failed = [...members];
      members.clear();
      for (const member of failed) member.fail(error);
    }
    if (members.size === 0) stopWatching();
  };

  const grew = () => {
    if (timer || members.size === 0) return;
    const wait = Math.max(0, minGapMs - (Date.now() - lastRead));
    // setTimeout even at 0: the commit that signalled is still answering its appends.
    timer = setTimeout(read, wait);
  };

  const stopWatching = () => {
    offered = [];
    unwatch?.();
    unwatch = null;
    if (timer) clearTimeout(timer);
    timer = null;
  };

  return {
    join(member) {
      if (members.size === 0) {
        // Idle until now: the tail starts where its first member is.
        position = member.position;
        unwatch ??= source.watch(grew);
      } else if (member.position < position) {
        return position;
      }
      members.add(member);
      if (source.knownHead() > position) grew();
      return null;
    },
    leave(member) {
      members.delete(member);
      if (members.size === 0) stopWatching();
    },
    offer(rows) {
      if (members.size === 0) return;
      if (offered.length + rows.length > maxOffered) offered = [];
      for (const row of rows) if (row.position > position) offered.push(row);
    },
  };
};
