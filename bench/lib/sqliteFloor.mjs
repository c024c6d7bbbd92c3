/**
 * What writing a read model costs on SQLite alone: the rows its rebuild writes, serialised and
 * written by bare better-sqlite3 into a fresh file with the read-model store's own pragmas,
 * table layout and indexes (built at the end, as a promotion builds them), in one transaction
 * per batch of the log as the projector commits. Off the clock: reading the log, parsing the
 * events' data and folding them (the model's evolve), which compute the rows a batch at a time.
 * A rebuild cannot be faster than reading the log plus this floor.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const columnValue = (value) => {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' || typeof value === 'number') return value;
  return JSON.stringify(value);
};

/**
 * Floor of `projection` over the log `readAll()` yields (in order), in `dir`. `tools` are the
 * stores' own helpers (sortablePosition, indexColumns, openReadModelDatabase, matchesFilter).
 */
export const sqliteFloor = async (projection, readAll, dir, tools, batchSize = 1_000) => {
  const { sortablePosition, indexColumns, openReadModelDatabase, matchesFilter } = tools;
  const file = join(dir, `floor-${projection.name}.sqlite`);
  const db = openReadModelDatabase(file);
  const fields = projection.indexes.map((spec) => spec.field);
  const names = ['id', 'doc', 'position', ...fields.map((field) => `"f_${field}"`)];
  db.exec(
    `CREATE TABLE floor (id TEXT PRIMARY KEY, doc TEXT NOT NULL, position TEXT NOT NULL${names
      .slice(3)
      .map((name) => `, ${name}`)
      .join('')})`,
  );
  // The statement the store writes with: an append-only model's rows are inserted (a row
  // already there is kept), any other model's upserted.
  const upsert = db.prepare(
    `INSERT INTO floor (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})
     ON CONFLICT (id) DO ${
       projection.appendOnly
         ? 'NOTHING'
         : `UPDATE SET ${names
             .slice(1)
             .map((name) => `${name} = excluded.${name}`)
             .join(', ')}`
     }`,
  );
  const write = db.transaction((rows) => {
    for (const row of rows) upsert.run(...row);
  });

  const state = new Map();
  let rows = 0;
  let cpuMicros = 0;
  let wallMs = 0;
  const timed = (work) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    work();
    wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
  };
  const writeBatch = (events) => {
    // Off the clock: the documents this batch changes, as the projector would write them.
    const changed = new Map();
    for (const event of events) {
      if (projection.filter && !matchesFilter(projection.filter, event)) continue;
      for (const id of projection.idsOf(event)) {
        const current = state.has(id) ? state.get(id) : null;
        const next =
          projection.appendOnly && current ? current : projection.evolve(current, event, id);
        state.set(id, next);
        if (next !== current) changed.set(id, sortablePosition(event.position));
      }
    }
    // On the clock: serialising the rows (a projector must), then writing them.
    timed(() => {
      const batch = [];
      for (const [id, position] of changed) {
        const document = state.get(id);
        if (!document) continue;
        batch.push([
          id,
          JSON.stringify(document),
          position,
          ...fields.map((f) => columnValue(document[f])),
        ]);
      }
      rows += batch.length;
      if (batch.length > 0) write(batch);
    });
    // Kept only for documents a later event may change: an append-only model's are final.
    if (projection.appendOnly) state.clear();
  };
  let pending = [];
  for await (const event of readAll()) {
    pending.push(event);
    if (pending.length === batchSize) {
      writeBatch(pending);
      pending = [];
    }
  }
  writeBatch(pending);
  timed(() => {
    for (const columns of indexColumns(projection.indexes)) {
      db.exec(
        `CREATE INDEX "floor__${columns.join('__')}" ON floor (${columns.map((c) => `"f_${c}"`).join(', ')}, id)`,
      );
    }
    db.pragma('analysis_limit = 1000');
    db.exec('ANALYZE floor');
  });
  db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  return { rows, seconds: wallMs / 1000, cpuSeconds: cpuMicros / 1e6 };
};
