/**
 * Rejections the pure domain can produce. The HTTP layer maps each kind to a problem
 * response; nothing here knows about HTTP.
 */

/** One violated rule, pointing into the command (RFC 6901 JSON pointer). */
export interface Violation {
  pointer: string;
  detail: string;
}

/** The command is well-formed but breaks a business rule (HTTP 422). */
export class BusinessRuleError extends Error {
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
  override name = 'DocumentNotFoundError';
}

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
