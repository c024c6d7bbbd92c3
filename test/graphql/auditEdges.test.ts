/**
 * The audit API at its edges, each found by a new user's trial:
 * - a document's owner as of an instant follows its migration (before it: the first owner);
 * - the rule set in force at its own `publishedAt` is that version, as the REST API says, and a
 *   set published with an `effectiveFrom` in the past was not in force before its publication;
 * - a POST whose body is empty (`{}`, `[]`, `null`) is answered at once with Yoga's own
 *   BAD_REQUEST, not left waiting for a body Fastify has already read;
 * - instants and days not on the calendar (2026-11-31), unknown owners and targets: refused;
 * - an auditor's full page of 100 events, every field selected, is within the cost limit, and
 *   two such pages in one query are not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/migration/migrate.js';
import type { RuleSet } from '../../src/routing/ruleSet.js';
import { example } from '../support/gateway.js';
import { type ReadSideGateway, startReadSideGateway } from './readSideGateway.js';

let gw: ReadSideGateway;
let auditor: string;
let architect: string;
let writer: string;
const instants: Record<string, string> = {};

const allTo = (target: 'legacy' | 'cloud', name: string, effectiveFrom?: string): RuleSet => ({
  name,
  ...(effectiveFrom ? { effectiveFrom } : {}),
  rules: [{ id: `all-${target}`, match: {}, target }],
});

const gql = async (query: string, authorization = auditor) => {
  const response = await gw.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { query },
  });
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked by the assertions, not by types.
  return { status: response.statusCode, body: response.json() as { data?: any; errors?: any[] } };
};

beforeAll(async () => {
  gw = await startReadSideGateway();
  auditor = await gw.key('internal-audit', ['auditor']);
  architect = await gw.key('architect', ['architect']);
  writer = await gw.key('srm', ['writer']);
  // v1 published 5 ms before its event is recorded, as a publish that reads the clock first.
  const publishedAt = new Date(gw.now().getTime() - 5);
  await gw.rules.publish(
    allTo('legacy', 'phase 0'),
    { author: 'ana', reason: 'go-live' },
    undefined,
    publishedAt,
  );
  instants.v1 = publishedAt.toISOString();
  gw.advance(60_000);
  const submitted = await gw.post(
    '/v1/purchase-orders',
    { ...example('purchase-order-submit'), poNumber: 'M-1' },
    writer,
  );
  expect(submitted.statusCode).toBe(202);
  instants.submitted = gw.now().toISOString();
  gw.advance(60_000);
  const moved = await migrate(
    gw.store,
    {
      scope: { company: 'ACME-US', documentType: 'purchaseOrder' },
      to: 'cloud',
      reason: 'CAB-1 purchasing cutover',
      oldOwnerPolicy: 'leave',
      dryRun: false,
      by: 'architect',
      correlationId: 'mig-1',
    },
    undefined,
    gw.now,
  );
  expect(moved.moved).toHaveLength(1);
  instants.migrated = gw.now().toISOString();
  gw.advance(60_000);
  // v2 says it took effect an hour before it was published.
  instants.beforeV2 = gw.now().toISOString();
  gw.advance(60_000);
  await gw.rules.publish(
    allTo('cloud', 'phase 1', new Date(gw.now().getTime() - 3_600_000).toISOString()),
    { author: 'ben', reason: 'flip' },
    undefined,
    gw.now(),
  );
  instants.v2 = gw.now().toISOString();
  await gw.settle();
});
afterAll(() => gw?.close());

describe('GraphQL audit API at its edges', () => {
  it("shows a migrated document's owner as of either side of its migration", async () => {
    const ownerAt = async (asOf: string) =>
      (
        await gql(
          `{ document(ref: { type: purchaseOrder, key: ["ACME-US", "M-1"] }, asOf: "${asOf}") { owner route revision } }`,
        )
      ).body.data.document;
    const before = await ownerAt(instants.submitted as string);
    expect(before.owner).toBe('legacy');
    const after = await ownerAt(instants.migrated as string);
    expect(after.owner).toBe('cloud');
    expect(after.route).toMatchObject({ owner: 'cloud', basis: 'migration' });
    expect(after.revision).toBeGreaterThan(before.revision);
  });

  it('names the rule set in force as the REST API does: from its publication, never before', async () => {
    const inForce = async (at: string) => {
      const graph = (await gql(`{ ruleSetInForce(at: "${at}") { version } }`)).body.data
        .ruleSetInForce;
      const rest = await gw.app.inject({
        method: 'GET',
        url: `/v1/admin/routing-rules?at=${encodeURIComponent(at)}`,
        headers: { authorization: architect },
      });
      const restVersion = rest.statusCode === 200 ? rest.json().version : null;
      expect(graph?.version ?? null, `GraphQL and REST at ${at}`).toBe(restVersion);
      return restVersion;
    };
    expect(await inForce(instants.v1 as string)).toBe(1);
    expect(await inForce(new Date(Date.parse(instants.v1 as string) - 1).toISOString())).toBe(null);
    // Backdated effectiveFrom: documents routed before v2's publication were routed by v1.
    expect(await inForce(instants.beforeV2 as string)).toBe(1);
    expect(await inForce(instants.v2 as string)).toBe(2);
  });

  it('refuses instants and days that are not on the calendar, and owners and targets that do not exist', async () => {
    for (const query of [
      '{ document(ref: { type: purchaseOrder, key: ["ACME-US", "M-1"] }, asOf: "2026-11-31T10:00:00Z") { owner } }',
      '{ ruleSetInForce(at: "2026-02-30T10:00:00Z") { version } }',
      '{ routingCoverage(from: "2026-02-30", to: "2026-12-01") { documents } }',
      '{ routingCoverage(from: "2026-12-01", to: "2026-12-01", owner: "mars") { documents } }',
      '{ deadLetters(target: "mars") { edges { cursor } } }',
    ]) {
      const answer = await gql(query);
      expect(answer.body.data?.document ?? null, query).toBeNull();
      expect(answer.body.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
    }
  });

  it('answers an empty POST body at once, with a BAD_REQUEST', async () => {
    for (const payload of ['{}', '[]', 'null']) {
      const answer = await Promise.race([
        gw.app.inject({
          method: 'POST',
          url: '/graphql',
          headers: { authorization: auditor, 'content-type': 'application/json' },
          payload,
        }),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3_000)),
      ]);
      expect(answer, payload).not.toBe('hung');
      if (answer === 'hung') continue;
      expect(answer.json().errors?.[0]?.message, payload).toMatch(/query|body|object|batch/i);
      expect(answer.json().errors?.[0]?.extensions?.code, payload).toBe('BAD_REQUEST');
    }
  });

  it('admits a full page of 100 events with every field, and refuses two of them at once', async () => {
    const page = `events(first: 100) { edges { cursor node { eventId type streamName revision position recordedAt data metadata route correlationId
      actor { clientId keyId } command { name commandId contract contractVersion idempotencyKey receivedAt } } } pageInfo { hasNextPage endCursor } }`;
    const one = await gql(`{ ${page} }`);
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data.events.edges.length).toBeGreaterThan(0);
    const two = await gql(`{ ${Array.from({ length: 2 }, (_, i) => `p${i}: ${page}`).join(' ')} }`);
    expect(two.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });
});
