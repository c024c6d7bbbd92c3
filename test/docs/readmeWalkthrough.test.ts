/**
 * A newcomer's first five minutes, run for real: the README's walkthrough (its `sh` blocks
 * marked `<!-- walkthrough -->`, literally, in order, with curl and the coexist CLI) against a
 * fresh gateway process, then every request example of the OpenAPI document in order, as
 * *Try it out* in /docs sends them. Nothing may be refused, and no shipment notice, receipt or
 * invoice may come back with an exception.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, root, startGatewayProcess } from '../support/process.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const documentedUrl = 'http://127.0.0.1:8080';

/** The README's `sh` blocks marked as the walkthrough, in order. */
const walkthrough = [...readme.matchAll(/<!-- walkthrough[^>]*-->\s*```sh\n([\s\S]*?)```/g)].map(
  (match) => match[1] as string,
);

/**
 * Runs the blocks as one bash script (so `export` carries over, as in a terminal). curl is
 * wrapped to report each answer with its status on one line; `npx coexist` runs the CLI from
 * source, as the built `coexist` would.
 */
const runWalkthrough = async (url: string) => {
  const script = [
    'set -euo pipefail',
    `curl() { local out; out=$(command curl -sS -w '\\n%{http_code}' "$@"); printf '@@curl %s\\n' "$(printf '%s' "$out" | base64 | tr -d '\\n')"; }`,
    'npx() { if [ "$1" = coexist ]; then shift; node --import tsx src/cli/main.ts "$@"; else command npx "$@"; fi; }',
    ...walkthrough.map((block) => block.replaceAll(documentedUrl, url)),
  ].join('\n');
  const { stdout } = await promisify(execFile)('bash', ['-c', script], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const answers = [...stdout.matchAll(/^@@curl (\S*)$/gm)].map((match) => {
    const text = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const newline = text.lastIndexOf('\n');
    return { status: Number(text.slice(newline + 1)), body: JSON.parse(text.slice(0, newline)) };
  });
  return { answers, output: stdout.replace(/^@@curl .*\n/gm, '') };
};

interface Operation {
  responses?: Record<string, unknown>;
  parameters?: Array<{ in: string; name: string; example?: string }>;
  requestBody?: {
    content: Record<
      string,
      { schema: { $ref?: string; examples?: unknown[] }; example?: unknown; examples?: object }
    >;
  };
}

/**
 * Each document command's request examples with their URLs, in the document's order: the POST
 * operations answered 202 (an operator's decision on a recorded document is not one).
 */
const requestExamples = (doc: { paths: Record<string, Record<string, Operation>> }) => {
  const resolve = (ref: string): { examples?: unknown[] } =>
    ref
      .slice(2)
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<Record<string, unknown>>(
        (node, part) => node[part] as Record<string, unknown>,
        doc as unknown as Record<string, unknown>,
      );
  return Object.entries(doc.paths).flatMap(([path, operations]) => {
    const operation = operations.post;
    const media = operation?.requestBody?.content['application/json'];
    if (!operation || !media || !operation.responses?.['202']) return [];
    const examples =
      media.example !== undefined
        ? [media.example]
        : media.examples
          ? Object.values(media.examples).map((e: { value: unknown }) => e.value)
          : ((media.schema.$ref ? resolve(media.schema.$ref) : media.schema).examples ?? []);
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
      return encodeURIComponent(parameter?.example ?? `{no example for ${name}}`);
    });
    return [{ path, url, examples }];
  });
};

const dataDir = mkdtempSync(join(tmpdir(), 'coexist-readme-'));
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGatewayProcess(dataDir);
}, 60_000);

afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a newcomer following the README, then /docs', () => {
  it('sees every README step succeed, and the rule-set publish change the next route', async () => {
    expect(walkthrough.length).toBeGreaterThanOrEqual(3);
    const { answers, output } = await runWalkthrough(gateway.url);
    expect(answers.map((a) => a.status)).toEqual([202, 200, 202]);
    const [first, read, afterPublish] = answers.map((a) => a.body);
    // As the README says: phase 0 routes the first order to legacy...
    expect(first.route).toMatchObject({ owner: 'legacy', ruleId: 'default-legacy' });
    expect(read).toMatchObject({ status: 'open', route: { owner: 'legacy' } });
    // ...diff, simulate and publish say what they compare and do...
    expect(output).toMatch(/Against version 1, the rule set in force now:/);
    expect(output).toMatch(/1 would be owned differently/);
    expect(output).toMatch(/Published as version 2, in force from .*: new documents are routed/);
    // ...and the next Dallas order is written to both ERPs.
    expect(afterPublish.route).toMatchObject({
      owner: 'dual',
      primary: 'legacy',
      shadow: 'cloud',
      ruleId: 'dal1-purchasing-dual',
      ruleSetVersion: 2,
    });
  }, 180_000);

  it('then sees every OpenAPI request example accepted, in order, with no exception', async () => {
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as Parameters<
      typeof requestExamples
    >[0];
    const operations = requestExamples(doc);
    const withoutExample = operations
      .filter((o) => !o.examples.length && !o.path.startsWith('/v1/admin/'))
      .map((o) => o.path);
    expect(withoutExample).toEqual([]);

    const outcomes: Array<{ url: string; status: number; exceptions: unknown[] }> = [];
    let n = 0;
    for (const { url, examples } of operations) {
      for (const example of examples) {
        const response = await fetch(`${gateway.url}${url}`, {
          method: 'POST',
          headers: {
            authorization: 'Bearer coexist-dev-key',
            'content-type': 'application/json',
            'idempotency-key': `docs-example-${++n}`,
          },
          body: JSON.stringify(example),
        });
        const body = (await response.json()) as { exceptions?: unknown[] };
        outcomes.push({ url, status: response.status, exceptions: body.exceptions ?? [] });
      }
    }
    expect(outcomes.length).toBeGreaterThanOrEqual(10);
    expect(outcomes.filter((o) => o.status !== 202 || o.exceptions.length)).toEqual([]);
  }, 60_000);
});
