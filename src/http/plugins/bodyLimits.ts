/**
 * Body limits per document route. Each is the size of the largest document its contract
 * allows (every field at its longest in ASCII, every list at its maximum length; for lots and
 * serials, 10 lots and 100 serials a line), rounded up with room for text in scripts that take
 * two or three bytes a character. test/api/bodyLimits.test.ts builds those documents and checks
 * that they fit. Routes without an entry (administration) use `limits.bodyLimitBytes`.
 */
import type { RouteOptions } from 'fastify';

const MiB = 1_048_576;
const contract = (name: string) => `https://coexist.dev/contracts/http/v1/${name}.json`;

/** By request contract `$id`; largest document measured in the comment. */
export const documentBodyLimits: Readonly<Record<string, number>> = {
  [contract('purchase-order-submit')]: 1 * MiB, // 999 lines: 0.57 MB
  [contract('purchase-order-change')]: 4 * MiB, // 999 lines with 2,000-character reasons: 2.6 MB
  [contract('purchase-order-cancellation')]: 64 * 1024, // 2 KB
  [contract('purchase-order-acknowledgement')]: 4 * MiB, // 999 lines with notes: 2.2 MB
  [contract('shipment-notice')]: 12 * MiB, // 999 lines, 10 lots and 100 serials each: 7.3 MB
  [contract('goods-receipt')]: 12 * MiB, // 999 lines, 10 lots and 100 serials each: 7.4 MB
  [contract('supplier-invoice')]: 1 * MiB, // 999 lines, 99 taxes, 99 charges: 0.58 MB
  [contract('journal-entry')]: 8 * MiB, // 9,999 lines: 5.6 MB
};

/** An `onRoute` hook: gives a document route the body limit of its contract. */
export const applyDocumentBodyLimit = (route: RouteOptions): void => {
  const body = (route.schema as { body?: { $ref?: string } } | undefined)?.body;
  const limit = body?.$ref ? documentBodyLimits[body.$ref.replace(/#$/, '')] : undefined;
  if (limit !== undefined && route.bodyLimit === undefined) route.bodyLimit = limit;
};
