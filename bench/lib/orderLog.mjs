/**
 * The log the projections bench records: purchase orders (two events each, as the write path
 * records them, plus a cancellation on every tenth), a journal entry for every fifth order and
 * a delivery (requested, then delivered or, every 50th, dead-lettered) for every second one.
 */
import { randomUUID } from 'node:crypto';

export const companies = ['ACME-US', 'ACME-DE', 'ACME-MX', 'ACME-CN'];
export const suppliers = Array.from({ length: 200 }, (_, i) => `SUP-${i}`);
export const sites = ['DAL1', 'HOU1', 'MUC1', 'MTY1', 'SHA1'];
export const pick = (list, i) => list[i % list.length];
export const poNumber = (i) => `PO-${String(i).padStart(7, '0')}`;

export const orderEvents = (i) => {
  const company = pick(companies, i);
  const metadata = {
    clientId: pick(['srm', 'portal', 'edi'], i),
    correlationId: randomUUID(),
    contractVersion: 'v1',
    command: 'submitPurchaseOrder',
    route: { owner: i % 3 === 0 ? 'cloud' : 'legacy', ruleId: 'r', ruleSetVersion: 1 },
  };
  const lines = Array.from({ length: 3 }, (_, n) => ({
    lineNumber: (n + 1) * 10,
    item: `ITEM-${(i + n) % 5000}`,
    quantity: { value: String(10 + n), uom: 'EA' },
    unitPrice: '2.50',
  }));
  const result = [
    {
      id: randomUUID(),
      type: 'DocumentOwnershipAssigned',
      data: {
        document: { type: 'purchaseOrder', key: { company, poNumber: poNumber(i) } },
        owner: i % 3 === 0 ? 'cloud' : 'legacy',
        primary: i % 3 === 0 ? 'cloud' : 'legacy',
        basis: 'rule',
        ruleId: 'r',
        ruleSetVersion: 1,
        reason: 'bench',
      },
      metadata,
    },
    {
      id: randomUUID(),
      type: 'PurchaseOrderSubmitted',
      data: {
        company,
        poNumber: poNumber(i),
        supplier: pick(suppliers, i),
        site: pick(sites, i),
        orderDate: `2026-${String((i % 12) + 1).padStart(2, '0')}-15`,
        currency: 'USD',
        lines,
      },
      metadata,
    },
  ];
  if (i % 10 === 0) {
    result.push({
      id: randomUUID(),
      type: 'PurchaseOrderCancelled',
      data: { company, poNumber: poNumber(i), reason: 'bench' },
      metadata,
    });
  }
  const stream = `PurchaseOrder-${company}/${poNumber(i)}`;
  const appends = [{ stream, events: result }];
  if (i % 5 === 0) appends.push(journalEntry(i, company, metadata));
  if (i % 2 === 0) appends.push(delivery(i, stream, company));
  return appends;
};

/** A balanced journal entry of four lines in two currencies. */
const journalEntry = (i, company, metadata) => {
  const entryNumber = `JE-${String(i).padStart(7, '0')}`;
  const amount = `${(i % 997) + 1}.25`;
  const lines = [
    ['6410', 'USD', 'debit'],
    ['2150', 'USD', 'credit'],
    ['6420', 'EUR', 'debit'],
    ['2150', 'EUR', 'credit'],
  ].map(([account, currency, side], n) => ({
    lineNumber: n + 1,
    account: `${account}-${i % 20}`,
    currency,
    [side]: amount,
  }));
  return {
    stream: `JournalEntry-${company}/${entryNumber}`,
    events: [
      {
        id: randomUUID(),
        type: 'JournalEntrySubmitted',
        data: {
          company,
          entryNumber,
          postingDate: `2026-${String((i % 12) + 1).padStart(2, '0')}-28`,
          lines,
        },
        metadata: { ...metadata, command: 'submitJournalEntry' },
      },
    ],
  };
};

/** The order's delivery to its ERP: requested, then delivered (every 50th dead-lettered). */
const delivery = (i, documentStream, company) => {
  const target = i % 3 === 0 ? 'cloud' : 'legacy';
  const deliveryId = `${target}.cmd-${i}`;
  const attempt = {
    deliveryId,
    attempt: 1,
    startedAt: '2026-11-15T10:00:00.000Z',
    finishedAt: '2026-11-15T10:00:00.400Z',
    durationMs: 400,
  };
  const outcome =
    i % 50 === 0
      ? {
          type: 'DeliveryDeadLettered',
          data: {
            ...attempt,
            reason: 'permanent-error',
            error: { kind: 'permanent', code: 'erp-rejected', message: 'unknown supplier' },
            at: '2026-11-15T10:00:00.400Z',
          },
        }
      : { type: 'DeliverySucceeded', data: { ...attempt, reference: `PO/${i}`, record: 'r' } };
  return {
    stream: `Delivery-${target}:${documentStream}`,
    events: [
      {
        id: randomUUID(),
        type: 'DeliveryRequested',
        data: {
          deliveryId,
          target,
          role: 'primary',
          documentStream,
          documentType: 'purchaseOrder',
          documentKey: { company, poNumber: poNumber(i) },
          commandEventId: `cmd-${i}`,
          commandEventType: 'PurchaseOrderSubmitted',
          commandRevision: 1,
          commandPosition: String(i),
          action: 'create',
          parents: [],
          correlationId: null,
          commandId: null,
          requestedAt: '2026-11-15T10:00:00.000Z',
        },
        metadata: {},
      },
      { id: randomUUID(), ...outcome, metadata: {} },
    ],
  };
};
