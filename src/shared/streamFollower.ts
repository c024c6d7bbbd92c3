/**
 * Keeps an in-memory fold of one stream up to date: reads what is new on start, on demand,
 * and on a timer, so state kept in the event store (API keys, rule sets, freezes) reaches
 * every gateway instance within one interval. Concurrent refreshes share one read.
 */
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';

export abstract class StreamFollower {
  private nextRevision = 0n;
  private refreshing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    protected readonly store: EventStore,
    private readonly streamName: string,
  ) {}

  /** Folds one event of the stream, in order, into the subclass's state. */
  protected abstract apply(event: RecordedEvent): void;

  async start(refreshIntervalMs = 1_000): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshIntervalMs);
    this.timer.unref(); // never keeps the process alive on its own
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const events = await this.store.readStream(this.streamName, {
          fromRevision: this.nextRevision,
        });
        for (const event of events) {
          this.apply(event);
          this.nextRevision = event.revision + 1n;
        }
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }
}
