/**
 * What the baseline and the durable floor share, so that they differ only by the append:
 * command-line options, and a bare Fastify (no logger) validating `POST /v1/purchase-orders`
 * against the real contract with the gateway's exact Ajv set-up (src/app.ts).
 */
import Fastify from 'fastify';
import { createAjv, loadContracts } from '../../dist/src/http/contracts.js';

export const contract = 'https://coexist.dev/contracts/http/v1/purchase-order-submit.json';

/** `--name value` from the command line, or `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};

/**
 * Serves `handler` on the validated route at `--port`/`--host`, prints "listening on
 * http://HOST:PORT" once ready (bench/run.mjs waits for it), and runs `onClose` after the
 * server closes on SIGTERM or SIGINT.
 */
export const serveValidatedRoute = async (handler, { defaultPort, onClose = async () => {} }) => {
  const port = Number(arg('port', String(defaultPort)));
  const host = arg('host', '127.0.0.1');
  const contracts = loadContracts();
  const ajv = createAjv(contracts.values());
  if (!ajv.getSchema(contract)) throw new Error(`No contract ${contract} in contracts/`);

  const app = Fastify({ logger: false });
  // Same wiring as the gateway: the shared Ajv compiles route schemas, and the contracts are
  // registered with Fastify too so that `$ref`s to them resolve.
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
  for (const schema of contracts.values()) app.addSchema(schema);
  app.post('/v1/purchase-orders', { schema: { body: { $ref: `${contract}#` } } }, handler);

  const close = () =>
    app
      .close()
      .then(onClose)
      .then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);

  await app.listen({ port, host });
  console.log(`listening on http://${host}:${port}`);
};
