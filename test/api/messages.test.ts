/** Contract violations are reported in words a person can act on, not as schema internals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemViolation } from '../../src/http/problem.js';
import { example, json, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let writer: string;
let architect: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('messages-writer', ['writer']);
  architect = await gw.key('messages-architect', ['architect']);
});
afterAll(() => gw.close());

const violations = async (url: string, payload: unknown, authorization = writer) => {
  const response = await gw.app.inject({
    method: 'POST',
    url,
    headers: { authorization, 'idempotency-key': newKey() },
    payload: payload as object,
  });
  expect(response.statusCode, response.body).toBe(400);
  return json<{ errors: ProblemViolation[] }>(response).errors;
};

/** Words that mean the client was shown schema internals. */
const internals = /must match pattern|oneOf|anyOf|must NOT be valid|allowed values|\^|\$defs/;

const expectReadable = (errors: ProblemViolation[]) => {
  for (const error of errors) expect(error.detail).not.toMatch(internals);
};

describe('violation messages', () => {
  it('describes a malformed decimal by example, not by regex', async () => {
    const po = example('purchase-order-submit');
    const lines = po.lines as Array<Record<string, unknown>>;
    (lines[0] as Record<string, unknown>).unitPrice = '1,84';
    (lines[0] as Record<string, unknown>).quantity = { value: 5, uom: 'EA' };
    const errors = await violations('/v1/purchase-orders', { ...po, currency: 'usd' });
    expectReadable(errors);
    const byPointer = Object.fromEntries(errors.map((e) => [e.pointer, e.detail]));
    expect(byPointer['/lines/0/unitPrice']).toMatch(/decimal string .*such as "1\.84"/);
    expect(byPointer['/lines/0/quantity/value']).toMatch(/decimal string/);
    expect(byPointer['/lines/0/quantity/value']).toMatch(/not a JSON number/);
    expect(byPointer['/currency']).toMatch(/ISO 4217 currency code.*did you mean "USD"\?/);
  });

  it('names the conflicting fields of a journal line with both debit and credit', async () => {
    const entry = example('journal-entry');
    const lines = entry.lines as Array<Record<string, unknown>>;
    (lines[0] as Record<string, unknown>).credit = '5.00';
    const errors = await violations('/v1/journal-entries', entry);
    expectReadable(errors);
    expect(errors).toEqual([
      expect.objectContaining({
        pointer: '/lines/0',
        detail: expect.stringMatching(/has both debit and credit.*exactly one/),
      }),
    ]);
  });

  it('says a journal line needs a debit or a credit when it has neither', async () => {
    const entry = example('journal-entry');
    const lines = entry.lines as Array<Record<string, unknown>>;
    delete (lines[1] as Record<string, unknown>).debit;
    const errors = await violations('/v1/journal-entries', entry);
    expectReadable(errors);
    expect(errors).toEqual([
      expect.objectContaining({
        pointer: '/lines/1',
        detail: expect.stringMatching(/exactly one of debit, credit/),
      }),
    ]);
  });

  it('says what an empty change must contain, once', async () => {
    const errors = await violations('/v1/purchase-orders/ACME-US/4500012345/changes', {
      changeReason: 'nothing really',
    });
    expectReadable(errors);
    expect(errors).toEqual([
      expect.objectContaining({
        pointer: '',
        detail: 'A change must change at least one of requestedDeliveryDate, shipTo, notes, lines.',
      }),
    ]);
  });

  it('lists the allowed values of an enumeration', async () => {
    const errors = await violations('/v1/purchase-orders/ACME-US/4500012345/changes', {
      lines: [{ lineNumber: 10, action: 'delete' }],
    });
    expectReadable(errors);
    expect(errors.map((e) => e.detail)).toContain(
      'action must be one of "add", "update", "cancel".',
    );
  });

  it('lists the allowed values in rule-set validation', async () => {
    const response = await gw.app.inject({
      method: 'POST',
      url: '/v1/admin/routing-rules/validation',
      headers: { authorization: architect },
      payload: {
        ruleSet: {
          name: 'bad',
          rules: [
            { id: 'r1', match: { documentTypes: ['widget'] }, target: 'mainframe' },
            { id: 'default', match: {}, target: 'legacy' },
          ],
        },
      },
    });
    expect(response.statusCode).toBe(200);
    const { violations: found } = json<{ violations: Array<{ message: string }> }>(response);
    const messages = found.map((v) => v.message);
    for (const message of messages) expect(message).not.toMatch(internals);
    expect(messages.join('\n')).toMatch(/documentTypes\[0\] must be one of "purchaseOrder"/);
    // The list is a list: its item is at fault, not its type.
    expect(messages.join('\n')).not.toMatch(/documentTypes must be/);
    expect(messages.join('\n')).toMatch(
      /target must be "legacy", "cloud", or an object with dual\./,
    );
  });
});
