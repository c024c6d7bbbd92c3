/**
 * Baseline for the write-path benchmark: the cheapest server that still does the one thing
 * every write must do — parse a JSON body and validate it against the real contract with the
 * gateway's exact Ajv set-up. No auth, no rate limit, no store, no logger.
 *
 *   node bench/baseline-server.mjs --port 8081 [--host 127.0.0.1]
 *
 * Prints "listening on http://HOST:PORT" on stdout once ready (bench/run.mjs waits for it).
 */
import Fastify from 'fastify';
import { createAjv, loadContracts } from '../dist/http/contracts.js';

const contract = 'https://coexist.dev/contracts/http/v1/purchase-order-submit.json';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port', '8081'));
const host = arg('host', '127.0.0.1');

const contracts = loadContracts();
const ajv = createAjv(contracts.values());
if (!ajv.getSchema(contract)) throw new Error(`No contract ${contract} in contracts/`);

const app = Fastify({ logger: false });
// Same wiring as the gateway (src/app.ts): the shared Ajv compiles route schemas, and the
// contracts are registered with Fastify too so that `$ref`s to them resolve.
app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
for (const schema of contracts.values()) app.addSchema(schema);

app.post('/v1/purchase-orders', { schema: { body: { $ref: `${contract}#` } } }, (_req, reply) => {
  reply.code(201).send({ ok: true });
});

const close = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', close);
process.once('SIGINT', close);

await app.listen({ port, host });
console.log(`listening on http://${host}:${port}`);
