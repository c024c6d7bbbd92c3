/**
 * The sandbox's own master data, in Business Central's terms: companies by id, vendor, item
 * and G/L account numbers, units of measure and tax codes. They differ from the gateway's codes
 * on purpose (BC numbers vendors `20000`, the gateway `SUP-10023`), so a delivery only works
 * through the crosswalk (erp-profiles/business-central/crosswalk.sandbox.json), as with a real
 * tenant.
 */

export interface SandboxCompany {
  id: string;
  name: string;
  currencyCode: string;
}

export const companies: readonly SandboxCompany[] = [
  { id: '8a3c1d00-0000-4000-8000-00000000a001', name: 'ACME Distribution US', currencyCode: 'USD' },
  {
    id: '8a3c1d00-0000-4000-8000-00000000a002',
    name: 'ACME Distribution GmbH',
    currencyCode: 'EUR',
  },
  { id: '8a3c1d00-0000-4000-8000-00000000a003', name: 'ACME Distribution EU', currencyCode: 'EUR' },
];

export const vendors: Record<string, string> = {
  '20000': 'SKF Bearings de Mexico',
  '30000': 'Motion Supply Co.',
};

export const items: Record<string, string> = {
  '70000': 'Deep groove ball bearing 20x47x14, sealed',
  '70001': 'Deep groove ball bearing 25x62x17, shielded',
  '70010': 'General purpose bearing grease, 1 kg can',
  '70020': 'Oil seal 25x47x7',
};

export const units = new Set(['PCS', 'CAN', 'KG']);

/** Tax code → percent. */
export const taxPercents: Record<string, string> = {
  NONTAXABLE: '0',
  TX825: '8.25',
  VAT19: '19',
};

export const accounts: Record<string, string> = {
  '50000': 'Purchases of goods',
  '61400': 'Inbound freight',
  '21500': 'Accrued freight',
  '14200': 'Intercompany receivable',
  '48500': 'Services recharged',
};

export const currencies = new Set(['', 'USD', 'EUR']);
