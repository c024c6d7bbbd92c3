/**
 * The read-model store port: where projectors keep the read models folded from the log, and
 * where queries read them. Adapters: embedded SQLite (src/adapters/readModels/sqlite.ts, the
 * default; a projector's checkpoint commits with its writes) and MongoDB (mongo.ts; each
 * stored document carries the log position it reflects, so a redelivered event is a no-op).
 * One conformance suite (test/readModels/conformance.ts) holds both to the same semantics.
 *
 * **Generations.** A read model is stored as generations: each is its own storage (a table,
 * a collection) built by one projector from the start of the log. Reads go to the model's
 * live generation only. A new version or a rebuild builds a new generation beside the live
 * one and `promote`s it once caught up: the switch is one atomic write, and the old storage is
 * dropped with it, so no reader ever sees a half-built model.
 */
import type { ConsumerStateStore } from './consumerState.js';
import type { EventFilter, JsonObject, LogPosition, RecordedEvent } from './eventStore.js';

/** A stored read-model document: JSON with a string `id` unique in its model. */
export type ReadModelDocument = JsonObject & { id: string };

/**
 * A read model as pure code (see projections/): which documents an event touches, and how
 * it changes each. `evolve` must not mutate its input; returning the same object means "no
 * change", null means "no document" (deleted, or never created).
 */
export interface Projection<D extends ReadModelDocument = ReadModelDocument> {
  /** Lower camel case, e.g. `documents`; names the storage. */
  name: string;
  /** Bump when `evolve` or the indexes change: a new generation is built beside the old. */
  version: number;
  /** Only these events reach the projection (none skipped that `idsOf` would select). */
  filter?: EventFilter;
  /** Fields queries filter and sort on; the adapters index each before the generation serves reads. */
  indexes: readonly IndexSpec[];
  /**
   * Each event makes documents of its own that no later event changes (an index of events):
   * a store may write them without reading first. A document already stored is kept.
   */
  appendOnly?: boolean;
  idsOf(event: RecordedEvent): readonly string[];
  /** `id` says which of the event's documents (from `idsOf`) is being evolved. */
  evolve(document: D | null, event: RecordedEvent, id: string): D | null;
}

export interface IndexSpec {
  /** A top-level field of the documents. */
  field: string;
  /** The field holds an array; a `contains` condition matches one of its values. */
  multi?: boolean;
  /**
   * Lists are ordered by this field: every other field's index is ordered by it too, so a
   * filtered, sorted page reads its rows in order and stops, instead of sorting every match.
   */
  sort?: boolean;
}

/** The indexes a store builds for these fields: column lists, each then ordered by id. */
export const indexColumns = (fields: readonly IndexSpec[]): string[][] => {
  const sorts = fields.filter((spec) => spec.sort && !spec.multi).map((spec) => spec.field);
  return fields.flatMap(({ field, multi }) => {
    if (multi) return []; // an array: no index orders its values with another field
    const others = sorts.filter((sort) => sort !== field);
    return others.length === 0 ? [[field]] : others.map((sort) => [field, sort]);
  });
};

export type Scalar = string | number | boolean;

/** A condition on one field; several fields in a `where` must all hold. */
export type Condition =
  | Scalar
  | { in: readonly Scalar[] }
  /** A range: `gte` inclusive, `lt` exclusive; either may be omitted. */
  | { gte?: Scalar; lt?: Scalar }
  /** The (array) field holds this value. */
  | { contains: Scalar };

export interface FindQuery {
  where?: Readonly<Record<string, Condition>>;
  /** Sorted by this field (`id` allowed), then by id. Documents lacking the field are skipped. */
  orderBy: { field: string; direction: 'asc' | 'desc' };
  /** An opaque cursor from a previous page's `next`. */
  after?: string;
  /** 1 to 1000. */
  limit: number;
}

export interface Page<D> {
  items: D[];
  /** Cursor for the next page, or null on the last one. */
  next: string | null;
}

