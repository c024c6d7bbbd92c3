/**
 * Cutover freezes: an architect freezes a scope (companies, sites, document types) for a
 * window; new commands in it are refused with 423 until the window ends or the freeze is
 * lifted. Freezing and lifting are events (`coexist-routing-freezes`), so every instance
 * enforces them and auditors see who froze what, when and why.
 */
import { randomUUID } from 'node:crypto';
import type { ScopedAttributes } from '../auth/principal.js';
import type { DocumentType } from '../domain/documents.js';
import type { EventStore, JsonObject, RecordedEvent } from '../ports/eventStore.js';
import { StreamFollower } from '../shared/streamFollower.js';

export const freezeStream = 'coexist-routing-freezes';

export interface FreezeScope {
  companies?: string[];
  sites?: string[];
  documentTypes?: DocumentType[];
}

export interface Freeze {
  freezeId: string;
  scope: FreezeScope;
  /** Start of the window (defaults to when it was declared). */
  from: string;
  until: string;
  reason: string;
  frozenBy: string;
  frozenAt: string;
  lifted?: { by: string; at: string; reason: string };
}

export class ScopeFrozenError extends Error {
  readonly type = 'scope-frozen' as const;
  override name = 'ScopeFrozenError';
  constructor(readonly freeze: Freeze) {
    super(
      `This scope is frozen for a cutover until ${freeze.until} (${freeze.reason}); retry after the window.`,
    );
  }
}

const covers = (list: readonly string[] | undefined, value: string | undefined): boolean =>
  list === undefined || (value !== undefined && list.includes(value));

export const freezeApplies = (freeze: Freeze, doc: ScopedAttributes, at: Date): boolean =>
  !freeze.lifted &&
  Date.parse(freeze.from) <= at.getTime() &&
  at.getTime() < Date.parse(freeze.until) &&
  covers(freeze.scope.documentTypes, doc.documentType) &&
  covers(freeze.scope.companies, doc.company) &&
  covers(freeze.scope.sites, doc.site);

export class FreezeRegistry extends StreamFollower {
  private freezes = new Map<string, Freeze>();

  constructor(store: EventStore) {
    super(store, freezeStream);
  }

  protected apply(event: RecordedEvent): void {
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

  /** Throws ScopeFrozenError when a freeze covers the document now. */
  check(doc: ScopedAttributes, at: Date): void {
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
    by: string,
    now = new Date(),
  ): Promise<Freeze> {
    const freeze: Freeze = {
      freezeId: randomUUID(),
      scope: request.scope,
      from: request.from ?? now.toISOString(),
      until: request.until,
      reason: request.reason,
      frozenBy: by,
      frozenAt: now.toISOString(),
    };
    await this.append('ScopeFrozen', freeze as unknown as JsonObject, by, now);
    return freeze;
  }

  async lift(
    freezeId: string,
    reason: string,
    by: string,
    now = new Date(),
  ): Promise<Freeze | null> {
    await this.refresh();
    const freeze = this.freezes.get(freezeId);
    if (!freeze) return null;
    if (!freeze.lifted) {
      await this.append('ScopeUnfrozen', { freezeId, reason, by, at: now.toISOString() }, by, now);
    }
    return this.freezes.get(freezeId) ?? null;
  }

  private async append(type: string, data: JsonObject, by: string, now: Date): Promise<void> {
    await this.store.appendToStream(
      freezeStream,
      [{ id: randomUUID(), type, data, metadata: { clientId: by, receivedAt: now.toISOString() } }],
      { expectedRevision: 'any' },
    );
    await this.refresh();
  }
}
