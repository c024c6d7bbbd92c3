/**
 * An index of every event by type, stream, client, correlation id and time, so the audit
 * queries find events without scanning the log: one small document per event, pointing at
 * the event by stream and revision (the event itself is read from the log).
 */
import type { RecordedEvent } from '../../src/ports/eventStore.js';
import { type Projection, sortablePosition } from '../../src/ports/readModelStore.js';

export type IndexedEvent = {
  /** The event's log position, fixed width so it sorts as text. */
  id: string;
  eventId: string;
  type: string;
  streamName: string;
  revision: number;
  recordedAt: string;
  clientId: string | null;
  /** The API key the client used, when the write path recorded it. */
  keyId: string | null;
  correlationId: string | null;
};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const indexEntry = (event: RecordedEvent): IndexedEvent => ({
  id: sortablePosition(event.position),
  eventId: event.id,
  type: event.type,
  streamName: event.streamName,
  revision: Number(event.revision),
  recordedAt: event.recordedAt.toISOString(),
  clientId: text(event.metadata.clientId),
  keyId: text(event.metadata.keyId),
  correlationId: text(event.metadata.correlationId),
});

export const eventIndex: Projection<IndexedEvent> = {
  name: 'eventIndex',
  // v2: no index on streamName (a document's events are read from its stream, never found
  // here by stream), one index fewer to build.
  version: 2,
  indexes: [
    { field: 'type' },
    { field: 'clientId' },
    { field: 'correlationId' },
    { field: 'recordedAt' },
  ],
  appendOnly: true,
  idsOf: (event) => [sortablePosition(event.position)],
  // An event is indexed once; a redelivered one finds its entry and changes nothing.
  evolve: (current, event) => current ?? indexEntry(event),
};
