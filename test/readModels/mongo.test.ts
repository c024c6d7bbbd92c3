/**
 * The read-model conformance suite on MongoDB: runs only when MONGODB_URL is set (e.g.
 * `docker compose up -d mongodb` then MONGODB_URL=mongodb://localhost:27017/coexist-test).
 */
import { describe } from 'vitest';
import { getMongoReadModelStore } from '../../src/adapters/readModels/mongo.js';
import { runReadModelConformance } from './conformance.js';

const url = process.env.MONGODB_URL;
describe.skipIf(!url)('MongoDB (runs only when MONGODB_URL is set)', () => {
  runReadModelConformance('MongoDB', async () => {
    const store = await getMongoReadModelStore(url as string);
    return { store, cleanup: () => store.close() };
  });
});
