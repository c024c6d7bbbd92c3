/**
 * A measuring set-up for the write-path benchmark, not a store: the real gateway (same
 * config, auth, rate limit, validation, fingerprint, decision, routing, response) whose
 * document appends are acknowledged on the next event-loop turn WITHOUT being written.
 * API keys and rule sets still live in a real SQLite file. Its throughput is the ceiling any
 * event store could reach under this gateway: the gap to the baseline is the gateway's own
 * HTTP-side cost, the gap to the real gateway is the durable append's.
 *
 *   node bench/storeless-server.mjs --port 8082 --data-dir DIR
 *
 * Prints the gateway's banner ("listening on http://HOST:PORT") once ready.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { loadConfig } from '../dist/src/config/config.js';
import { startGateway } from '../dist/src/main.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const dataDir = arg('data-dir');
if (!dataDir) throw new Error('--data-dir is required');
mkdirSync(dataDir, { recursive: true });

const config = loadConfig({
  env: process.env,
  flags: { port: Number(arg('port', '8082')), dataDir },
});
const real = getSqliteEventStore({ file: join(dataDir, 'events.sqlite') });
/** Document streams are the ones the benchmark writes; everything else is really stored. */
const isDocument = (streamName) => streamName.startsWith('PurchaseOrder-');
let position = 0;
const store = {
  ...real,
  appendToStream(streamName, events, options) {
    if (!isDocument(streamName)) return real.appendToStream(streamName, events, options);
    return new Promise((resolve) =>
      setImmediate(() =>
        resolve({
          kind: 'appended',
          nextExpectedRevision: BigInt(events.length - 1),
          position: String(++position),
        }),
      ),
    );
  },
};

const gateway = await startGateway(config, { store });
const close = () => gateway.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);
