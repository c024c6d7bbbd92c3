/**
 * A purchase order migrated to the cloud ERP (docs/migration.md), delivered by the REST
 * connector with the Business Central profile to the cloud-ERP sandbox and read back there:
 * BC is asked only for what is still to receive (a line the old owner received in full is not
 * re-opened, so nothing is received or paid twice), and each line's history is a comment line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestConnector } from '../../../src/adapters/connectors/rest/connector.js';
import { migratedState, type OwnershipChange } from '../../../src/migration/deliveries.js';
import { type SandboxProcess, startSandboxProcess } from '../../sandbox/cloudErpProcess.js';
import { purchaseOrderState, submitPo } from '../fixtures.js';

const qty = (value: string) => ({ value, uom: 'EA' });
const change: OwnershipChange = {
  route: { owner: 'cloud', primary: 'cloud' },
  previous: { owner: 'legacy', primary: 'legacy' },
  migrationId: 'm-1',
  by: 'architect-jo',
  reason: 'CAB-2291',
  oldOwnerPolicy: 'cancel-remainder',
  carriedOver: [
    { lineNumber: 10, ordered: qty('500'), received: qty('400'), invoiced: qty('300') },
    { lineNumber: 20, ordered: qty('240'), received: qty('0'), invoiced: qty('0') },
    {
      lineNumber: 30,
      ordered: { value: '12', uom: 'CAN' },
      received: { value: '12', uom: 'CAN' },
      invoiced: { value: '12', uom: 'CAN' },
    },
  ],
};

describe('REST connector with the Business Central profile, a migrated purchase order', () => {
  let sandbox: SandboxProcess;
  let connector: RestConnector;
  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    connector = new RestConnector(sandbox.connectorConfig());
  }, 60_000);
  afterAll(async () => {
    await connector?.close();
    await sandbox?.stop();
  });

  it('holds each line with its open quantity, no line received in full, and the history as comments', async () => {
    const po = purchaseOrderState();
    expect(po.lines.map((l) => [l.lineNumber, l.quantity.value])).toEqual([
      [10, '500'],
      [20, '240'],
      [30, '12'],
    ]);
    const result = await connector.deliver(submitPo(migratedState(po, change, 'submit')));
    expect(result.ok).toBe(true);
    const held = (await sandbox.inspect()).documents.purchaseOrders.find(
      (order) => order.number === po.poNumber,
    );
    const lines = (held?.purchaseOrderLines ?? []).map((line) =>
      line.lineType === 'Comment'
        ? [line.sequence, line.description]
        : [line.sequence, line.lineObjectNumber, line.quantity],
    );
    expect(lines).toEqual([
      [10, '70000', 100],
      [20, '70001', 240],
      [100010, 'Line 10 before migration: ordered 500 EA, received 400, invoiced 300'],
      [100020, 'Line 20 before migration: ordered 240 EA, received 0, invoiced 0'],
      [100030, 'Line 30 before migration: ordered 12 CAN, received 12, invoiced 12'],
    ]);
    if (!result.ok) return;
    // The acknowledgement's lines are the order's items (what dual-write compares).
    expect(
      Object.keys(result.acknowledgement.details ?? {}).filter((k) => k.endsWith('.quantity')),
    ).toEqual(['lines.10.quantity', 'lines.20.quantity']);

    // Delivered again (a retry): nothing changes.
    expect((await connector.deliver(submitPo(migratedState(po, change, 'submit')))).ok).toBe(true);
    const again = (await sandbox.inspect()).documents.purchaseOrders.find(
      (order) => order.number === po.poNumber,
    );
    expect(again?.purchaseOrderLines?.length).toBe(5);
  }, 60_000);
});
