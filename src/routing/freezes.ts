/**
 * Cutover freezes, the pure part: a freeze covers a scope (companies, sites, document types)
 * for a window, and new commands in it are refused with 423 until the window ends or the
 * freeze is lifted. The registry that records and follows them is src/registries/freezes.ts.
 */
import type { DocumentType } from '../domain/documents.js';

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

/** What a freeze is checked against: the document a command is about. */
export interface FreezeTarget {
  documentType: DocumentType;
  company?: string;
  site?: string;
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

export const freezeApplies = (freeze: Freeze, doc: FreezeTarget, at: Date): boolean =>
  !freeze.lifted &&
  Date.parse(freeze.from) <= at.getTime() &&
  at.getTime() < Date.parse(freeze.until) &&
  covers(freeze.scope.documentTypes, doc.documentType) &&
  covers(freeze.scope.companies, doc.company) &&
  covers(freeze.scope.sites, doc.site);
