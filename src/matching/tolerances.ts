/**
 * Three-way-match tolerances as recorded settings: an append-only stream of versions
 * (`coexist-match-tolerances`), each a company's setting or a supplier's refinement of it,
 * folded in memory by the registries' shared follower (src/registries/follower.ts) so every
 * instance matches with the same settings, and every match records the version it used.
 */
import { randomUUID } from 'node:crypto';
import { decimal } from '../domain/decimal.js';
import {
  type AppliedTolerances,
  type Limits,
  resolveTolerances,
  type ToleranceSetting,
  type Tolerances,
} from '../domain/matching/tolerances.js';
import {
  type EventStore,
  type JsonObject,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import type { LogFollower, Sync } from '../registries/follower.js';

export const toleranceStream = 'coexist-match-tolerances';
export const toleranceEventType = 'MatchTolerancesSet';

/** A version as recorded: the setting, who set it, when and why. */
export interface RecordedToleranceSetting extends ToleranceSetting {
  author: string;
  reason: string;
  setAt: string;
}

/** What a `set` did: the version now the scope's own, and whether it was recorded just now. */
export interface ToleranceSetOutcome extends RecordedToleranceSetting {
  /** false: the scope's own setting already had these values, so nothing was recorded. */
  recorded: boolean;
}

const sameLimit = (a: string | null, b: string | null) =>
  a === null || b === null ? a === b : decimal(a).eq(decimal(b));
const sameLimits = (a: Limits, b: Limits) =>
  sameLimit(a.lower, b.lower) && sameLimit(a.upper, b.upper);
/** Limit by limit, by value: "2.50" is "2.5". */
export const sameTolerances = (a: Tolerances, b: Tolerances): boolean =>
  sameLimits(a.price.percent, b.price.percent) &&
  sameLimits(a.price.amount, b.price.amount) &&
  sameLimits(a.quantity.percent, b.quantity.percent);

export class ToleranceRegistry implements LogFollower {
  readonly streamName = toleranceStream;
  readonly eventTypes = [toleranceEventType] as const;
  private versions: RecordedToleranceSetting[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly sync: Sync,
  ) {}

  apply(event: RecordedEvent): void {
    if (event.type !== toleranceEventType) return;
    this.versions.push(event.data as unknown as RecordedToleranceSetting);
  }

  /** Catches up with the log (or up to `position`): a read that must see a recent setting. */
  refresh(position?: bigint): Promise<void> {
    return this.sync(position);
  }

  /** Every version, oldest first. */
  list(): readonly RecordedToleranceSetting[] {
    return this.versions;
  }

  /** The tolerances that decide an invoice of this supplier to this company now. */
  inForce(company: string, supplier: string): AppliedTolerances {
    return resolveTolerances(this.versions, company, supplier);
  }

  /**
   * Records a new version for the company (supplier null) or one of its suppliers. Versions
   * number the whole history: of two settings recorded at once, each gets its own number.
   * Values the scope's own latest setting already has are not recorded again: a version that
   * changes nothing would only re-match the scope's held invoices and blur the history.
   */
  async set(
    setting: { company: string; supplier: string | null; values: Tolerances },
    by: { author: string; reason: string; keyId?: string | undefined },
    now = new Date(),
  ): Promise<ToleranceSetOutcome> {
    for (let attempt = 0; ; attempt++) {
      await this.sync();
      const own = this.versions.findLast(
        (v) => v.company === setting.company && v.supplier === setting.supplier,
      );
      if (own && sameTolerances(own.values, setting.values)) return { ...own, recorded: false };
      const base = this.versions.length;
      const recorded: RecordedToleranceSetting = {
        version: base + 1,
        company: setting.company,
        supplier: setting.supplier,
        values: setting.values,
        author: by.author,
        reason: by.reason,
        setAt: now.toISOString(),
      };
      try {
        const result = await this.store.appendToStream(
          toleranceStream,
          [
            {
              id: randomUUID(),
              type: toleranceEventType,
              data: recorded as unknown as JsonObject,
              metadata: {
                clientId: by.author,
                ...(by.keyId ? { keyId: by.keyId } : {}),
                receivedAt: now.toISOString(),
              },
            },
          ],
          { expectedRevision: base === 0 ? 'no_stream' : BigInt(base - 1) },
        );
        if (result.kind === 'appended') await this.sync(result.position);
        return { ...recorded, recorded: true };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= 4) throw error;
      }
    }
  }
}
