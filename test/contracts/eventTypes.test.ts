/**
 * The TypeScript types of event data are generated from the event schemas in contracts/events,
 * so the deciders cannot drift from the contracts. After changing a schema, regenerate with
 * `npx vitest run test/contracts/eventTypes.test.ts --update` and commit the result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/catalog.js';
import { eventSchemaId, type StoredEvent } from '../../src/domain/events/registry.js';
import { foldPurchaseOrder } from '../../src/domain/purchaseOrder/purchaseOrder.js';
import { createAjv, loadContracts } from '../../src/http/contracts.js';
import { typedEvents } from './typedEvents.js';

const contracts = fileURLToPath(new URL('../../contracts/', import.meta.url));
const base = 'https://coexist.dev/contracts/';
const generatedFile = '../../src/domain/events/schemaTypes.generated.ts';

/** Keywords that only say which of the declared properties may or must appear together. */
const refinements = new Set([
  'anyOf',
  'oneOf',
  'allOf',
  'if',
  'then',
  'else',
  'not',
  'propertyNames',
]);
const documentation = new Set(['description', 'examples', '$schema']);

const pascal = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, _dash, c: string) => c.toUpperCase());

/** Shared objects and enumerations become named types (`Quantity`, `Currency`); scalars stay inline. */
const isNamedType = (schema: unknown): boolean => {
  const { type, enum: values } = schema as { type?: unknown; enum?: unknown };
  return type === 'object' || values !== undefined;
};

/**
 * A schema as the generator should see it: refinements dropped (the types are the schema's
 * shape; Ajv checks the rest at the boundary), documentation dropped (the schema is the
 * documentation), and a name for each shared definition (versioned for events: `ExceptionV2`).
 */
const prepare = (node: unknown, versionSuffix: string): unknown => {
  if (Array.isArray(node)) return node.map((child) => prepare(child, versionSuffix));
  if (node === null || typeof node !== 'object') return node;
  const schema = node as Record<string, unknown>;
  if (typeof schema.$ref === 'string') return { $ref: schema.$ref };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (refinements.has(key) || documentation.has(key)) continue;
    if (key === 'properties' || key === '$defs') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, child]) => [
          name,
          key === '$defs' && (versionSuffix || isNamedType(child))
            ? {
                title: `${pascal(name)}${versionSuffix}`,
                ...(prepare(child, versionSuffix) as object),
              }
            : prepare(child, versionSuffix),
        ]),
      );
    } else {
      out[key] = prepare(value, versionSuffix);
    }
  }
  return out;
};

/** `events/v2/common.json` definitions are versioned (`ExceptionV2`); http definitions are not. */
const read = (path: string): unknown => {
  const file = JSON.parse(readFileSync(`${contracts}${path}`, 'utf8')) as Record<string, unknown>;
  const version = /^events\/(v\d+)\//.exec(path)?.[1];
  const prepared = prepare(file, version ? version.toUpperCase() : '') as Record<string, unknown>;
  if (version && typeof file.title === 'string' && !path.endsWith('common.json')) {
    prepared.title = `${file.title}${version.toUpperCase()}`;
  }
  return prepared;
};

const eventSchemas = readdirSync(`${contracts}events`)
  .sort()
  .flatMap((version) =>
    readdirSync(`${contracts}events/${version}`)
      .filter((file) => typedEvents.has(file.replace(/\.json$/, '')))
      .sort()
      .map((file) => `events/${version}/${file}`),
  );

