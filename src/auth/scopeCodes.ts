/**
 * The codes a key's scopes (or a freeze) name: companies, suppliers, sites. A code that a
 * document could never carry, such as `DAL 1`, would make a key refused everywhere (or a
 * freeze cover nothing) without anyone being told why, so such codes are refused when the
 * scope is declared. The pattern is the contracts' own code pattern, passed in by the caller.
 */

export type ScopeCodeKind = 'companies' | 'suppliers' | 'sites';

const singular: Record<ScopeCodeKind, string> = {
  companies: 'company',
  suppliers: 'supplier',
  sites: 'site',
};

export interface ScopeCodeViolation {
  kind: ScopeCodeKind;
  value: string;
  message: string;
}

/** Every code that does not match the pattern, each with a message a person can act on. */
export const scopeCodeViolations = (
  codes: Partial<Record<ScopeCodeKind, readonly string[]>>,
  pattern: RegExp,
): ScopeCodeViolation[] =>
  (Object.entries(codes) as Array<[ScopeCodeKind, readonly string[] | undefined]>).flatMap(
    ([kind, values]) =>
      (values ?? [])
        .filter((value) => !pattern.test(value))
        .map((value) => ({
          kind,
          value,
          message: `"${value}" is not a valid ${singular[kind]} code: no document can carry it (codes match ${pattern.source}: 1 to 35 letters, digits, ".", "_", "/" or "-", starting with a letter or digit).`,
        })),
  );
