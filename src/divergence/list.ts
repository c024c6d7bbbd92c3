/**
 * Reading dual-write comparisons back from the log: the divergences an operator or auditor
 * lists (filtered by target, document type and time, a page at a time, oldest first, with an
 * opaque cursor), and the tally per scope that /metrics reports.
 */
import type { EventStore, LogPosition, RecordedEvent } from '../ports/eventStore.js';
import { type DualWriteComparison, dualWriteCategory, dualWriteEventTypes } from './records.js';

export interface DivergenceFilter {
  /** The primary's or the shadow's target. */
  target?: string;
  documentType?: string;
  /** Compared at or after. */
  since?: Date;
  /** From the cursor of a previous page. */
  after?: LogPosition;
  limit: number;
}

export interface ListedDivergence extends DualWriteComparison {
  /** The DualWriteDiverged event's id. */
  eventId: string;
}

export interface DivergencePage {
  divergences: ListedDivergence[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

export const encodeCursor = (position: LogPosition): string =>
  Buffer.from(`dw:${position}`).toString('base64url');

/** The position a cursor names, or null when it is not one of ours. */
export const decodeCursor = (cursor: string): LogPosition | null => {
  const text = Buffer.from(cursor, 'base64url').toString();
  return /^dw:\d{1,40}$/.test(text) ? BigInt(text.slice(3)) : null;
};

const matches = (comparison: DualWriteComparison, filter: DivergenceFilter): boolean =>
  (!filter.target ||
    comparison.primary.target === filter.target ||
    comparison.shadow.target === filter.target) &&
  (!filter.documentType || comparison.documentType === filter.documentType) &&
  (!filter.since || Date.parse(comparison.comparedAt) >= filter.since.getTime());

export const listDivergences = async (
  store: EventStore,
  filter: DivergenceFilter,
): Promise<DivergencePage> => {
  const divergences: ListedDivergence[] = [];
  let last: RecordedEvent | null = null;
  for await (const event of store.readAll({
    ...(filter.after === undefined ? {} : { after: filter.after }),
    filter: { streamCategories: [dualWriteCategory], eventTypes: [dualWriteEventTypes.diverged] },
  })) {
    const comparison = event.data as unknown as DualWriteComparison;
    if (!matches(comparison, filter)) continue;
    // One more than the page holds tells whether there is a next page.
    if (divergences.length === filter.limit) {
      return { divergences, nextCursor: last ? encodeCursor(last.position) : null };
    }
    divergences.push({ ...comparison, eventId: event.id });
    last = event;
  }
  return { divergences, nextCursor: null };
};

export interface ScopeTally {
  documentType: string;
  company: string;
  compared: number;
  diverged: number;
}

/** Comparisons and divergences per scope (document type, company), folded incrementally. */
export class DivergenceTally {
  private position: LogPosition | undefined;
  private running: Promise<void> | null = null;
  readonly scopes = new Map<string, ScopeTally>();

  /** Folds what the log holds since the last call; concurrent calls share one read. */
  refresh(store: EventStore): Promise<void> {
    this.running ??= this.read(store).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async read(store: EventStore) {
    for await (const event of store.readAll({
      ...(this.position === undefined ? {} : { after: this.position }),
      filter: { streamCategories: [dualWriteCategory] },
    })) {
      this.position = event.position;
      const diverged = event.type === dualWriteEventTypes.diverged;
      if (!diverged && event.type !== dualWriteEventTypes.agreed) continue;
      const { documentType, company } = event.data as unknown as DualWriteComparison;
      const key = `${documentType}|${company ?? ''}`;
      const tally = this.scopes.get(key) ?? {
        documentType,
        company: company ?? '',
        compared: 0,
        diverged: 0,
      };
      tally.compared++;
      if (diverged) tally.diverged++;
      this.scopes.set(key, tally);
    }
  }
}
