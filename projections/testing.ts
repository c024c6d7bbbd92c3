/**
 * Given/Then for projection specs: folds events through a projection exactly as a
 * projector does (each event to each document it touches), in memory.
 */
import type { JsonObject, RecordedEvent } from '../src/ports/eventStore.js';
import type { Projection, ReadModelDocument } from '../src/ports/readModelStore.js';

let nextPosition = 1n;
const revisions = new Map<string, bigint>();

/** A recorded event as the log would hand it over (positions and revisions in order). */
export const recorded = (
  streamName: string,
  type: string,
  data: JsonObject,
  metadata: JsonObject = {},
  recordedAt = new Date('2026-11-01T10:00:00Z'),
): RecordedEvent => {
  const revision = (revisions.get(streamName) ?? -1n) + 1n;
  revisions.set(streamName, revision);
  const position = nextPosition++;
  return {
    id: `event-${position}`,
    type,
    streamName,
    revision,
    position,
    data,
    metadata,
    recordedAt,
  };
};

/** Frozen all the way down: an `evolve` that changes its input throws (modules are strict). */
const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
};

/** Folds `events`; every document is frozen before the next event sees it (evolve is pure). */
export const given = <D extends ReadModelDocument>(
  projection: Projection<D>,
  events: readonly RecordedEvent[],
): Map<string, D> => {
  const documents = new Map<string, D>();
  for (const event of events) {
    for (const id of projection.idsOf(event)) {
      const next = projection.evolve(documents.get(id) ?? null, event, id);
      if (next) documents.set(id, deepFreeze(next));
      else documents.delete(id);
    }
  }
  return documents;
};
