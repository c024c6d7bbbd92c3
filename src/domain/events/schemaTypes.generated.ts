/**
 * GENERATED from contracts/events by test/contracts/eventTypes.test.ts: do not edit.
 * Regenerate with `npx vitest run test/contracts/eventTypes.test.ts --update`.
 * The shapes of the schemas; combinators (oneOf, if/then, …) are checked by Ajv, not here.
 */

/**
 * @maxItems 10000
 */
export type Serials = string[];
export type HoldReasonV1 =
  | 'amount-error'
  | 'unknown-order-line'
  | 'price-variance'
  | 'quantity-variance'
  | 'awaiting-receipt';
export type Currency =
  | 'AED'
  | 'AFN'
  | 'ALL'
  | 'AMD'
  | 'AOA'
  | 'ARS'
  | 'AUD'
  | 'AWG'
  | 'AZN'
  | 'BAM'
  | 'BBD'
  | 'BDT'
  | 'BGN'
  | 'BHD'
  | 'BIF'
  | 'BMD'
  | 'BND'
  | 'BOB'
  | 'BOV'
  | 'BRL'
  | 'BSD'
  | 'BTN'
  | 'BWP'
  | 'BYN'
  | 'BZD'
  | 'CAD'
  | 'CDF'
  | 'CHE'
  | 'CHF'
  | 'CHW'
  | 'CLF'
  | 'CLP'
  | 'CNY'
  | 'COP'
  | 'COU'
  | 'CRC'
  | 'CUP'
  | 'CVE'
  | 'CZK'
  | 'DJF'
  | 'DKK'
  | 'DOP'
  | 'DZD'
  | 'EGP'
  | 'ERN'
  | 'ETB'
  | 'EUR'
  | 'FJD'
  | 'FKP'
  | 'GBP'
  | 'GEL'
  | 'GHS'
  | 'GIP'
  | 'GMD'
  | 'GNF'
  | 'GTQ'
  | 'GYD'
  | 'HKD'
  | 'HNL'
  | 'HTG'
  | 'HUF'
  | 'IDR'
  | 'ILS'
  | 'INR'
  | 'IQD'
  | 'IRR'
  | 'ISK'
  | 'JMD'
  | 'JOD'
  | 'JPY'
  | 'KES'
  | 'KGS'
  | 'KHR'
  | 'KMF'
  | 'KPW'
  | 'KRW'
  | 'KWD'
  | 'KYD'
  | 'KZT'
  | 'LAK'
  | 'LBP'
  | 'LKR'
  | 'LRD'
  | 'LSL'
  | 'LYD'
  | 'MAD'
  | 'MDL'
  | 'MGA'
  | 'MKD'
  | 'MMK'
  | 'MNT'
  | 'MOP'
  | 'MRU'
  | 'MUR'
  | 'MVR'
  | 'MWK'
  | 'MXN'
  | 'MXV'
  | 'MYR'
  | 'MZN'
  | 'NAD'
  | 'NGN'
  | 'NIO'
  | 'NOK'
  | 'NPR'
  | 'NZD'
  | 'OMR'
  | 'PAB'
  | 'PEN'
  | 'PGK'
  | 'PHP'
  | 'PKR'
  | 'PLN'
  | 'PYG'
  | 'QAR'
  | 'RON'
  | 'RSD'
  | 'RUB'
  | 'RWF'
  | 'SAR'
  | 'SBD'
  | 'SCR'
  | 'SDG'
  | 'SEK'
  | 'SGD'
  | 'SHP'
  | 'SLE'
  | 'SOS'
  | 'SRD'
  | 'SSP'
  | 'STN'
  | 'SVC'
  | 'SYP'
  | 'SZL'
  | 'THB'
  | 'TJS'
  | 'TMT'
  | 'TND'
  | 'TOP'
  | 'TRY'
  | 'TTD'
  | 'TWD'
  | 'TZS'
  | 'UAH'
  | 'UGX'
  | 'USD'
  | 'USN'
  | 'UYI'
  | 'UYU'
  | 'UYW'
  | 'UZS'
  | 'VED'
  | 'VES'
  | 'VND'
  | 'VUV'
  | 'WST'
  | 'XAF'
  | 'XAG'
  | 'XAU'
  | 'XBA'
  | 'XBB'
  | 'XBC'
  | 'XBD'
  | 'XCD'
  | 'XCG'
  | 'XDR'
  | 'XOF'
  | 'XPD'
  | 'XPF'
  | 'XPT'
  | 'XSU'
  | 'XUA'
  | 'YER'
  | 'ZAR'
  | 'ZMW'
  | 'ZWG';

