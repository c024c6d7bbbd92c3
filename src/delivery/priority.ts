/**
 * Which deliveries of a target go first when its capacity is the bottleneck: each candidate
 * (the head delivery of its document, due, parents delivered) ranks by its document type's
 * priority plus one per `agingMs` it has waited since it was requested, so a low priority
 * is delayed, never starved; ties go to the oldest request. Only heads are candidates, so a
 * document's commands still go in order, whatever their priorities.
 */
import type { RequestBudget } from '../ports/erpConnector.js';
import { TargetQuota, unlimitedBudget } from './quota.js';
import type { Delivery } from './records.js';
import { type DeliverySettings, targetSettingsOf } from './settings.js';

export const rankOf = (
  priorities: Readonly<Record<string, number>>,
  agingMs: number,
  delivery: Pick<Delivery, 'documentType' | 'requestedAt'>,
  now: number,
): number => {
  const waited = Math.max(0, now - Date.parse(delivery.requestedAt));
  return (priorities[delivery.documentType] ?? 0) + Math.floor(waited / agingMs);
};

export class RankedCandidates {
  private candidates: Array<{ name: string; rank: number; requestedAt: string }> = [];

  constructor(
    private readonly priorities: Readonly<Record<string, number>>,
    private readonly agingMs: number,
  ) {}

  clear(): void {
    this.candidates = [];
  }

  offer(name: string, head: Delivery, now: number): void {
    const rank = rankOf(this.priorities, this.agingMs, head, now);
    this.candidates.push({ name, rank, requestedAt: head.requestedAt });
  }

  /** The best `count` candidates' streams, best first. */
  take(count: number): string[] {
    if (count <= 0) return [];
    return this.candidates
      .sort((a, b) => b.rank - a.rank || a.requestedAt.localeCompare(b.requestedAt))
      .slice(0, count)
      .map((c) => c.name);
  }
}

/**
 * Per target: its ranked candidates (when it has priorities or a quota), its quota, and the
 * budget a delivery's requests run under (the quota at the delivery's priority).
 */
export const targetCapacity = (settings: DeliverySettings, targets: readonly string[]) => {
  const queues = new Map<string, RankedCandidates>();
  const quotas = new Map<string, TargetQuota>();
  for (const target of targets) {
    const { priorities, agingMs, quota } = targetSettingsOf(settings, target);
    if (quota) quotas.set(target, new TargetQuota(target, quota, agingMs));
    if (quota || Object.keys(priorities).length > 0) {
      queues.set(target, new RankedCandidates(priorities, agingMs));
    }
  }
  const budgetFor = (head: Delivery): RequestBudget => {
    const quota = quotas.get(head.target);
    if (!quota) return unlimitedBudget;
    const { priorities } = targetSettingsOf(settings, head.target);
    return quota.budget(priorities[head.documentType] ?? 0, Date.parse(head.requestedAt));
  };
  return { queues, quotas, budgetFor };
};
