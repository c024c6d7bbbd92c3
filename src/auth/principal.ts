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

/** Why the principal may not act on the document, or null when it may. */
export const scopeViolation = (principal: Principal, doc: ScopedAttributes): string | null => {
  const { scopes } = principal;
  if (scopes.documentTypes && !scopes.documentTypes.includes(doc.documentType)) {
    return `Client ${principal.clientId} may not act on ${doc.documentType} documents.`;
  }
  const names = { companies: 'company', suppliers: 'supplier', sites: 'site' } as const;
  const checks: Array<[keyof typeof names, string | undefined]> = [
    ['companies', doc.company],
    ['suppliers', doc.supplier],
    ['sites', doc.site],
  ];
  for (const [scope, value] of checks) {
    const allowed = scopes[scope];
    if (allowed && value !== undefined && !allowed.includes(value)) {
      return `Client ${principal.clientId} may not act for ${names[scope]} ${value}.`;
    }
  }
  return null;
};
