/**
 * The events of documents with deliveries to make, kept as the dispatcher reads them from the
 * log: preparing a delivery (the document folded up to its command) then costs no read of the
 * store. Only streams the dispatcher read from their first event are kept, so a kept stream
 * is always complete from revision 0; any other is read from the store once, then kept.
 * Bounded: past `capacity` streams, deliveries read the store as before.
 */
import type { EventStore, RecordedEvent } from '../ports/eventStore.js';
import type { ReadDocument } from './requests.js';

export class DocumentEvents {
  private readonly streams = new Map<string, RecordedEvent[]>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity = 20_000,
  ) {}

  /** An event read from the log: appended to its stream when that stream is kept. */
  extend(event: RecordedEvent): boolean {
    const kept = this.streams.get(event.streamName);
    if (!kept) return false;
    const revision = Number(event.revision);
    if (revision === kept.length) kept.push(event);
    // A gap (should not happen: the log is read in order): read the store when next needed.
    else if (revision > kept.length) this.streams.delete(event.streamName);
    return true;
  }

  /** Keeps a stream whose events, from revision 0, the dispatcher has just read. */
  keep(streamName: string, fromStart: RecordedEvent[] | undefined): void {
    if (!fromStart || this.streams.has(streamName)) return;
    if (fromStart[0]?.revision !== 0n || this.streams.size >= this.capacity) return;
    this.streams.set(streamName, fromStart);
  }

  forget(streamName: string): void {
    this.streams.delete(streamName);
  }

  clear(): void {
    this.streams.clear();
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Up to a revision: what is kept when it reaches that far, else the store. For a gate
   * ('all'), what is kept may trail the store by the events the log has not handed over yet;
   * those re-ask the gate when they arrive.
   */
  read: ReadDocument = async (streamName, upToRevision) => {
    const kept = this.streams.get(streamName);
    if (kept && (upToRevision === 'all' || kept.length > upToRevision)) return kept;
    const events = await this.store.readStream(streamName);
    if (this.streams.size < this.capacity) this.streams.set(streamName, events);
    return events;
  };
}
