/**
 * The layering check (.dependency-cruiser.cjs) fails, naming the rule, when a pure module
 * imports an adapter or does I/O. That it passes on the tree is CI's `npm run depcheck` step.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { root } from '../support/process.js';

const depcruise = join(root, 'node_modules/.bin/depcruise');
const config = join(root, '.dependency-cruiser.cjs');
const run = (cwd: string, paths: string[]) =>
  promisify(execFile)(depcruise, [...paths, '--config', config], { cwd }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );

describe('layering', () => {
  it('fails when a pure module imports an adapter or the file system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coexist-layers-'));
    try {
      mkdirSync(join(dir, 'src/domain'), { recursive: true });
      mkdirSync(join(dir, 'src/adapters'), { recursive: true });
      copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
      writeFileSync(join(dir, 'src/adapters/store.ts'), 'export const store = 1;\n');
      writeFileSync(
        join(dir, 'src/domain/probe.ts'),
        "import { readFileSync } from 'node:fs';\nimport { store } from '../adapters/store.js';\nexport const probe = [readFileSync, store];\n",
      );
      const { code, stdout } = await run(dir, ['src']);
      expect(code).not.toBe(0);
      expect(stdout).toMatch(
        /pure-imports-io-layer: src\/domain\/probe\.ts → src\/adapters\/store\.ts/,
      );
      expect(stdout).toMatch(/pure-imports-io-module: src\/domain\/probe\.ts → fs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
