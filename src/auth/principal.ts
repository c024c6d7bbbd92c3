/**
 * Who is calling, and what they may do. Roles say which endpoints a client may use; scopes
 * narrow which documents (types, companies, suppliers, sites) it may act on.
 */
import type { DocumentType } from '../domain/documents.js';

export const roles = ['writer', 'architect', 'operator', 'auditor'] as const;
export type Role = (typeof roles)[number];

export interface Scopes {
  documentTypes?: DocumentType[];
  companies?: string[];
  suppliers?: string[];
  sites?: string[];
}

export interface Principal {
  clientId: string;
  keyId: string;
  roles: Role[];
  scopes: Scopes;
  /** Requests per minute; overrides the gateway's default when set. */
  rateLimitPerMinute?: number;
}

export const hasAnyRole = (principal: Principal, allowed: readonly Role[]): boolean =>
  principal.roles.some((role) => allowed.includes(role));

/** Attributes of a document that scopes are checked against. */
export interface ScopedAttributes {
  documentType: DocumentType;
  company?: string;
  supplier?: string;
  site?: string;
}

/** Why the principal may not act on documents of this type at all, or null when it may. */
export const documentTypeViolation = (principal: Principal, type: DocumentType): string | null =>
  principal.scopes.documentTypes && !principal.scopes.documentTypes.includes(type)
    ? `Client ${principal.clientId} may not act on ${type} documents.`
    : null;

const dimensions = [
  ['companies', 'company'],
  ['suppliers', 'supplier'],
  ['sites', 'site'],
] as const;

/**
 * Why the principal may not act on the document, or null when it may.
 *
 * A restriction always holds. Where the document lacks the restricted attribute (a supplier
 * invoice has no site), it is taken from its `parents` (the purchase orders it references):
 * every one must be known and allowed, since an order the gateway never saw has no site to
 * vouch for. With no parents to take it from (a journal entry has no site and no supplier), a
 * key restricted on it is refused. The reason given for a parent's attribute is the same
 * whether the parent is unknown or outside the scope, so it does not reveal which.
 */
export const scopeViolation = (
  principal: Principal,
  doc: ScopedAttributes,
  parents: ReadonlyArray<Omit<ScopedAttributes, 'documentType'> | null> = [],
): string | null => {
  const wrongType = documentTypeViolation(principal, doc.documentType);
  if (wrongType) return wrongType;
  const { clientId, scopes } = principal;
  for (const [scope, attribute] of dimensions) {
    const allowed = scopes[scope];
    if (!allowed) continue;
    const own = doc[attribute];
    if (own !== undefined) {
      if (!allowed.includes(own)) return `Client ${clientId} may not act for ${attribute} ${own}.`;
      continue;
    }
    const limits = `Client ${clientId} may act only for ${scope} ${allowed.join(', ')}`;
    if (parents.length === 0) {
      return `${limits}; a ${doc.documentType} has no ${attribute} to check.`;
    }
    const allowedParent = (parent: (typeof parents)[number]) => {
      const value = parent?.[attribute];
      return value !== undefined && allowed.includes(value);
    };
    if (!parents.every(allowedParent)) {
      return `${limits}; a ${doc.documentType}'s ${attribute} is that of the purchase orders it references, and not all of them are known orders of those ${scope}.`;
    }
  }
  return null;
};
