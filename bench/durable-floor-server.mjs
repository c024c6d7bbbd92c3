/**
 * A reference point for the write-path benchmark, not a gateway: the baseline (parse and
 * validate the purchase order) plus the one thing every durable write must add, an append of
 * the order as one event through the gateway's own SQLite store (group commit, WAL sync before
 * the answer, checkpoints). No auth, rate limit, idempotency, routing or metadata.
 *
 * The gap from the baseline to this server is the price of durability itself; the gap from
 * this server to the gateway is the price of the gateway's features. A gateway target above
 * this server's figure cannot be met by any gateway on this store.
 *
 *   node bench/durable-floor-server.mjs --port 8083 --data-dir DIR [--append gateway]
 *
 * `--append gateway` (not used by run.mjs; for breaking the gateway's cost down by hand)
 * appends what the gateway appends for a new order instead: an ownership event ahead of the
 * order, both with the gateway's metadata, and an idempotency claim.
 *
 * Prints "listening on http://HOST:PORT" on stdout once ready (bench/run.mjs waits for it).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { getSqliteEventStore } from '../dist/src/adapters/eventStore/sqlite/index.js';
import { arg, contract, serveValidatedRoute } from './lib/validatedServer.mjs';

const dataDir = arg('data-dir');
if (!dataDir) throw new Error('--data-dir is required');
mkdirSync(dataDir, { recursive: true });
const store = getSqliteEventStore({ file: join(dataDir, 'events.sqlite') });

const receivedAt = () => new Date().toISOString();

/** The order alone, as one event with the least metadata. */
const orderAppend = (order) => [
  [
    {
      id: randomUUID(),
      type: 'PurchaseOrderSubmitted',
      data: order,
      metadata: { receivedAt: receivedAt() },
    },
  ],
  { expectedRevision: 'no_stream' },
];

/** What the gateway appends for a new order (src/commands/handler.ts), with fixed texts. */
const route = {
  owner: 'legacy',
  primary: 'legacy',
  ruleId: 'default-legacy',
  ruleSetVersion: 1,
  basis: 'rule',
  reason:
    'Rule default-legacy (#1 of 1) matched: default rule (matches every document). Target: legacy.',
};
const fingerprint = 'R7OGkBWXeuNaymCyUt4r8BQ7HXprvGsCgufCN8ZSTdQ';
const gatewayAppend = (order, idempotencyKey) => {
  const commandId = randomUUID();
  const metadata = {
    clientId: 'bench',
    contractVersion: 'v1',
    contract,
    command: 'submitPurchaseOrder',
    commandId,
    correlationId: randomUUID(),
    causationId: commandId,
    receivedAt: receivedAt(),
    route,
    idempotencyKey,
    requestFingerprint: fingerprint,
  };
  const document = {
    type: 'purchaseOrder',
    key: { company: order.company, poNumber: order.poNumber },
  };
  return [
    [
      {
        id: randomUUID(),
        type: 'DocumentOwnershipAssigned',
        data: { document, ...route },
        metadata,
      },
      { id: randomUUID(), type: 'PurchaseOrderSubmitted', data: order, metadata },
    ],
    {
      expectedRevision: 'no_stream',
      idempotency: { key: `bench\u0000${idempotencyKey}`, fingerprint },
    },
  ];
};

const appendOf = arg('append', 'order') === 'gateway' ? gatewayAppend : orderAppend;

await serveValidatedRoute(
  async (request, reply) => {
    const order = request.body;
    const [events, options] = appendOf(order, request.headers['idempotency-key']);
    // The gateway's stream name and event type, so that the durability check counts these too.
    await store.appendToStream(`PurchaseOrder-${order.company}-${order.poNumber}`, events, options);
    return reply.code(201).send({ ok: true });
  },
  // Appends already accepted are committed (and answered) before the file is closed.
  { defaultPort: 8083, onClose: () => store.close() },
);
