/** Parsers for the CLI's list arguments, shared by `keys` and `freezes`. */
import { InvalidArgumentError } from 'commander';
import { type ScopeCodeKind, scopeCodeViolations } from '../auth/scopeCodes.js';
import { type DocumentType, documentTypeInfo, documentTypes } from '../domain/documents.js';
import { loadContracts } from '../http/contracts.js';

export const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Accepts URL names (`purchase-orders`) or type names (`purchaseOrder`). */
export const parseDocumentTypes = (value: string): DocumentType[] =>
  list(value).map((name) => {
    const type = documentTypes.find((t) => t === name || documentTypeInfo[t].collection === name);
    if (!type) {
      const names = documentTypes.map((t) => documentTypeInfo[t].collection).join(', ');
      throw new InvalidArgumentError(`unknown document type "${name}"; use: ${names}.`);
    }
    return type;
  });

let codePattern: RegExp | undefined;
/** The pattern the contracts give company, supplier and site codes. */
const contractCodePattern = (): RegExp => {
  if (!codePattern) {
    const common = loadContracts().get('https://coexist.dev/contracts/http/v1/common.json') as {
      $defs: { code: { pattern: string } };
    };
    codePattern = new RegExp(common.$defs.code.pattern);
  }
  return codePattern;
};

/** A comma-separated list of company, supplier or site codes, each one a code documents use. */
export const parseCodes =
  (kind: ScopeCodeKind) =>
  (value: string): string[] => {
    const codes = list(value);
    const [violation] = scopeCodeViolations({ [kind]: codes }, contractCodePattern());
    if (violation) throw new InvalidArgumentError(violation.message);
    if (!codes.length) throw new InvalidArgumentError('give at least one code.');
    return codes;
  };
