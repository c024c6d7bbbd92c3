/**
 * `coexist rules migrate --scope`: what an architect types names exactly one scope, or is
 * refused before anything moves.
 */
import { describe, expect, it } from 'vitest';
import { parseScope } from '../../src/cli/migrate.js';

describe('migration scope argument', () => {
  it('takes the document type as a URL name, singular or plural, or as its type name', () => {
    for (const spelling of ['purchase-order', 'purchase-orders', 'purchaseOrder']) {
      expect(parseScope(`company=ACME-EU,documentType=${spelling}`)).toEqual({
        company: 'ACME-EU',
        documentType: 'purchaseOrder',
      });
    }
  });

  it('refuses a field given twice instead of keeping the last (another company)', () => {
    expect(() => parseScope('company=ACME-EU,company=ACME-US,documentType=purchase-order')).toThrow(
      /"company" is given twice/,
    );
  });

  it("names the user's own spelling of an unknown type, and refuses codes documents cannot have", () => {
    expect(() => parseScope('documentType=invoice')).toThrow(/unknown document type "invoice"/);
    expect(() => parseScope('documentType=goods-receipt')).toThrow(/only purchase orders/);
    expect(() => parseScope('company=ACME EU,documentType=purchase-order')).toThrow(/ACME EU/);
  });
});