export type GenerationState = 'building' | 'live' | 'retired';

export interface Generation {
  model: string;
  version: number;
  /** Names the storage (table, collection) and the projector's checkpoint. */
  storage: string;
  state: GenerationState;
  createdAt: Date;
}

/**
 * What a projector hands the consumer (src/consumers): structurally a consumer handler.
 * `transactional` runs inside the checkpoint's transaction of `checkpoints` (same database).
 */
export type ProjectionHandler =
  | { mode: 'transactional'; handle(events: readonly RecordedEvent[]): void }
  | { mode: 'at-least-once'; handle(events: readonly RecordedEvent[]): Promise<void> };

export interface ReadModelStore {
  readonly kind: 'sqlite' | 'mongodb';
  /**
   * Consumer state kept with the read models: on SQLite transactional, so a projector's
   * checkpoint commits with its writes; on MongoDB shared by every instance on the database
   * (leases: one projects, the others stand by), not transactional (positions make the
   * writes idempotent). Null for a store that keeps none (projectors then checkpoint in the
   * gateway's own consumer state).
   */
  readonly checkpoints: ConsumerStateStore | null;
  generations(model?: string): Promise<Generation[]>;
  /** New, empty storage for `projection` (indexes created), in state `building`. */
  createGeneration(projection: Projection): Promise<Generation>;
  /**
   * Makes `storage` its model's live generation, atomically: reads switch at once; the
   * previous live generation is retired and its storage dropped.
   */
  promote(storage: string): Promise<void>;
  /** Drops a generation that is not live (an abandoned build). */
  drop(storage: string): Promise<void>;
  /** The handler a projector writing `projection` into `storage` runs on the consumer. */
  handler(storage: string, projection: Projection): ProjectionHandler;

  /** From the model's live generation. Rejects with ReadModelNotReadyError when none is. */
  get(model: string, id: string): Promise<ReadModelDocument | null>;
  find(model: string, query: FindQuery): Promise<Page<ReadModelDocument>>;
  /** How many documents of the model's live generation match (by index when declared). */
  countMatching(model: string, where?: Readonly<Record<string, Condition>>): Promise<number>;
  /** SHA-256 of a generation's content (documents by id, canonical JSON): for comparisons. */
  contentHash(storage: string): Promise<string>;
  count(storage: string): Promise<number>;
  close(): Promise<void>;
}

export class ReadModelError extends Error {
  override name = 'ReadModelError';
}

/** The model has no live generation yet (first build still catching up). */
export class ReadModelNotReadyError extends ReadModelError {
  override name = 'ReadModelNotReadyError';
  readonly type = 'read-model-not-ready';
  constructor(readonly model: string) {
    super(`Read model ${model} is still being built; retry shortly.`);
  }
}

/** A cursor that no page of this store handed out. */
export class InvalidCursorError extends ReadModelError {
  override name = 'InvalidCursorError';
  readonly type = 'invalid-cursor';
  constructor() {
    super('The cursor is not valid: pass the "next" value of a previous page unchanged.');
  }
}

/** Positions as fixed-width strings, so both stores order them as text. */
export const sortablePosition = (position: LogPosition): string =>
  position.toString().padStart(40, '0');

const fieldPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Field names reach SQL paths and Mongo keys: only plain identifiers are accepted. */
export const checkField = (field: string): string => {
  if (!fieldPattern.test(field)) throw new ReadModelError(`Not a read-model field: "${field}"`);
  return field;
};

/** Opaque keyset cursor: the last item's sort value and id. */
export const encodeCursor = (value: Scalar, id: string): string =>
  Buffer.from(JSON.stringify([value, id])).toString('base64url');

export const decodeCursor = (cursor: string): { value: Scalar; id: string } => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      ['string', 'number', 'boolean'].includes(typeof parsed[0]) &&
      typeof parsed[1] === 'string'
    ) {
      return { value: parsed[0] as Scalar, id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
};
