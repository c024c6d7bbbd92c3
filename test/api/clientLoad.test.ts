/**
 * One client's large bodies cannot stall the gateway: requests beyond its in-flight budget are
 * refused at once (429, Retry-After) and health keeps answering. Real sockets: the defect is
 * about bodies arriving while other requests wait.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/config.js';
import { example, newKey, startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let base: string;
let writer: string;
beforeAll(async () => {
  gw = await startTestGateway();
  writer = await gw.key('bulk-loader', ['writer']);
  await gw.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`;
});
afterAll(() => gw.close());

/** A valid, balanced journal entry of about `bytes` bytes. */
const bigJournalEntry = (bytes: number): string => {
  const template = example('journal-entry');
  const line = (lineNumber: number, side: 'debit' | 'credit', amount: string) => ({
    lineNumber,
    account: '6410-100',
    currency: 'USD',
    [side]: amount,
    costCenter: 'CC-DAL-LOG',
    description: 'x'.repeat(200),
  });
  const lineSize = JSON.stringify(line(1000, 'debit', '1.00')).length + 1;
  const count = Math.max(2, Math.floor(bytes / lineSize));
  const lines = Array.from({ length: count - 1 }, (_, i) => line(i + 1, 'debit', '1.00'));
  lines.push(line(count, 'credit', `${count - 1}.00`));
  return JSON.stringify({ ...template, entryNumber: '__ENTRY__', lines });
};

/**
 * A client in its own process, so that the gateway's event loop serves and does nothing else:
 * reads one body from stdin, posts it `count` times at once (each with its own entry number),
 * and prints one JSON line per answer with the time it arrived.
 */
const floodClient = `
const [url, authorization, count] = process.argv.slice(1);
let body = '';
for await (const chunk of process.stdin) body += chunk;
console.log(JSON.stringify({ sending: Date.now() }));
await Promise.all(Array.from({ length: Number(count) }, async (_, i) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'idempotency-key': 'flood-' + process.pid + '-' + i, 'content-type': 'application/json' },
    body: body.replace('__ENTRY__', 'FLOOD-' + process.pid + '-' + i),
  });
  const text = await response.text();
  console.log(JSON.stringify({ i, status: response.status, retryAfter: response.headers.get('retry-after'), text, at: Date.now() }));
}));
`;

interface FloodAnswer {
  i: number;
  status: number;
  retryAfter: string | null;
  text: string;
  at: number;
}

const flood = (count: number, body: string) => {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', floodClient, `${base}/v1/journal-entries`, writer, String(count)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  child.stdin.end(body);
  const lines = createInterface({ input: child.stdout });
  let onFirstAnswer: () => void = () => {};
  const firstAnswer = new Promise<void>((resolve) => {
    onFirstAnswer = resolve;
  });
  const answers: FloodAnswer[] = [];
  const done = new Promise<FloodAnswer[]>((resolve, reject) => {
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as FloodAnswer & { sending?: number };
      if (parsed.sending) return;
      answers.push(parsed);
      onFirstAnswer();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(answers) : reject(new Error(`flood client exited ${code}`)),
    );
  });
  return { firstAnswer, done };
};

describe('per-client load', () => {
  it('answers health while one client floods large journal entries, and refuses the excess with 429', async () => {
    const { firstAnswer, done } = flood(100, bigJournalEntry(900_000));
    // Ask once the gateway is answering the flood, i.e. while it validates and stores entries.
    await firstAnswer;
    const sentAt = Date.now();
    const health = await fetch(`${base}/health/live`);
    const healthAt = Date.now();

    expect(health.status).toBe(200);

    const results = await done;
    expect(results.length).toBe(100);
    // Health was asked while the flood was running, and answered.
    expect(results.some((r) => r.at > sentAt)).toBe(true);
    expect(healthAt).toBeGreaterThanOrEqual(sentAt);
    const statuses = results.map((r) => r.status);
    expect(
      statuses.every((s) => s === 202 || s === 429),
      statuses.join(','),
    ).toBe(true);
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
    // The excess was refused at once, with a problem that says when to retry.
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      expect(JSON.parse(r.text)).toMatchObject({ status: 429, code: 'client-busy' });
    }
    // Every accepted entry, and only those, was recorded.
    const recorded = (await gw.allEvents()).filter((e) => e.type === 'JournalEntrySubmitted');
    expect(recorded.length).toBe(accepted.length);

    // The budget is given back: once the flood is over, the same client is served again.
    const again = await fetch(`${base}/v1/journal-entries`, {
      method: 'POST',
      headers: {
        authorization: writer,
        'idempotency-key': newKey(),
        'content-type': 'application/json',
      },
      body: bigJournalEntry(900_000).replace('__ENTRY__', newKey().slice(-30)),
    });
    expect(again.status, await again.text()).toBe(202);
  }, 120_000);

  it('does not limit many small concurrent requests from one client', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await fetch(`${base}/v1/purchase-orders`, {
          method: 'POST',
          headers: {
            authorization: writer,
            'idempotency-key': newKey(),
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            ...example('purchase-order-submit'),
            poNumber: newKey().slice(-30),
          }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(
      statuses.every((s) => s === 202),
      statuses.join(','),
    ).toBe(true);
  });

  it('has a per-client in-flight budget in the configuration', () => {
    const { limits } = resolveConfig({});
    expect(limits.clientInFlightBytes).toBeGreaterThan(0);
    expect(limits.clientInFlightRequests).toBeGreaterThan(0);
  });
});