const generate = async (): Promise<string> => {
  const root = {
    title: 'EventSchemas',
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(eventSchemas.map((path) => [path, { $ref: `${base}${path}` }])),
  };
  const types = await compile(root as JSONSchema, 'EventSchemas', {
    bannerComment: [
      '/**',
      ' * GENERATED from contracts/events by test/contracts/eventTypes.test.ts: do not edit.',
      ' * Regenerate with `npx vitest run test/contracts/eventTypes.test.ts --update`.',
      ' * The shapes of the schemas; combinators (oneOf, if/then, …) are checked by Ajv, not here.',
      ' */',
    ].join('\n'),
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    style: { singleQuote: true, printWidth: 100, trailingComma: 'all', semi: true },
    $refOptions: {
      resolve: {
        http: false,
        file: false,
        contracts: {
          order: 1,
          canRead: (file: { url: string }) => file.url.startsWith(base),
          read: (file: { url: string }) =>
            JSON.stringify(read(file.url.slice(base.length).replace(/#.*$/, ''))),
        },
      },
    },
  });
  // The root only ties the schemas together; the domain uses the types it names.
  return types.replace(/export interface EventSchemas \{[^}]*\}\n/, '');
};

describe('event data types', () => {
  it('are the ones generated from the event schemas', async () => {
    expect(eventSchemas).toContain('events/v2/goods-receipt-recorded.json');
    await expect(await generate()).toMatchFileSnapshot(generatedFile);
  });
});

describe('events the deciders write', () => {
  const contractSchemas = loadContracts();
  const ajv = createAjv(contractSchemas.values());
  const example = (name: string, index = 0) =>
    structuredClone(contractSchemas.get(`${base}http/v1/${name}.json`)?.examples?.[index]) as {
      [field: string]: unknown;
      lines: { [field: string]: unknown }[];
    };
  const invalid = (event: StoredEvent) => {
    const validate = ajv.getSchema(eventSchemaId(event));
    if (!validate) return `no schema ${eventSchemaId(event)}`;
    return validate(event.data) ? null : { type: event.type, errors: validate.errors };
  };

  it('follow their schemas, at the version each records (contract examples, with exceptions)', () => {
    const order = example('purchase-order-submit');
    const key = { company: String(order.company), poNumber: String(order.poNumber) };
    const [submitted] = commands.submitPurchaseOrder.decide({
      key,
      body: order,
      state: null,
      parents: new Map(),
    });
    const po = foldPurchaseOrder(submitted ? [submitted] : []);
    const events = [
      submitted,
      ...(
        [
          ['changePurchaseOrder', 'purchase-order-change'],
          ['cancelPurchaseOrder', 'purchase-order-cancellation'],
          ['acknowledgePurchaseOrder', 'purchase-order-acknowledgement'],
        ] as const
      ).flatMap(([name, contract]) =>
        commands[name].decide({ key, body: example(contract), state: po, parents: new Map() }),
      ),
      ...commands.submitJournalEntry.decide({
        key: {},
        body: example('journal-entry'),
        state: null,
        parents: new Map(),
      }),
    ];
    const children = [
      ['submitShipmentNotice', 'shipment-notice'],
      ['recordGoodsReceipt', 'goods-receipt'],
      ['submitSupplierInvoice', 'supplier-invoice'],
    ] as const;
    for (const [name, contract] of children) {
      const body = example(contract);
      const parents = new Map([[key.poNumber, po]]);
      events.push(...commands[name].decide({ key: {}, body, state: null, parents }));
      // And with exceptions: another supplier's order, and an order the gateway has not seen.
      const flagged = { ...body, supplier: 'SUP-OTHER' };
      const lines = body.lines.map((line, i) => (i === 0 ? line : { ...line, poNumber: 'PO-404' }));
      const withExceptions = commands[name].decide({
        key: {},
        body: { ...flagged, lines },
        state: null,
        parents: new Map([...parents, ['PO-404', null]]),
      });
      expect(withExceptions[0]?.data).toMatchObject({
        exceptions: expect.arrayContaining([expect.objectContaining({ severity: 'blocking' })]),
      });
      events.push(...withExceptions);
    }
    expect(events.map((event) => event?.type)).toEqual([
      'PurchaseOrderSubmitted',
      'PurchaseOrderChanged',
      'PurchaseOrderCancelled',
      'PurchaseOrderAcknowledged',
      'JournalEntrySubmitted',
      'ShipmentNoticeSubmitted',
      'ShipmentNoticeSubmitted',
      'GoodsReceiptRecorded',
      'GoodsReceiptRecorded',
      'SupplierInvoiceReceived',
      'SupplierInvoiceReceived',
    ]);
    expect(events.flatMap((event) => (event ? [invalid(event)] : ['missing']))).toEqual(
      events.map(() => null),
    );
  });
});
