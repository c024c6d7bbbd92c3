/**
 * The build compiles src/ and projections/ into dist/src and dist/projections (projections/
 * sits beside src/, so the build's root is the repository); the modules that find contracts/,
 * routing-rules/ and erp-profiles/ two or three folders up then look in dist/, so they are
 * copied there.
 */
import { cpSync, rmSync } from 'node:fs';

for (const folder of ['contracts', 'routing-rules', 'erp-profiles']) {
  rmSync(`dist/${folder}`, { recursive: true, force: true });
  cpSync(folder, `dist/${folder}`, { recursive: true });
}
