/**
 * Dual-write comparisons as events. Each comparison of a `dual` document's primary and shadow
 * outcomes for one command is recorded in the stream `DualWrite-<document stream>`: a
 * `DualWriteAgreed` when the normalised answers agree, a `DualWriteDiverged` with the
 * field-level diff when they do not (contracts/events/v1/dual-write-*.json). Agreements are
 * recorded too, so the divergence rate per scope is a fact of the log, not a guess.
 */
import type { Difference } from '../domain/divergence/compare.js';

export const dualWriteCategory = 'DualWrite';
export const dualWriteStreamOf = (documentStream: string): string =>
  `${dualWriteCategory}-${documentStream}`;

export const dualWriteEventTypes = {
  agreed: 'DualWriteAgreed',
  diverged: 'DualWriteDiverged',
} as const;

export interface DualWriteSide {
  target: string;
  deliveryId: string;
  outcome: 'delivered' | 'dead-lettered';
  /** The ERP's reference (delivered), else null. */
  reference: string | null;
  /** The error code (dead-lettered), else null. */
  errorCode: string | null;
  /** The ERP's own words when it refused (dead-lettered); absent in comparisons before them. */
  errorMessage?: string | null;
}

export interface DualWriteComparison {
  /** The command and the two outcome events compared: a comparison is recorded once. */
  comparisonId: string;
  documentStream: string;
  documentType: string;
  documentKey: Record<string, string>;
  /** The document's company, the scope divergence rates are reported by; null if none. */
  company: string | null;
  commandEventId: string;
  commandEventType: string;
  commandRevision: number;
  primary: DualWriteSide;
  shadow: DualWriteSide;
  /** Field-level differences of the normalised answers; empty when they agree. */
  differences: Difference[];
  comparedAt: string;
}
