/**
 * The CLI's answer when what stands at --url is not the gateway, or answers without a
 * problem body (a proxy's 502 page): the status and what was said, never "502 : ".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coexist } from '../support/process.js';

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(502, { 'content-type': 'text/html' });
    response.end('<html><body><h1>502 Bad Gateway</h1>\n<p>upstream timed out</p></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('coexist against something that is not the gateway', () => {
  it('says the status and what the answer said', async () => {
    const failure = (await coexist(['consumers', '--url', url, '--key', 'k']).catch(
      (error) => error,
    )) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/502 Bad Gateway/);
    expect(failure.stderr).toMatch(/upstream timed out/);
    expect(failure.stderr).not.toMatch(/<html>|<p>/);
  }, 60_000);

  it('says why it could not connect', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = (await coexist([
      'consumers',
      '--url',
      `http://127.0.0.1:${port}`,
      '--key',
      'k',
    ]).catch((error) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/Cannot reach the gateway at .*: .*ECONNREFUSED/);
  }, 60_000);

  it('refuses an expected version that is not a version, before asking anything', async () => {
    const failure = (await coexist([
      'rules',
      'publish',
      'routing-rules/phase-1-finance-first.yaml',
      '--reason',
      'CAB-1',
      '--expected-version',
      'abc',
      '--url',
      url,
      '--key',
      'k',
    ]).catch((error) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/--expected-version.*abc.*whole number/s);
  }, 60_000);
});
