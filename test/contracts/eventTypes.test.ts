/**
 * The TypeScript types of event data are generated from the event schemas in contracts/events,
 * so the deciders cannot drift from the contracts. After changing a schema, regenerate with
 * `npx vitest run test/contracts/eventTypes.test.ts --update` and commit the result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { describe, expect, it } from 'vitest';

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
      .filter((file) => file !== 'common.json' && file !== 'metadata.json')
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
