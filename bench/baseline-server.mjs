/**
 * Baseline for the write-path benchmark: the cheapest server that still does the one thing
 * every write must do — parse a JSON body and validate it against the real contract with the
 * gateway's exact Ajv set-up. No auth, no rate limit, no store, no logger.
 *
 *   node bench/baseline-server.mjs --port 8081 [--host 127.0.0.1]
 *
 * Prints "listening on http://HOST:PORT" on stdout once ready (bench/run.mjs waits for it).
 */
import { serveValidatedRoute } from './lib/validatedServer.mjs';

await serveValidatedRoute(
  (_request, reply) => {
    reply.code(201).send({ ok: true });
  },
  { defaultPort: 8081 },
);
