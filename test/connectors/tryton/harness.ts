/**
 * Shared set-up of the Tryton connector tests: a private Tryton (see sandbox.ts), a connector
 * and a JSON-RPC client on it, the crosswalk, and helpers that read Tryton's records back.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { TrytonConnector } from '../../../src/adapters/connectors/tryton/connector.js';
import type { CrosswalkData } from '../../../src/adapters/connectors/tryton/crosswalk.js';
import { TrytonRpc } from '../../../src/adapters/connectors/tryton/rpc.js';
import type { ErpDelivery } from '../../../src/ports/erpConnector.js';
import type { purchaseOrderState } from '../fixtures.js';
import { type PrivateTryton, startPrivateTryton } from './sandbox.js';

/** Registers beforeAll/afterAll in the calling describe and returns what the tests use. */
export const useTrytonHarness = () => {
  let tryton: PrivateTryton;
  let connector: TrytonConnector;
  let rpc: TrytonRpc;
  let ctx: Record<string, unknown>;
  let cw: CrosswalkData;

  const search = (model: string, domain: unknown[]) =>
    rpc.model<number[]>(model, 'search', [domain, 0, null, null], ctx);
  const read = async <T = Record<string, unknown>>(model: string, id: number, fields: string[]) =>
    (await rpc.model<T[]>(model, 'read', [[id], fields], ctx))[0] as T;
  const delivered = async (delivery: ErpDelivery) => {
    const result = await connector.deliver(delivery);
    if (!result.ok) throw new Error(`delivery failed: ${JSON.stringify(result.error)}`);
    return result.acknowledgement;
  };
  const purchaseOf = async (poNumber: string) => {
    const ids = await search('purchase.purchase', [['reference', '=', poNumber]]);
    expect(ids).toHaveLength(1);
    return read<{ id: number; number: string; state: string; lines: number[] }>(
      'purchase.purchase',
      ids[0] as number,
      [
        'number',
        'state',
        'lines',
        'shipment_state',
        'invoices',
        'party',
        'warehouse',
        'currency',
        'purchase_date',
        'invoice_method',
      ],
    );
  };
  const linesOf = (ids: number[]) =>
    rpc.model<Array<Record<string, unknown>>>(
      'purchase.line',
      'read',
      [
        ids,
        ['sequence', 'product', 'quantity', 'unit', 'unit_price', 'description', 'taxes', 'moves'],
      ],
      ctx,
    );

  /** The create step alone, as a crashed delivery leaves it: a draft purchase with the reference. */
  const createDraftOnly = async (po: ReturnType<typeof purchaseOrderState>) => {
    const supplier = cw.suppliers['SUP-10023'] as { party: number; address: number };
    await rpc.model(
      'purchase.purchase',
      'create',
      [
        [
          {
            party: supplier.party,
            invoice_address: supplier.address,
            currency: cw.currencies.USD,
            warehouse: cw.sites.DAL1?.warehouse,
            reference: po.poNumber,
            invoice_method: 'manual',
            purchase_date: { __class__: 'date', year: 2026, month: 11, day: 2 },
            lines: [
              [
                'create',
                po.lines.map((l) => ({
                  type: 'line',
                  sequence: l.lineNumber,
                  product: cw.items[l.item],
                  quantity: Number(l.quantity.value),
                  unit: cw.units[l.quantity.uom],
                  unit_price: { __class__: 'Decimal', decimal: l.unitPrice },
                  description: l.description,
                })),
              ],
            ],
          },
        ],
      ],
      ctx,
    );
  };

  beforeAll(async () => {
    tryton = await startPrivateTryton();
    connector = new TrytonConnector(tryton.config);
    rpc = new TrytonRpc(tryton.config);
    ctx = await rpc.context(1);
    cw = JSON.parse(readFileSync(tryton.config.crosswalkFile, 'utf8')) as CrosswalkData;
  }, 60_000);

  afterAll(async () => {
    await connector?.close();
    await rpc?.close();
    await tryton?.stop();
  });

  return {
    get connector() {
      return connector;
    },
    get rpc() {
      return rpc;
    },
    get ctx() {
      return ctx;
    },
    get cw() {
      return cw;
    },
    search,
    read,
    delivered,
    purchaseOf,
    linesOf,
    createDraftOnly,
  };
};
