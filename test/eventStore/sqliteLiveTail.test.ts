/** The shared live reader of the SQLite log's tail: one read per window, not one per subscriber. */
import { describe, expect, it } from 'vitest';
import { createLiveTail, type TailMember } from '../../src/adapters/eventStore/sqlite/liveTail.js';
import type { EventRow } from '../../src/adapters/eventStore/sqlite/schema.js';

const row = (position: number): EventRow => ({
  position,
  id: `e${position}`,
  stream: 's',
  revision: position - 1,
  type: 'T',
  data: '{}',
  metadata: '{}',
  recorded_at: '2026-12-01T00:00:00.000Z',
});

/** A log held in memory, counting its reads, and a signal the test fires like a commit would. */
const fakeLog = () => {
  const rows: EventRow[] = [];
  let listener: (() => void) | null = null;
  const log = {
    reads: 0,
    write(count: number): EventRow[] {
      const written = Array.from({ length: count }, (_, i) => row(rows.length + i + 1));
      rows.push(...written);
      return written;
    },
    signal: () => listener?.(),
    source: {
      readRows: (after: number, upTo: number) => {
        log.reads++;
        return rows.filter((r) => r.position > after && r.position <= upTo);
      },
      knownHead: () => rows.length,
      watch: (l: () => void) => {
        listener = l;
        return () => {
          listener = null;
        };
      },
    },
  };
  return log;
};

const member = (start: number) => {
  const got: number[] = [];
  let position = start;
  const m: TailMember & { got: number[] } = {
    got,
    get position() {
      return position;
    },
    accept(rows, upTo) {
      for (const r of rows) if (r.position > position) got.push(r.position);
      position = Math.max(position, upTo);
      return true;
    },
    fail(error) {
      throw error;
    },
  };
  return m;
};

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('SQLite live tail', () => {
  it('hands rows this process committed to every member without reading the log', async () => {
    const log = fakeLog();
    const tail = createLiveTail(log.source);
    const members = [member(0), member(0), member(0)];
    for (const m of members) expect(tail.join(m)).toBeNull();
    for (let commit = 0; commit < 5; commit++) {
      tail.offer(log.write(3));
      log.signal();
      await settle();
    }
    expect(log.reads).toBe(0);
    for (const m of members) expect(m.got).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    for (const m of members) tail.leave(m);
  });

  it('reads a window once for all members when another process wrote in it', async () => {
    const log = fakeLog();
    const tail = createLiveTail(log.source);
    const members = [member(0), member(0)];
    for (const m of members) tail.join(m);
    log.write(2); // another process's commit: not offered
    tail.offer(log.write(2));
    log.signal();
    await settle();
    expect(log.reads).toBe(1);
    for (const m of members) expect(m.got).toEqual([1, 2, 3, 4]);
  });

  it('sends a member behind the tail to catch up on its own first', async () => {
    const log = fakeLog();
    const tail = createLiveTail(log.source);
    const ahead = member(0);
    tail.join(ahead);
    tail.offer(log.write(4));
    log.signal();
    await settle();
    expect(tail.join(member(1))).toBe(4);
    expect(tail.join(member(4))).toBeNull();
  });
});
