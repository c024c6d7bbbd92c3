/**
 * `coexist consumers` keeps one line per consumer: an error that spans lines (a driver's
 * message with its stack) is shown on one line, shortened; --json carries it whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { coexist } from '../support/process.js';

const failure = `SQLITE_BUSY: database is locked\n    at Statement.run (node_modules/better-sqlite3/lib/methods/wrappers.js:9:14)\n${'    at checkpoint (src/adapters/consumerState/sqlite.ts:88:7)\n'.repeat(5)}`;

let gw: TestGateway;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  gw = await startTestGateway();
  gw.consumers.add({
    status: () => ({
      name: 'projection:documents',
      phase: 'retrying',
      position: 41n,
      caughtUp: false,
      owner: 'host:1',
      handled: 40,
      parked: 0,
      lastError: { message: failure, at: '2026-12-01T10:00:00.000Z', attempt: 2 },
    }),
  });
  const url = await gw.app.listen({ host: '127.0.0.1', port: 0 });
  env = { COEXIST_URL: url, COEXIST_API_KEY: (await gw.key('ops', ['operator'])).slice(7) };
});
afterAll(() => gw?.close());

describe('coexist consumers', () => {
  it('shows a multi-line error on its consumer’s line, shortened', async () => {
    const { stdout } = await coexist(['consumers'], env);
    const row = stdout.split('\n').find((line) => line.startsWith('projection:documents'));
    expect(row).toMatch(
      /retrying\s+41\s+\S+\s+40\s+0\s+host:1\s+2026-12-01T10:00:00 SQLITE_BUSY: database is locked at Statement\.run/,
    );
    expect(row).toMatch(/…$/);
    expect(stdout).not.toMatch(/^\s+at /m);
    const json = JSON.parse((await coexist(['consumers', '--json'], env)).stdout);
    const documents = json.consumers.find(
      (c: { name: string }) => c.name === 'projection:documents',
    );
    expect(documents.lastError.message).toBe(failure);
  }, 60_000);
});