export interface DocumentOwnershipAssignedV1 {
  owner: 'legacy' | 'cloud' | 'dual' | 'unresolved';
  primary?: 'legacy' | 'cloud';
  shadow?: 'legacy' | 'cloud';
  basis: 'rule' | 'parent' | 'unknownParent' | 'default';
  ruleId: string | null;
  ruleSetVersion: number | null;
  reason: string;
  parents?: {
    poNumber: string;
    owner: string;
  }[];
  document: {
    type: 'purchaseOrder' | 'shipmentNotice' | 'goodsReceipt' | 'supplierInvoice' | 'journalEntry';
    key: unknown;
  };
}
export interface DocumentOwnershipChangedV1 {
  document: {
    type: 'purchaseOrder' | 'shipmentNotice' | 'goodsReceipt' | 'supplierInvoice' | 'journalEntry';
    key: unknown;
  };
  site?: string;
  route: {
    owner: 'legacy' | 'cloud' | 'dual';
    primary: 'legacy' | 'cloud';
    shadow?: 'legacy' | 'cloud';
    basis: 'migration';
    ruleId: null;
    ruleSetVersion: null;
    reason: string;
  };
  previous: {
    owner: 'legacy' | 'cloud' | 'dual';
    primary?: 'legacy' | 'cloud';
    shadow?: 'legacy' | 'cloud';
  };
  migrationId: string;
  by: string;
  reason: string;
  at: string;
  oldOwnerPolicy: 'cancel-remainder' | 'leave';
  carriedOver: {
    lineNumber: number;
    ordered: NonNegativeQuantity;
    received: NonNegativeQuantity;
    invoiced: NonNegativeQuantity;
  }[];
}
export interface NonNegativeQuantity {
  value: string;
  uom: string;
}
export interface DualWriteAgreedV1 {
  comparisonId: string;
  documentStream: string;
  documentType: string;
  documentKey: unknown;
  company: string | null;
  commandEventId: string;
  commandEventType: string;
  commandRevision: number;
  primary: SideV1;
  shadow: SideV1;
  /**
   * @maxItems 0
   */
  differences: DifferenceV1[];
  comparedAt: string;
}
export interface SideV1 {
  target: string;
  deliveryId: string;
  outcome: 'delivered' | 'dead-lettered';
  reference: string | null;
  errorCode: string | null;
  errorMessage?: string | null;
}
export interface DifferenceV1 {
  path: string;
  primary: string | null;
  shadow: string | null;
}
export interface DualWriteDivergedV1 {
  comparisonId: string;
  documentStream: string;
  documentType: string;
  documentKey: unknown;
  company: string | null;
  commandEventId: string;
  commandEventType: string;
  commandRevision: number;
  primary: SideV11;
  shadow: SideV11;
  /**
   * @minItems 1
   */
  differences: DifferenceV11[];
  comparedAt: string;
}
export interface SideV11 {
  target: string;
  deliveryId: string;
  outcome: 'delivered' | 'dead-lettered';
  reference: string | null;
  errorCode: string | null;
  errorMessage?: string | null;
}
export interface DifferenceV11 {
  path: string;
  primary: string | null;
  shadow: string | null;
}
export interface GoodsReceiptRecordedV1 {
  schemaVersion?: 1;
  site: string;
  receiptNumber: string;
  company: string;
  supplier: string;
  receivedAt: string;
  asnNumber?: string;
  receivedBy?: string;
  note?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    poNumber: string;
    poLineNumber: number;
    item: string;
    quantity: NonNegativeQuantity;
    damagedQuantity?: NonNegativeQuantity;
    /**
     * @maxItems 999
     */
    lots?: Lot[];
    serials?: Serials;
    location?: string;
    reasonCode?: string;
  }[];
  exceptions: ExceptionV1[];
}
export interface Lot {
  lot: string;
  quantity: Quantity;
  expiryDate?: string;
  manufacturedDate?: string;
}
export interface Quantity {
  value: string;
  uom: string;
}
export interface ExceptionV1 {
  code:
    | 'UNKNOWN_PURCHASE_ORDER'
    | 'UNKNOWN_PO_LINE'
    | 'PURCHASE_ORDER_CANCELLED'
    | 'ITEM_MISMATCH'
    | 'UOM_MISMATCH'
    | 'OVER_SHIPMENT'
    | 'OVER_RECEIPT'
    | 'CURRENCY_MISMATCH';
  pointer: string;
  detail: string;
}
export interface InvoiceHeldV1 {
  supplier: string;
  invoiceNumber: string;
  evaluatedAt: string;
  evaluation: EvaluationV1;
}
export interface EvaluationV1 {
  result: 'matched' | 'held';
  reasons: HoldReasonV1[];
  lines: LineMatchV1[];
  amountErrors: AmountErrorV1[];
  tolerances: AppliedTolerancesV1;
}
export interface LineMatchV1 {
  lineNumber: number;
  poNumber: string;
  poLineNumber: number;
  result:
    | 'matched'
    | 'amount-error'
    | 'unknown-order-line'
    | 'price-variance'
    | 'quantity-variance'
    | 'awaiting-receipt';
  uom: string;
  orderedQuantity: string | null;
  receivedToDate: string;
  invoicedToDate: string;
  orderUnitPrice: string | null;
  invoiceUnitPrice: string;
  priceVariance: string | null;
  priceVariancePercent: string | null;
  quantityVariancePercent: string | null;
  findings: FindingV1[];
}
export interface FindingV1 {
  code:
    | 'LINE_AMOUNT'
    | 'NET_TOTAL'
    | 'TAX_TOTAL'
    | 'GROSS_TOTAL'
    | 'UNKNOWN_ORDER'
    | 'UNKNOWN_ORDER_LINE'
    | 'OTHER_SUPPLIER'
    | 'CURRENCY_MISMATCH'
    | 'UOM_MISMATCH'
    | 'PRICE_VARIANCE'
    | 'NOT_RECEIVED'
    | 'QUANTITY_VARIANCE'
    | 'OVER_CREDITED';
  reason: HoldReasonV1;
  detail: string;
}
export interface AmountErrorV1 {
  code: 'LINE_AMOUNT' | 'NET_TOTAL' | 'TAX_TOTAL' | 'GROSS_TOTAL';
  pointer: string;
  detail: string;
}
export interface AppliedTolerancesV1 {
  source: 'default' | 'company' | 'supplier';
  version: number;
  company: string | null;
  supplier: string | null;
  values: TolerancesV1;
}
export interface TolerancesV1 {
  price: {
    percent: LimitsV1;
    amount: LimitsV1;
  };
  quantity: {
    percent: LimitsV1;
  };
}
export interface LimitsV1 {
  lower: string | null;
  upper: string | null;
}
export interface InvoiceMatchedV1 {
  supplier: string;
  invoiceNumber: string;
  evaluatedAt: string;
  evaluation: EvaluationV1;
}
export interface InvoiceRejectedV1 {
  supplier: string;
  invoiceNumber: string;
  at: string;
  by: string;
  reason: string;
  company?: string;
  documentKind?: 'invoice' | 'creditNote';
  /**
   * @maxItems 999
   */
  orderLines?: {
    poNumber: string;
    poLineNumber: number;
    quantity: Quantity;
  }[];
  heldFor: HoldReasonV1[];
}
export interface InvoiceReleasedV1 {
  supplier: string;
  invoiceNumber: string;
  releasedBy: 'match' | 'override';
  at: string;
  evaluation?: EvaluationV1;
  by?: string;
  reason?: string;
  heldFor: HoldReasonV1[];
}
export interface JournalEntrySubmittedV1 {
  company: string;
  entryNumber: string;
  postingDate: string;
  documentDate?: string;
  journal?: string;
  description?: string;
  source?: string;
  reversalOf?: string;
  /**
   * @minItems 2
   * @maxItems 9999
   */
  lines: {
    lineNumber: number;
    account: string;
    currency: Currency;
    debit?: string;
    credit?: string;
    costCenter?: string;
    project?: string;
    description?: string;
    taxCode?: string;
    intercompany?: string;
  }[];
}
export interface MatchTolerancesSetV1 {
  version: number;
  company: string;
  supplier: string | null;
  values: TolerancesV1;
  author: string;
  reason: string;
  setAt: string;
}
export interface PurchaseOrderAcknowledgedV1 {
  company: string;
  poNumber: string;
  acknowledgementNumber?: string;
  acknowledgedAt: string;
  status: 'accepted' | 'accepted_with_changes' | 'rejected';
  note?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines?: {
    lineNumber: number;
    status: 'accepted' | 'changed' | 'rejected' | 'backordered';
    confirmedQuantity?: Quantity;
    confirmedUnitPrice?: string;
    confirmedDeliveryDate?: string;
    note?: string;
  }[];
}
export interface PurchaseOrderCancelledV1 {
  company: string;
  poNumber: string;
  reason: string;
  cancelledAt?: string;
}
export interface PurchaseOrderChangedV1 {
  company: string;
  poNumber: string;
  changeReason?: string;
  requestedDeliveryDate?: string;
  shipTo?: Address;
  notes?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines?: {
    lineNumber: number;
    action: 'add' | 'update' | 'cancel';
    item?: string;
    supplierItem?: string;
    quantity?: Quantity;
    unitPrice?: string;
    requestedDeliveryDate?: string;
    description?: string;
    taxCode?: string;
    costCenter?: string;
    reason?: string;
  }[];
}
export interface Address {
  name?: string;
  street: string;
  city: string;
  postalCode?: string;
  region?: string;
  country: string;
}
export interface PurchaseOrderSubmittedV1 {
  company: string;
  poNumber: string;
  supplier: string;
  site: string;
  orderDate: string;
  currency: Currency;
  buyer?: string;
  paymentTerms?: string;
  incoterms?: {
    code: 'EXW' | 'FCA' | 'CPT' | 'CIP' | 'DAP' | 'DPU' | 'DDP' | 'FAS' | 'FOB' | 'CFR' | 'CIF';
    place?: string;
  };
  requestedDeliveryDate?: string;
  shipTo?: Address;
  notes?: string;
  externalReference?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    item: string;
    supplierItem?: string;
    description?: string;
    quantity: Quantity;
    unitPrice: string;
    taxCode?: string;
    requestedDeliveryDate?: string;
    costCenter?: string;
  }[];
}
export interface ShipmentNoticeSubmittedV1 {
  schemaVersion?: 1;
  supplier: string;
  asnNumber: string;
  company: string;
  site: string;
  shippedAt: string;
  expectedDeliveryDate?: string;
  carrier?: {
    name: string;
    scac?: string;
  };
  trackingNumber?: string;
  packages?: number;
  grossWeight?: {
    value: string;
    uom: string;
  };
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    poNumber: string;
    poLineNumber: number;
    item: string;
    supplierItem?: string;
    quantity: Quantity;
    /**
     * @maxItems 999
     */
    lots?: Lot[];
    serials?: Serials;
  }[];
  exceptions: ExceptionV1[];
}
export interface SupplierInvoiceReceivedV1 {
  schemaVersion?: 1;
  supplier: string;
  invoiceNumber: string;
  company: string;
  invoiceDate: string;
  dueDate?: string;
  currency: Currency;
  supplierTaxId?: string;
  paymentTerms?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    poNumber: string;
    poLineNumber: number;
    item?: string;
    description?: string;
    quantity: Quantity;
    unitPrice: string;
    lineAmount: string;
    taxCode?: string;
  }[];
  /**
   * @maxItems 99
   */
  taxes?: {
    taxCode: string;
    taxableAmount: string;
    taxAmount: string;
  }[];
  /**
   * @maxItems 99
   */
  charges?: {
    type: 'freight' | 'insurance' | 'handling' | 'other';
    amount: string;
    taxCode?: string;
    description?: string;
  }[];
  totals: {
    netAmount: string;
    taxAmount: string;
    grossAmount: string;
  };
  exceptions: ExceptionV1[];
}
export interface GoodsReceiptRecordedV2 {
  schemaVersion: 2;
  site: string;
  receiptNumber: string;
  company: string;
  supplier: string;
  receivedAt: string;
  asnNumber?: string;
  receivedBy?: string;
  note?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    poNumber: string;
    poLineNumber: number;
    item: string;
    quantity: NonNegativeQuantity;
    damagedQuantity?: NonNegativeQuantity;
    /**
     * @maxItems 999
     */
    lots?: Lot[];
    serials?: Serials;
    location?: string;
    reasonCode?: string;
  }[];
  exceptions: ExceptionV2[];
}
export interface ExceptionV2 {
  code:
    | 'UNKNOWN_PURCHASE_ORDER'
    | 'UNKNOWN_PO_LINE'
    | 'PURCHASE_ORDER_CANCELLED'
    | 'ITEM_MISMATCH'
    | 'UOM_MISMATCH'
    | 'OVER_SHIPMENT'
    | 'OVER_RECEIPT'
    | 'CURRENCY_MISMATCH'
    | 'SUPPLIER_MISMATCH'
    | 'LOT_QUANTITY_MISMATCH'
    | 'UNKNOWN_SHIPMENT_NOTICE';
  severity: 'warning' | 'blocking';
  pointer: string;
  detail: string;
}
export interface ShipmentNoticeSubmittedV2 {
  schemaVersion: 2;
  supplier: string;
  asnNumber: string;
  company: string;
  site: string;
  shippedAt: string;
  expectedDeliveryDate?: string;
  carrier?: {
    name: string;
    scac?: string;
  };
  trackingNumber?: string;
  packages?: number;
  grossWeight?: {
    value: string;
    uom: string;
  };
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    poNumber: string;
    poLineNumber: number;
    item: string;
    supplierItem?: string;
    quantity: Quantity;
    /**
     * @maxItems 999
     */
    lots?: Lot[];
    serials?: Serials;
  }[];
  exceptions: ExceptionV2[];
}
export interface SupplierInvoiceReceivedV2 {
  schemaVersion: 2;
  supplier: string;
  invoiceNumber: string;
  documentKind?: 'invoice' | 'creditNote';
  creditedInvoiceNumber?: string;
  company: string;
  invoiceDate: string;
  dueDate?: string;
  currency: Currency;
  supplierTaxId?: string;
  paymentTerms?: string;
  /**
   * @minItems 1
   * @maxItems 999
   */
  lines: {
    lineNumber: number;
    poNumber: string;
    poLineNumber: number;
    item?: string;
    description?: string;
    quantity: Quantity;
    unitPrice: string;
    lineAmount: string;
    taxCode?: string;
  }[];
  /**
   * @maxItems 99
   */
  taxes?: {
    taxCode: string;
    taxableAmount: string;
    taxAmount: string;
  }[];
  /**
   * @maxItems 99
   */
  charges?: {
    type: 'freight' | 'insurance' | 'handling' | 'other';
    amount: string;
    taxCode?: string;
    description?: string;
  }[];
  totals: {
    netAmount: string;
    taxAmount: string;
    grossAmount: string;
  };
  exceptions: ExceptionV2[];
}
