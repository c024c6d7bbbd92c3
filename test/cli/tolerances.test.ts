/**
 * `coexist tolerances set` at its edges: setting nothing is refused, every bad limit is named
 * at once, and values the scope already has record no new version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startToleranceGateway, type ToleranceGateway } from '../http/toleranceGateway.js';
import { coexist } from '../support/process.js';

let gw: ToleranceGateway;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  gw = await startToleranceGateway();
  env = { COEXIST_URL: gw.url, COEXIST_API_KEY: gw.operatorKey };
});
afterAll(() => gw?.close());

const set = (...args: string[]) =>
  coexist(['tolerances', 'set', '--company', 'ACME-US', ...args], env);
const refusal = (...args: string[]) =>
  set(...args).then(
    () => {
      throw new Error(`tolerances set ${args.join(' ')} succeeded`);
    },
    (error: { code: number; stderr: string }) => error,
  );
const versions = async () => {
  await gw.tolerances.refresh();
  return gw.tolerances.list().length;
};

describe('coexist tolerances set', () => {
  it('refuses to set nothing, naming the limits it takes, and records nothing', async () => {
    const refused = await refusal('--reason', 'Nothing really');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/at least one limit/);
    expect(refused.stderr).toMatch(/--price-upper.*--quantity-lower/);
    expect(await versions()).toBe(0);
  }, 60_000);

  it('names every bad limit at once', async () => {
    const refused = await refusal(
      '--price-upper',
      '-1',
      '--quantity-lower',
      'abc',
      '--price-amount-upper',
      '0.05',
      '--reason',
      'Two typos',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--price-upper must be a non-negative decimal.*"-1"/);
    expect(refused.stderr).toMatch(/--quantity-lower must be a non-negative decimal.*"abc"/);
    expect(refused.stderr).not.toMatch(/--price-amount-upper/);
    expect(await versions()).toBe(0);
  }, 60_000);

  it('says so, and records nothing, when the company already has those values', async () => {
    const first = await set('--price-upper', '3', '--reason', 'AP policy');
    expect(first.stdout).toMatch(/Tolerances version 1 recorded for ACME-US/);
    const again = await set('--price-upper', '3.0', '--reason', 'AP policy again');
    expect(again.stdout).toMatch(/Unchanged: version 1 already sets these tolerances for ACME-US/);
    expect(await versions()).toBe(1);
  }, 60_000);
});
