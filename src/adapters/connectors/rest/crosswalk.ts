/**
 * The REST connector's crosswalk: the gateway's codes → the vendor's, in sections the profile
 * names (`companies`, `vendors`, `items`, `accounts` per company, ...). A JSON file, re-read
 * when it changes so a fixed crosswalk serves the next replay without a restart. Profiles read
 * it with `$cw('items', code)` or `$cw('accounts', company, code)`; an unknown code is a
 * permanent error naming the code, the section and the target.
 */
import { readFileSync, statSync } from 'node:fs';
import { permanentError } from './errors.js';

type Tree = { [key: string]: string | number | Tree };

export class RestCrosswalk {
  constructor(
    private readonly data: Tree,
    private readonly target: string,
  ) {}

  lookup(section: string, ...codes: string[]): string | number | Tree {
    let node: string | number | Tree | undefined = this.data[section];
    const path = [section];
    for (const code of codes) {
      const table: string | number | Tree | undefined = node;
      node =
        table !== undefined && typeof table === 'object' && Object.hasOwn(table, code)
          ? table[code]
          : undefined;
      if (node === undefined) {
        throw permanentError(
          'unknown-code',
          `Unknown code ${code} in section ${path.join('/')} of the crosswalk of target ${this.target}: add it to the crosswalk, then replay.`,
        );
      }
      path.push(code);
    }
    if (node === undefined) {
      throw permanentError(
        'unknown-code',
        `The crosswalk of target ${this.target} has no section ${section}.`,
      );
    }
    return node;
  }
}

export class RestCrosswalkFile {
  private loaded: { version: string; crosswalk: RestCrosswalk } | null = null;

  constructor(
    private readonly path: string,
    private readonly target: string,
  ) {}

  current(): RestCrosswalk {
    const { mtimeMs, size } = statSync(this.path);
    const version = `${mtimeMs}:${size}`;
    if (this.loaded?.version !== version) {
      const data = JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new Error(`Crosswalk ${this.path} must be a JSON object of sections.`);
      }
      this.loaded = { version, crosswalk: new RestCrosswalk(data as Tree, this.target) };
    }
    return this.loaded.crosswalk;
  }
}
