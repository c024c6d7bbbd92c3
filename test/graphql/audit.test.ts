/**
 * The auditors' GraphQL API, in-process through app.inject: events by document, client,
 * correlation id, type and time; as-of state on both sides of a change; the rule set and
 * freezes in force on both sides of a rule flip; who did what; refusals and limits.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/ports/eventStore.js';
import type { RuleSet } from '../../src/routing/ruleSet.js';
import { example } from '../support/gateway.js';
import { type ReadSideGateway, startReadSideGateway } from './readSideGateway.js';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked by the assertions, not by types.
type Answer = any;

let gw: ReadSideGateway;
let auditor: string;
let writer: string;
let portal: string;
const instants: Record<string, string> = {};

const allTo = (target: 'legacy' | 'cloud', name: string): RuleSet => ({
  name,
  rules: [{ id: `all-${target}`, match: {}, target }],
});

const po = (poNumber: string) => ({ ...example('purchase-order-submit'), poNumber });

const gql = async (query: string, variables: object = {}, authorization = auditor) => {
  const response = await gw.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { authorization, 'content-type': 'application/json' },
    payload: { query, variables },
  });
  return {
    status: response.statusCode,
    body: response.json() as { data?: Answer; errors?: Answer[] },
  };
};

beforeAll(async () => {
  gw = await startReadSideGateway();
  auditor = await gw.key('internal-audit', ['auditor']);
  writer = await gw.key('srm', ['writer']);
  portal = await gw.key('supplier-portal', ['writer']);

  // 10:00 rule set v1 (all legacy) — 10:01 PO A submitted — 10:02 PO A changed —
  // 10:03 freeze on ACME-US — 10:04 v2 (all cloud) — 10:05 PO B submitted by the portal.
  await gw.rules.publish(
    allTo('legacy', 'phase 0'),
    { author: 'ana', reason: 'go-live' },
    undefined,
    gw.now(),
  );
  instants.v1 = gw.now().toISOString();
  gw.advance(60_000);
  instants.beforeA = new Date(gw.now().getTime() - 1).toISOString();
  const a = await gw.post('/v1/purchase-orders', po('A-1'), writer, {
    'x-correlation-id': 'corr-A',
  });
  expect(a.statusCode).toBe(202);
  instants.a = gw.now().toISOString();
  gw.advance(60_000);
  const change = await gw.post(
    `/v1/purchase-orders/ACME-US/A-1/changes`,
    {
      changeReason: 'more bearings',
      lines: [{ action: 'update', lineNumber: 10, quantity: { value: '800', uom: 'EA' } }],
    },
    writer,
    { 'x-correlation-id': 'corr-A', 'idempotency-key': 'change-A-1' },
  );
  expect(change.statusCode).toBe(202);
  instants.changed = gw.now().toISOString();
  gw.advance(60_000);
  await gw.freezes.freeze(
    {
      scope: { companies: ['ACME-US'] },
      until: '2026-12-01T10:03:30.000Z',
      reason: 'cutover rehearsal',
    },
    'ops-lead',
    gw.now(),
  );
  instants.frozen = gw.now().toISOString();
  gw.advance(60_000);
  await gw.rules.publish(
    allTo('cloud', 'phase 1'),
    { author: 'ben', reason: 'flip to cloud' },
    undefined,
    gw.now(),
  );
  instants.v2 = gw.now().toISOString();
  gw.advance(60_000);
  const b = await gw.post('/v1/purchase-orders', po('B-1'), portal, {
    'x-correlation-id': 'corr-B',
  });
  expect(b.statusCode).toBe(202);
  instants.b = gw.now().toISOString();
  await gw.settle();
});
afterAll(() => gw?.close());

const eventFields = 'type streamName revision recordedAt actor { clientId } correlationId';

describe('GraphQL audit API', () => {
  it('refuses clients without the auditor role, and requests without a key', async () => {
    const refused = await gql(
      '{ freezesInForce(at: "2026-12-01T10:00:00Z") { freezeId } }',
      {},
      writer,
    );
    expect(refused.status).toBe(403);
    const anonymous = await gw.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: '{ __typename }' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/problem\+json/);
  });

  it("lists a document's events, oldest first, page by page", async () => {
    const query = `query($after: String) { events(filter: { document: { type: purchaseOrder, key: ["ACME-US", "A-1"] } }, order: OLDEST_FIRST, first: 2, after: $after) {
      edges { cursor node { ${eventFields} } } pageInfo { hasNextPage endCursor } } }`;
    const first = await gql(query);
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data.events;
    expect(page1.edges.map((e: Answer) => e.node.type)).toEqual([
      'DocumentOwnershipAssigned',
      'PurchaseOrderSubmitted',
    ]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await gql(query, { after: page1.pageInfo.endCursor });
    const page2 = second.body.data.events;
    expect(page2.edges.map((e: Answer) => e.node.type)).toEqual(['PurchaseOrderChanged']);
    expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: page2.edges[0].cursor });
  });

  it('finds events by client, by correlation id, by type and in a time range, newest first', async () => {
    const byClient = await gql(
      `{ events(filter: { clientId: "supplier-portal" }) { edges { node { ${eventFields} } } } }`,
    );
    expect(
      byClient.body.data.events.edges.map((e: Answer) => [e.node.streamName, e.node.type]),
    ).toEqual([
      ['PurchaseOrder-ACME-US/B-1', 'PurchaseOrderSubmitted'],
      ['PurchaseOrder-ACME-US/B-1', 'DocumentOwnershipAssigned'],
    ]);
    const byCorrelation = await gql(
      `{ events(filter: { correlationId: "corr-A" }) { edges { node { type } } } }`,
    );
    expect(byCorrelation.body.data.events.edges.map((e: Answer) => e.node.type)).toEqual([
      'PurchaseOrderChanged',
      'PurchaseOrderSubmitted',
      'DocumentOwnershipAssigned',
    ]);
    const byType = await gql(
      `{ events(filter: { type: "RoutingRuleSetPublished" }, order: OLDEST_FIRST) { edges { node { data } } } }`,
    );
    expect(byType.body.data.events.edges.map((e: Answer) => e.node.data.version)).toEqual([1, 2]);
    const inRange = await gql(
      `query($from: DateTime, $to: DateTime) { events(filter: { from: $from, to: $to }, order: OLDEST_FIRST) { edges { node { type recordedAt } } } }`,
      { from: instants.changed, to: instants.v2 },
    );
    expect(inRange.body.data.events.edges.map((e: Answer) => e.node.type)).toEqual([
      'PurchaseOrderChanged',
      'ScopeFrozen',
    ]);
  });

  it('shows a document as of Answer instant: before it existed, before and after its change', async () => {
    const query = `query($at: DateTime) { document(ref: { type: purchaseOrder, key: ["ACME-US", "A-1"] }, asOf: $at) {
      revision status owner state events { edges { node { type } } } } }`;
    const before = await gql(query, { at: instants.beforeA });
    expect(before.body.data.document).toBeNull();
    const submitted = await gql(query, { at: instants.a });
    const line = (doc: Answer) =>
      doc.state.lines.find((l: Answer) => l.lineNumber === 10).quantity.value;
    expect(submitted.body.data.document).toMatchObject({
      revision: 1,
      status: 'open',
      owner: 'legacy',
    });
    expect(line(submitted.body.data.document)).toBe('500');
    expect(submitted.body.data.document.events.edges).toHaveLength(2);
    const changed = await gql(query, { at: instants.changed });
    expect(changed.body.data.document.revision).toBe(2);
    expect(line(changed.body.data.document)).toBe('800');
    expect(changed.body.data.document.state.changeCount).toBe(1);
  });

  it('tells the rule set and freezes in force on both sides of a rule flip, and who published it why', async () => {
    const query = `query($at: DateTime!) { ruleSetInForce(at: $at) { version name author reason publishedAt publishedBy ruleSet
      freezes { reason frozenBy scope } } }`;
    const early = await gql(query, { at: instants.changed });
    expect(early.body.data.ruleSetInForce).toMatchObject({
      version: 1,
      name: 'phase 0',
      author: 'ana',
      reason: 'go-live',
      freezes: [],
    });
    const frozen = await gql(query, { at: instants.frozen });
    expect(frozen.body.data.ruleSetInForce.freezes).toEqual([
      { reason: 'cutover rehearsal', frozenBy: 'ops-lead', scope: { companies: ['ACME-US'] } },
    ]);
    const late = await gql(query, { at: instants.b });
    expect(late.body.data.ruleSetInForce).toMatchObject({
      version: 2,
      name: 'phase 1',
      author: 'ben',
      reason: 'flip to cloud',
      freezes: [],
    });
    expect(late.body.data.ruleSetInForce.publishedAt).toBe(instants.v2);
    const none = await gql(query, { at: '2026-12-01T09:00:00Z' });
    expect(none.body.data.ruleSetInForce).toBeNull();
    // The documents on each side were routed by the set in force then.
    const owners =
      await gql(`{ a: document(ref: { type: purchaseOrder, key: ["ACME-US", "A-1"] }) { owner route }
      b: document(ref: { type: purchaseOrder, key: ["ACME-US", "B-1"] }) { owner route } }`);
    expect(owners.body.data.a).toMatchObject({ owner: 'legacy', route: { ruleSetVersion: 1 } });
    expect(owners.body.data.b).toMatchObject({ owner: 'cloud', route: { ruleSetVersion: 2 } });
  });

  it('counts the documents each ERP received per day and scope, either side of the flip', async () => {
    const result = await gql(
      '{ routingCoverage(from: "2026-12-01", to: "2026-12-01") { day documentType company site owner documents } }',
    );
    expect(result.body.data.routingCoverage).toEqual([
      {
        day: '2026-12-01',
        documentType: 'purchaseOrder',
        company: 'ACME-US',
        site: 'DAL1',
        owner: 'cloud',
        documents: 1,
      },
      {
        day: '2026-12-01',
        documentType: 'purchaseOrder',
        company: 'ACME-US',
        site: 'DAL1',
        owner: 'legacy',
        documents: 1,
      },
    ]);
    const none = await gql(
      '{ routingCoverage(from: "2026-12-02", to: "2026-12-31") { documents } }',
    );
    expect(none.body.data.routingCoverage).toEqual([]);
    const bad = await gql('{ routingCoverage(from: "December", to: "2026-12-31") { documents } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('says who did what: client, contract and version, command, idempotency key', async () => {
    const result = await gql(`{ events(filter: { type: "PurchaseOrderChanged" }) { edges { node {
      actor { clientId keyId } command { name contract contractVersion idempotencyKey commandId } route } } } }`);
    const [edge] = result.body.data.events.edges;
    expect(edge.node.actor.clientId).toBe('srm');
    expect(edge.node.command).toMatchObject({
      name: 'changePurchaseOrder',
      contractVersion: 'v1',
      idempotencyKey: 'change-A-1',
    });
    expect(edge.node.command.contract).toMatch(/purchase-order-change\.json$/);
    expect(edge.node.route).toMatchObject({ owner: 'legacy' });
  });

  it("reads the actor's key id from the event metadata", async () => {
    await gw.store.appendToStream(
      'PurchaseOrder-ACME-US/K-1',
      [
        {
          id: randomUUID(),
          type: 'PurchaseOrderCancelled',
          data: { company: 'ACME-US', poNumber: 'K-1', reason: 'key id test' },
          metadata: { clientId: 'srm', keyId: 'key-7f3a', correlationId: 'corr-key' },
        },
      ],
      { expectedRevision: 'any' },
    );
    await gw.settle();
    const result = await gql(
      '{ events(filter: { correlationId: "corr-key" }) { edges { node { actor { clientId keyId } } } } }',
    );
    expect(result.body.data.events.edges.map((edge: Answer) => edge.node.actor)).toEqual([
      { clientId: 'srm', keyId: 'key-7f3a' },
    ]);
  });

  it("shows a dual document's comparisons of its two ERPs' answers, with the diff, as of an instant", async () => {
    const side = (target: string, reference: string) => ({
      target,
      deliveryId: `${target}-d1`,
      outcome: 'delivered',
      reference,
      errorCode: null,
    });
    const comparison = (id: string, differences: JsonObject[], comparedAt: string) => ({
      comparisonId: id,
      documentStream: 'PurchaseOrder-ACME-US/A-1',
      documentType: 'purchaseOrder',
      documentKey: { company: 'ACME-US', poNumber: 'A-1' },
      company: 'ACME-US',
      commandEventId: randomUUID(),
      commandEventType: 'PurchaseOrderSubmitted',
      commandRevision: 1,
      primary: side('legacy', 'P00042'),
      shadow: side('cloud', '106001'),
      differences,
      comparedAt,
    });
    const before = gw.now();
    await gw.store.appendToStream(
      'DualWrite-PurchaseOrder-ACME-US/A-1',
      [
        {
          id: randomUUID(),
          type: 'DualWriteDiverged',
          data: comparison(
            'cmp-1',
            [{ path: '/taxAmount', primary: '20.13', shadow: '20.12' }],
            before.toISOString(),
          ),
          metadata: {},
        },
      ],
      { expectedRevision: 'any' },
    );
    const later = gw.advance(60_000);
    await gw.store.appendToStream(
      'DualWrite-PurchaseOrder-ACME-US/A-1',
      [
        {
          id: randomUUID(),
          type: 'DualWriteAgreed',
          data: comparison('cmp-2', [], later.toISOString()),
          metadata: {},
        },
      ],
      { expectedRevision: 'any' },
    );
    const query = `query($at: DateTime) { document(ref: { type: purchaseOrder, key: ["ACME-US", "A-1"] }, asOf: $at) {
      dualWrites { comparisonId agreed differences primary } } }`;
    const now = await gql(query);
    expect(now.body.data.document.dualWrites).toEqual([
      {
        comparisonId: 'cmp-1',
        agreed: false,
        differences: [{ path: '/taxAmount', primary: '20.13', shadow: '20.12' }],
        primary: side('legacy', 'P00042'),
      },
      { comparisonId: 'cmp-2', agreed: true, differences: [], primary: side('legacy', 'P00042') },
    ]);
    const then = await gql(query, { at: new Date(later.getTime() - 1).toISOString() });
    expect(
      then.body.data.document.dualWrites.map((c: { comparisonId: string }) => c.comparisonId),
    ).toEqual(['cmp-1']);
  });

  it('answers bad input with coded GraphQL errors, changing nothing', async () => {
    const badKey = await gql(
      '{ document(ref: { type: purchaseOrder, key: ["ACME-US"] }) { status } }',
    );
    expect(badKey.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badInstant = await gql('{ ruleSetInForce(at: "yesterday") { version } }');
    expect(badInstant.body.errors?.[0]?.message).toMatch(/ISO 8601/);
    const badPage = await gql('{ events(first: 0) { edges { cursor } } }');
    expect(badPage.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await gql('{ events(after: "nope") { edges { cursor } } }');
    expect(badCursor.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a too-deep, a too-costly and an over-aliased query, each with a code', async () => {
    // Inline fragments count as levels: nine of them reach depth 12 without introspection.
    const deep = await gql(
      `{ document(ref: { type: purchaseOrder, key: ["ACME-US", "A-1"] }) { ${'... on DocumentSnapshot { '.repeat(9)}status${' }'.repeat(9)} } }`,
    );
    expect(deep.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    const node = `edges { cursor node { eventId type streamName revision position recordedAt data metadata route correlationId
      actor { clientId keyId } command { name commandId contract contractVersion idempotencyKey receivedAt } } } pageInfo { hasNextPage endCursor }`;
    const costly = await gql(
      `{ ${Array.from({ length: 2 }, (_, i) => `d${i}: document(ref: { type: purchaseOrder, key: ["ACME-US", "A-1"] }) { state events(first: 100) { ${node} } }`).join(' ')} }`,
    );
    expect(costly.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
    const aliases = await gql(
      `{ ${Array.from({ length: 12 }, (_, i) => `f${i}: freezesInForce(at: "2026-12-01T10:00:00Z") { freezeId }`).join(' ')} }`,
    );
    expect(aliases.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');
  });
});
