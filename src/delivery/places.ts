/**
 * The dispatcher's places: per target, how many attempts are in flight against its
 * `concurrency`, and which delivery streams have one (never two at once for a document).
 */
export class Places {
  private readonly inFlight = new Map<string, number>();
  private readonly busy = new Set<string>();
  /** Targets where a due, recorded delivery waits for a place (as the pump last saw). */
  readonly starved = new Set<string>();

  constructor(private readonly concurrencyOf: (target: string) => number) {}

  running(target: string): number {
    return this.inFlight.get(target) ?? 0;
  }

  full(target: string): boolean {
    return this.running(target) >= this.concurrencyOf(target);
  }

  isBusy(stream: string): boolean {
    return this.busy.has(stream);
  }

  get busyCount(): number {
    return this.busy.size;
  }

  take(stream: string, target: string): void {
    this.busy.add(stream);
    this.inFlight.set(target, this.running(target) + 1);
  }

  give(stream: string, target: string): void {
    this.busy.delete(stream);
    this.inFlight.set(target, Math.max(0, this.running(target) - 1));
  }
}
