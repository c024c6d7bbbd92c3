/**
 * The freezes in force, folded from the `coexist-routing-freezes` stream: freezing and
 * lifting are events, so every instance enforces them and auditors see who froze what, when
 * and why. What a freeze covers is decided by src/routing/freezes.ts (pure).
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, JsonObject, RecordedEvent } from '../ports/eventStore.js';
import {
  type Freeze,
  type FreezeScope,
  type FreezeTarget,
  freezeApplies,
  ScopeFrozenError,
} from '../routing/freezes.js';
import type { LogFollower, Sync } from './follower.js';

export const freezeStream = 'coexist-routing-freezes';

/** Who freezes or lifts: a client id, with the API key id when through the API. */
interface Actor {
  clientId: string;
  keyId?: string | undefined;
}
export type FreezeActor = string | Actor;
const actorOf = (by: FreezeActor): Actor => (typeof by === 'string' ? { clientId: by } : by);

export class FreezeRegistry implements LogFollower {
  readonly streamName = freezeStream;
  readonly eventTypes = ['ScopeFrozen', 'ScopeUnfrozen'] as const;
  private freezes = new Map<string, Freeze>();

  constructor(
    private readonly store: EventStore,
    private readonly sync: Sync,
  ) {}

  apply(event: RecordedEvent): void {
    if (event.type === 'ScopeFrozen') {
      const freeze = event.data as unknown as Freeze;
      this.freezes.set(freeze.freezeId, freeze);
    } else if (event.type === 'ScopeUnfrozen') {
      const freeze = this.freezes.get(String(event.data.freezeId));
      if (freeze) {
        freeze.lifted = {
          by: String(event.data.by),
          at: String(event.data.at),
          reason: String(event.data.reason),
        };
      }
    }
  }

  /** Catches up with the log: a read that must see what another instance just recorded. */
  refresh(): Promise<void> {
    return this.sync();
  }

  /** Throws ScopeFrozenError when a freeze covers the document now. */
  check(doc: FreezeTarget, at: Date): void {
    for (const freeze of this.freezes.values()) {
      if (freezeApplies(freeze, doc, at)) throw new ScopeFrozenError(freeze);
    }
  }

  list(): Freeze[] {
    return [...this.freezes.values()];
  }

  get(freezeId: string): Freeze | undefined {
    return this.freezes.get(freezeId);
  }

  async freeze(
    request: { scope: FreezeScope; from?: string; until: string; reason: string },
    by: FreezeActor,
    now = new Date(),
  ): Promise<Freeze> {
    const actor = actorOf(by);
    const freeze: Freeze = {
      freezeId: randomUUID(),
      scope: request.scope,
      from: request.from ?? now.toISOString(),
      until: request.until,
      reason: request.reason,
      frozenBy: actor.clientId,
      frozenAt: now.toISOString(),
    };
    await this.append('ScopeFrozen', freeze as unknown as JsonObject, actor, now);
    return freeze;
  }

  async lift(
    freezeId: string,
    reason: string,
    by: FreezeActor,
    now = new Date(),
  ): Promise<Freeze | null> {
    const actor = actorOf(by);
    await this.sync();
    const freeze = this.freezes.get(freezeId);
    if (!freeze) return null;
    if (!freeze.lifted) {
      await this.append(
        'ScopeUnfrozen',
        { freezeId, reason, by: actor.clientId, at: now.toISOString() },
        actor,
        now,
      );
    }
    return this.freezes.get(freezeId) ?? null;
  }

  private async append(type: string, data: JsonObject, by: Actor, now: Date): Promise<void> {
    const metadata = {
      clientId: by.clientId,
      ...(by.keyId ? { keyId: by.keyId } : {}),
      receivedAt: now.toISOString(),
    };
    const result = await this.store.appendToStream(
      freezeStream,
      [{ id: randomUUID(), type, data, metadata }],
      { expectedRevision: 'any' },
    );
    if (result.kind === 'appended') await this.sync(result.position);
  }
}
