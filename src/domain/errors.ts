/**
 * Rejections the pure domain can produce. Each carries a literal `type` (as the EventStore
 * client's errors do), so a caller tells one kind from another with a `switch` or a table
 * instead of `instanceof`: the HTTP layer maps each `type` to a problem response
 * (http/problem.ts); nothing here knows about HTTP.
 */

/** One violated rule, pointing into the command (RFC 6901 JSON pointer). */
export interface Violation {
  pointer: string;
  detail: string;
}

/** The command is well-formed but breaks a business rule (HTTP 422). */
export class BusinessRuleError extends Error {
  readonly type = 'business-rule-violated' as const;
  override name = 'BusinessRuleError';
  constructor(
    readonly code: string,
    readonly violations: Violation[],
    message = violations.map((v) => v.detail).join('; '),
  ) {
    super(message);
  }
}

/** The command conflicts with the document's current state (HTTP 409). */
export class DocumentStateConflictError extends Error {
  readonly type = 'document-state-conflict' as const;
  override name = 'DocumentStateConflictError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The command targets a document the gateway has never seen (HTTP 404). */
export class DocumentNotFoundError extends Error {
  readonly type = 'document-not-found' as const;
  override name = 'DocumentNotFoundError';
}

export type DomainError = BusinessRuleError | DocumentStateConflictError | DocumentNotFoundError;

/** Collects violations so a command gets every broken rule reported at once. */
export class Violations {
  readonly list: Violation[] = [];
  add(pointer: string, detail: string): void {
    this.list.push({ pointer, detail });
  }
  throwIfAny(code: string): void {
    if (this.list.length > 0) throw new BusinessRuleError(code, this.list);
  }
}

/** Reports every line number used more than once, pointing at the repeated occurrences. */
export const checkUniqueLineNumbers = (
  lines: ReadonlyArray<{ lineNumber: number }>,
  violations: Violations,
  path = '/lines',
): void => {
  const seen = new Set<number>();
  lines.forEach((line, index) => {
    if (seen.has(line.lineNumber)) {
      violations.add(
        `${path}/${index}/lineNumber`,
        `Line number ${line.lineNumber} is used more than once.`,
      );
    }
    seen.add(line.lineNumber);
  });
};
