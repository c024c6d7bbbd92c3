/**
 * Read models in MongoDB (`mongodb` driver): one collection per generation, the indexes each
 * read model declares created with it, writes as one unordered bulk write per batch.
 *
 * Projectors' checkpoints, parked events and leases live in the same database
 * (mongoCheckpoints.ts), shared by every gateway instance on it: one instance projects each
 * generation, the others stand by.
 *
 * MongoDB cannot commit a projector's writes with its checkpoint (no transaction without a
 * replica set), so projectors on it are at least once: every stored document carries the
 * log position it reflects (`_position`), an event at or below it is skipped, and a write is
 * conditional on the stored position being older. A redelivered batch changes nothing.
 *
 * The live generation of each model is one pointer document (`read_model_pointers`); moving
 * it is a single-document write, which MongoDB applies atomically, so reads switch at once.
 *
 * Tested by the shared conformance suite when MONGODB_URL is set (no server runs here).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
  type Filter,
  MongoBulkWriteError,
  MongoClient,
} from 'mongodb';
import {
  type Condition,
  checkField,
  decodeCursor,
  encodeCursor,
  type Generation,
  type GenerationState,
  indexColumns,
  type ReadModelDocument,
  ReadModelError,
  ReadModelNotReadyError,
  type ReadModelStore,
  type Scalar,
  sortablePosition,
} from '../../ports/readModelStore.js';
import { canonicalJson } from '../../shared/canonicalJson.js';
import { getMongoCheckpoints } from './mongoCheckpoints.js';

interface GenerationDocument {
  _id: string;
  model: string;
  version: number;
  state: GenerationState;
  createdAt: Date;
}

interface StoredDocument extends Document {
  _id: string;
  _position: string;
}

const duplicateKey = 11000;
const collectionName = (storage: string) => `rm_${storage}`;
const keyOf = (field: string) => (field === 'id' ? '_id' : checkField(field));

const toFilter = (where: Readonly<Record<string, Condition>>): Filter<Document> => {
  const filter: Filter<Document> = {};
  for (const [field, condition] of Object.entries(where)) {
    const key = keyOf(field);
    if (typeof condition !== 'object') filter[key] = condition;
    else if ('in' in condition) filter[key] = { $in: [...condition.in] };
    else if ('contains' in condition) filter[key] = condition.contains;
    else {
      const range: Record<string, Scalar> = {};
      if (condition.gte !== undefined) range.$gte = condition.gte;
      if (condition.lt !== undefined) range.$lt = condition.lt;
      filter[key] = range;
    }
  }
  return filter;
};

const toReadModel = ({ _id, _position, ...document }: Document): ReadModelDocument =>
  ({ ...document, id: _id }) as ReadModelDocument;

export interface MongoReadModelStore extends ReadModelStore {
  readonly db: Db;
}

/** Connects to `url` (database from the URL, else `coexist`) and prepares its collections. */
export const getMongoReadModelStore = async (url: string): Promise<MongoReadModelStore> => {
  const client = await MongoClient.connect(url);
  const db = client.db();
  const generations = db.collection<GenerationDocument>('read_model_generations');
  const pointers = db.collection<{ _id: string; live: string }>('read_model_pointers');
  await generations.createIndex({ model: 1, createdAt: 1 });
  const collection = (storage: string): Collection<StoredDocument> =>
    db.collection<StoredDocument>(collectionName(storage));
  const liveStorage = async (model: string): Promise<string> => {
    const pointer = await pointers.findOne({ _id: model });
    if (!pointer) throw new ReadModelNotReadyError(model);
    return pointer.live;
  };

  return {
    kind: 'mongodb',
    checkpoints: getMongoCheckpoints(db),
    db,

    async generations(model) {
      const rows = await generations
        .find(model === undefined ? {} : { model })
        .sort({ model: 1, createdAt: 1 })
        .toArray();
      return rows.map(
        (row): Generation => ({
          model: row.model,
          version: row.version,
          storage: row._id,
          state: row.state,
          createdAt: row.createdAt,
        }),
      );
    },

    async createGeneration(projection) {
      const model = checkField(projection.name);
      const storage = `${model}_v${projection.version}_${randomBytes(4).toString('hex')}`;
      const target = collection(storage);
      await db.createCollection(collectionName(storage));
      for (const columns of indexColumns(projection.indexes)) {
        await target.createIndex({
          ...Object.fromEntries(columns.map((c) => [keyOf(c), 1])),
          _id: 1,
        });
      }
      // Array fields: a multikey index each (matched by value, never ordered with another).
      for (const { field } of projection.indexes.filter((spec) => spec.multi)) {
        await target.createIndex({ [keyOf(field)]: 1 });
      }
      const row: GenerationDocument = {
        _id: storage,
        model,
        version: projection.version,
        state: 'building',
        createdAt: new Date(),
      };
      await generations.insertOne(row);
      return { model, version: row.version, storage, state: row.state, createdAt: row.createdAt };
    },

    async promote(storage) {
      const target = await generations.findOne({ _id: storage });
      if (!target || target.state === 'retired') {
        throw new ReadModelError(`No generation ${storage} to promote`);
      }
      const previous = await pointers.findOneAndUpdate(
        { _id: target.model },
        { $set: { live: storage } },
        { upsert: true, returnDocument: 'before' },
      );
      await generations.updateOne({ _id: storage }, { $set: { state: 'live' } });
      if (previous && previous.live !== storage) {
        await generations.updateOne({ _id: previous.live }, { $set: { state: 'retired' } });
        await collection(previous.live)
          .drop()
          .catch(() => undefined);
      }
    },

    async drop(storage) {
      const row = await generations.findOne({ _id: storage });
      if (row && (await pointers.findOne({ _id: row.model }))?.live === storage) {
        throw new ReadModelError(`Generation ${storage} is live`);
      }
      await collection(storage)
        .drop()
        .catch(() => undefined);
      await generations.deleteOne({ _id: storage });
    },

    handler(storage, projection) {
      const target = collection(storage);
      return {
        mode: 'at-least-once',
        async handle(events) {
          const state = (await generations.findOne({ _id: storage }))?.state;
          if (state !== 'building' && state !== 'live') return; // retired elsewhere
          const ids = [...new Set(events.flatMap((event) => projection.idsOf(event)))];
          const current = new Map<string, { document: ReadModelDocument | null; at: string }>();
          for (const stored of await target.find({ _id: { $in: ids } }).toArray()) {
            current.set(stored._id, { document: toReadModel(stored), at: stored._position });
          }
          const changed = new Set<string>();
          for (const event of events) {
            const at = sortablePosition(event.position);
            for (const id of projection.idsOf(event)) {
              const known = current.get(id);
              if (known && known.at >= at) continue; // reflected already: a redelivery
              const next = projection.evolve(known?.document ?? null, event, id);
              if (next !== (known?.document ?? null)) changed.add(id);
              current.set(id, { document: next, at });
            }
          }
          const operations: AnyBulkWriteOperation<StoredDocument>[] = [...changed].map((id) => {
            const { document, at } = current.get(id) as {
              document: ReadModelDocument | null;
              at: string;
            };
            const filter = { _id: id, _position: { $lt: at } };
            if (!document) return { deleteOne: { filter } };
            const { id: _id, ...rest } = document;
            return {
              replaceOne: {
                filter,
                replacement: { ...rest, _id: id, _position: at },
                upsert: true,
              },
            };
          });
          if (operations.length === 0) return;
          try {
            await target.bulkWrite(operations, { ordered: false });
          } catch (error) {
            // A duplicate key means a newer version is stored (the conditional upsert tried
            // to insert beside it): that write is one the store has already gone past.
            const errors = error instanceof MongoBulkWriteError ? error.writeErrors : null;
            const list = Array.isArray(errors) ? errors : errors ? [errors] : null;
            if (!list || list.some((item) => item.code !== duplicateKey)) throw error;
          }
        },
      };
    },

    async get(model, id) {
      const stored = await collection(await liveStorage(model)).findOne({ _id: id });
      return stored ? toReadModel(stored) : null;
    },

    async find(model, query) {
      const limit = Math.max(1, Math.min(1000, Math.trunc(query.limit)));
      const { field, direction } = query.orderBy;
      const key = keyOf(field);
      const sign = direction === 'asc' ? 1 : -1;
      const clauses: Filter<Document>[] = [toFilter(query.where ?? {}), { [key]: { $ne: null } }];
      if (query.after !== undefined) {
        const { value, id } = decodeCursor(query.after);
        const beyond = direction === 'asc' ? '$gt' : '$lt';
        clauses.push(
          key === '_id'
            ? { _id: { [beyond]: id } }
            : { $or: [{ [key]: { [beyond]: value } }, { [key]: value, _id: { [beyond]: id } }] },
        );
      }
      const rows = await collection(await liveStorage(model))
        .find({ $and: clauses } as Filter<StoredDocument>)
        .sort(key === '_id' ? { _id: sign } : { [key]: sign, _id: sign })
        .limit(limit + 1)
        .toArray();
      const more = rows.length > limit;
      const page = more ? rows.slice(0, limit) : rows;
      const last = page.at(-1);
      return {
        items: page.map(toReadModel),
        next: more && last ? encodeCursor(last[key] as Scalar, last._id) : null,
      };
    },

    async countMatching(model, where) {
      return collection(await liveStorage(model)).countDocuments(
        toFilter(where ?? {}) as Filter<StoredDocument>,
      );
    },

    async contentHash(storage) {
      const hash = createHash('sha256');
      for await (const stored of collection(storage).find().sort({ _id: 1 })) {
        const document = toReadModel(stored);
        hash.update(`${document.id}\t${canonicalJson(document)}\n`);
      }
      return hash.digest('hex');
    },

    async count(storage) {
      return collection(storage).countDocuments();
    },

    async close() {
      await client.close();
    },
  };
};
