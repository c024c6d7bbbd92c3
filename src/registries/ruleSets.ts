/**
 * Published rule sets: an append-only stream of versions (`coexist-routing-rules`), folded in
 * memory so the write path routes without I/O. Every gateway instance follows the log (see
 * follower.ts), so a set published through any of them is in force everywhere as soon as
 * their subscriptions see it.
 */
import { hash, randomUUID } from 'node:crypto';
import {
  type EventStore,
  type JsonObject,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../ports/eventStore.js';
import { type CompiledRuleSet, compileRuleSet } from '../routing/evaluator.js';
import type { RuleSetSource } from '../routing/router.js';
import type { RuleSet } from '../routing/ruleSet.js';
import { canonicalJson } from '../shared/canonicalJson.js';
import type { LogFollower, Sync } from './follower.js';

export const ruleSetStream = 'coexist-routing-rules';

export interface PublishedRuleSet {
  version: number;
  ruleSet: RuleSet;
  author: string;
  reason: string;
  publishedAt: string;
  /** When it takes effect: the set's own effectiveFrom, else when it was published. */
  effectiveFrom: string;
  digest: string;
}

/**
 * When a version took or takes effect, in epoch ms: its effectiveFrom, but never before it was
 * published. A set published with an effectiveFrom in the past routed nothing before its
 * publication, so "in force at" an earlier instant names the version that really routed then.
 */
export const inForceFrom = (published: PublishedRuleSet): number =>
  Math.max(Date.parse(published.effectiveFrom), Date.parse(published.publishedAt));

export class RuleSetVersionConflictError extends Error {
  readonly type = 'rule-set-version-conflict' as const;
  override name = 'RuleSetVersionConflictError';
}

/** Identifies a rule set's content, whatever the key order of the file it came from. */
const digestOf = (ruleSet: RuleSet): string => hash('sha256', canonicalJson(ruleSet), 'hex');

export class RuleSetRegistry implements LogFollower, RuleSetSource {
  readonly streamName = ruleSetStream;
  readonly eventTypes = ['RoutingRuleSetPublished'] as const;
  private versions: PublishedRuleSet[] = [];
  /** Each version's inForceFrom: looked up on every write, parsed once. */
  private effectiveTimes: number[] = [];
  private compiled = new Map<number, CompiledRuleSet>();

  constructor(
    private readonly store: EventStore,
    private readonly sync: Sync,
  ) {}

  apply(event: RecordedEvent): void {
    if (event.type !== 'RoutingRuleSetPublished') return;
    const published = event.data as unknown as PublishedRuleSet;
    this.versions.push(published);
    this.effectiveTimes.push(inForceFrom(published));
  }

  /** Catches up with the log: a read that must see what another instance just recorded. */
  refresh(): Promise<void> {
    return this.sync();
  }

  /** All versions, oldest first. */
  list(): readonly PublishedRuleSet[] {
    return this.versions;
  }

  get(version: number): PublishedRuleSet | undefined {
    return this.versions[version - 1];
  }

  latest(): PublishedRuleSet | undefined {
    return this.versions.at(-1);
  }

  /** The version in force at an instant: the newest whose time (inForceFrom) has come. */
  inForceAt(at: Date): PublishedRuleSet | undefined {
    const now = at.getTime();
    for (let i = this.versions.length - 1; i >= 0; i--) {
      if ((this.effectiveTimes[i] as number) <= now) return this.versions[i];
    }
    return undefined;
  }

  compiledInForceAt(at: Date): CompiledRuleSet | undefined {
    const published = this.inForceAt(at);
    if (!published) return undefined;
    let compiled = this.compiled.get(published.version);
    if (!compiled) {
      compiled = compileRuleSet(published.ruleSet, published.version);
      this.compiled.set(published.version, compiled);
    }
    return compiled;
  }

  /**
   * Appends a new version. `expectedVersion` (default: the latest this instance knows) makes
   * concurrent publishes safe: of two against the same version, one wins and the other gets a
   * conflict. A set equal to the latest is not published again.
   */
  async publish(
    ruleSet: RuleSet,
    /** Who publishes (client id, and the API key id when through the API) and why. */
    by: { author: string; reason: string; keyId?: string | undefined },
    expectedVersion?: number,
    now = new Date(),
  ): Promise<{ published: boolean; version: PublishedRuleSet }> {
    await this.sync();
    const latest = this.latest();
    const base = expectedVersion ?? latest?.version ?? 0;
    if (base !== (latest?.version ?? 0)) {
      throw new RuleSetVersionConflictError(
        `Rule set version ${latest?.version ?? 0} is current, not ${base}: review the difference and publish again.`,
      );
    }
    const digest = digestOf(ruleSet);
    // Recomputed rather than the recorded digest: equal whatever release recorded it.
    if (latest && digestOf(latest.ruleSet) === digest) return { published: false, version: latest };
    const version: PublishedRuleSet = {
      version: base + 1,
      ruleSet,
      author: by.author,
      reason: by.reason,
      publishedAt: now.toISOString(),
      effectiveFrom: ruleSet.effectiveFrom ?? now.toISOString(),
      digest,
    };
    try {
      const result = await this.store.appendToStream(
        ruleSetStream,
        [
          {
            id: randomUUID(),
            type: 'RoutingRuleSetPublished',
            data: version as unknown as JsonObject,
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
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        await this.sync();
        throw new RuleSetVersionConflictError(
          `Another rule set was published as version ${base + 1} meanwhile: review it and publish again.`,
        );
      }
      throw error;
    }
    return { published: true, version };
  }
}
