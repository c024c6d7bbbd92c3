/**
 * Checks on the documentation a newcomer reads first: links that work from a clone, setup
 * commands that are safe to run as written, and no setting documented that nothing reads.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/process.js';

const read = (file: string) => readFileSync(join(root, file), 'utf8');
const readme = read('README.md');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Every file under src/, as one text: what the code can read. */
const sources = (dir = join(root, 'src')): string =>
  readdirSync(dir, { withFileTypes: true })
    .map((entry) =>
      entry.isDirectory()
        ? sources(join(dir, entry.name))
        : readFileSync(join(dir, entry.name), 'utf8'),
    )
    .join('\n');

describe('the documentation', () => {
  it('links only to files inside the repository, and they exist', () => {
    const broken: string[] = [];
    for (const file of docs) {
      for (const [, target] of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = (target as string).split('#')[0] as string;
        if (!path || /^[a-z]+:/.test(path)) continue; // an anchor or a URL
        const absolute = resolve(root, dirname(file), path);
        const inside = !relative(root, absolute).startsWith('..');
        if (!inside || !existsSync(absolute)) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
    // Nor names a path outside it, linked or not (a clone has no ../shared).
    for (const file of docs) expect(read(file), file).not.toMatch(/`\.\.\/[^`]*`/);
    expect(readme).toMatch(/\]\(docs\/architecture\.md\)/);
  });

  it('installs once: the README never chains npm ci with start or test', () => {
    const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
      (m[1] as string).split('\n'),
    );
    expect(commands.filter((line) => /\bnpm ci\b/.test(line))).toEqual([
      expect.stringMatching(/^npm ci\s+#/),
    ]);
    // No script reinstalls or deletes node_modules under a running gateway.
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    for (const [name, script] of Object.entries(scripts)) {
      expect(script, name).not.toMatch(/npm (ci|install|i)\b|node_modules/);
    }
  });

  it('documents only environment variables the code reads', () => {
    const code = sources();
    const documented = new Set(
      [read('docker-compose.yml'), readme].flatMap((text) =>
        [...text.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)=/g)].map((m) => m[1] as string),
      ),
    );
    const unread = [...documented].filter((name) => !code.includes(name));
    expect(unread).toEqual([]);
  });
});
