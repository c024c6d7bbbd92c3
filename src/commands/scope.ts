/**
 * Which documents a client's key may see and act on, for the write path and the GETs alike.
 *
 * Outside its scope, a key must not learn whether a document exists: a 403 for an existing
 * document and a 404 for a missing one would let a key restricted to one company, supplier or
 * site probe for another's orders and invoices. So a document the key may not see is answered
 * exactly as a missing one (404, same detail). Only what needs no document to decide (a key
 * restricted to other document types) is refused with 403, before anything is read. A create
 * names its own attributes in the body and is refused with 403 before anything is read too,
 * except that a business key can only be used once: a create on a key already taken is a 409
 * whoever took it, which reveals that the key is taken and nothing more.
 */
import { documentTypeViolation, type Principal, scopeViolation } from '../auth/principal.js';
import type { DocumentRef, DocumentType } from '../domain/documents.js';
import { DocumentNotFoundError } from '../domain/errors.js';
import type { EventStore } from '../ports/eventStore.js';
import { type CommandSpec, commands } from './catalog.js';
import { ScopeForbiddenError } from './errors.js';
import { loadParents } from './ownership.js';

/** The one answer for a document that is missing, or that this client may not see. */
export const documentNotFound = (ref: DocumentRef): DocumentNotFoundError =>
  new DocumentNotFoundError(`No ${ref.type} ${Object.values(ref.key).join('/')} was found.`);

/** Refuses (403) a key restricted to other document types; answered alike for every key. */
export const authoriseDocumentType = (principal: Principal, type: DocumentType): void => {
  const violation = documentTypeViolation(principal, type);
  if (violation) throw new ScopeForbiddenError(violation);
};

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The command that creates each document type: it knows which orders the document names. */
const creating = Object.fromEntries(
  Object.values(commands as Record<string, CommandSpec>)
    .filter((spec) => spec.creates)
    .map((spec) => [spec.documentType, spec]),
) as Record<DocumentType, CommandSpec>;

/** Whether the principal may see a recorded document (its state as folded from its stream). */
export const maySee = async (
  store: EventStore,
  principal: Principal,
  type: DocumentType,
  state: object,
): Promise<boolean> => {
  const { company, supplier, site } = state as Record<string, unknown>;
  const doc = {
    documentType: type,
    company: str(company),
    supplier: str(supplier),
    site: str(site),
  };
  if (scopeViolation(principal, doc) === null) return true;
  // A restriction on an attribute the document lacks holds if its parents vouch for it.
  const poNumbers = creating[type].parentPoNumbers(state);
  if (poNumbers.length === 0) return false;
  const parents = await loadParents(store, doc.company, poNumbers);
  return scopeViolation(principal, doc, [...parents.states.values()]) === null;
};
