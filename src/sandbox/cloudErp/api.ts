/**
 * The sandbox's Business Central API v2.0 surface: OData-style paths
 * (`companies({id})/purchaseOrders({id})/purchaseOrderLines`), `$filter` with `eq` terms joined
 * by `and`, `$expand` of document lines, `If-Match` required on PATCH and DELETE (412 when the
 * ETag is stale), and the bound actions `Microsoft.NAV.post` (204). No idempotency key is
 * honoured: a POST sent twice creates twice, as in BC.
 */
import { BcError, badRequest, notFound } from './errors.js';
import type { Journal } from './generalLedger.js';
import type { Ledger, PurchaseInvoice, PurchaseOrder } from './ledger.js';
import { companies } from './masterData.js';
import { etagOf, type Versioned } from './records.js';

export interface ApiRequest {
  method: string;
  /** The path after `/api/v2.0/`. */
  path: string;
  query: Record<string, string | undefined>;
  ifMatch: string | undefined;
  body: unknown;
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
}

interface Segment {
  name: string;
  key?: string;
}

const parsePath = (path: string): Segment[] =>
  path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      const match = /^([\w.]+)(?:\((?:'([^']*)'|([^)]*))\))?$/.exec(decodeURIComponent(part));
      if (!match) throw badRequest(`Cannot parse the path segment '${part}'.`);
      const key = match[2] ?? match[3];
      return key === undefined ? { name: match[1] as string } : { name: match[1] as string, key };
    });

type Term = [field: string, value: string | number];

/** `$filter=number eq 'PO-1' and vendorNumber eq '20000'` → terms. */
export const parseFilter = (filter: string | undefined): Term[] => {
  if (!filter) return [];
  const terms: Term[] = [];
  const pattern = /\s*(\w+)\s+eq\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?)\s*(?:and\s+|$)/gy;
  let consumed = 0;
  for (let match = pattern.exec(filter); match; match = pattern.exec(filter)) {
    const raw = match[2] as string;
    terms.push([
      match[1] as string,
      raw.startsWith("'") ? raw.slice(1, -1).replaceAll("''", "'") : Number(raw),
    ]);
    consumed = pattern.lastIndex;
    if (consumed === filter.length) break;
  }
  if (consumed !== filter.length) {
    throw badRequest(
      `The sandbox understands $filter terms of the form "field eq 'value'" joined by "and": ${filter}`,
    );
  }
  return terms;
};

const matches = (record: Record<string, unknown>, terms: Term[]) =>
  terms.every(([field, value]) => record[field] === value);

/** How a resource's records are found: all of a company's, or by its indexed key field. */
interface Source<T> {
  all: () => Iterable<T>;
  key?: { field: string; lookup: (value: string) => readonly T[] };
}

/**
 * A filtered collection. A filter on the resource's key field (`number eq 'PO-1'`) reads the
 * ledger's index instead of every record; the records found are filtered on the fields they
 * share with their view (views copy `number`, `code`, `documentNumber`… verbatim) before they
 * are rendered, and views are filtered again on every term.
 */
const collection = <T extends object>(
  source: Source<T>,
  view: (record: T) => Record<string, unknown>,
  query: ApiRequest['query'],
) => {
  const terms = parseFilter(query.$filter);
  const keyTerm = terms.find(
    ([field, value]) => field === source.key?.field && typeof value === 'string',
  );
  const records =
    source.key && keyTerm ? source.key.lookup(keyTerm[1] as string) : [...source.all()];
  const mayMatch = (record: T) =>
    terms.every(
      ([field, value]) =>
        !(field in record) || (record as Record<string, unknown>)[field] === value,
    );
  return {
    value: records
      .filter(mayMatch)
      .map(view)
      .filter((v) => matches(v, terms)),
  };
};

/** A company's records of a map, in the order they were created. */
function* ofCompany<T extends { company: string }>(records: Iterable<T>, company: string) {
  for (const record of records) if (record.company === company) yield record;
}

const requireEtag = (request: ApiRequest, record: Versioned) => {
  if (!request.ifMatch) {
    throw badRequest('The If-Match header is required to change or delete a record.');
  }
  if (request.ifMatch !== '*' && request.ifMatch !== etagOf(record)) {
    throw new BcError(
      412,
      'Request_EntityChanged',
      'Another user has already changed the record. Read it again and retry with its current @odata.etag.',
    );
  }
};

const expands = (query: ApiRequest['query'], what: string) =>
  (query.$expand ?? '').split(',').includes(what);

export const handleApi = (ledger: Ledger, request: ApiRequest): ApiAnswer => {
  const segments = parsePath(request.path);
  const [root, resource, child, grandchild] = segments;
  const { method, query, body } = request;
  if (root?.name !== 'companies') throw notFound('resource');
  if (root.key === undefined) {
    if (method !== 'GET' || segments.length > 1) throw badRequest('companies is read-only.');
    return { status: 200, body: { value: companies.map((c) => ({ ...c, displayName: c.name })) } };
  }
  const company = root.key;
  if (!companies.some((c) => c.id === company)) throw notFound('company');
  if (!resource) throw badRequest('Name a resource of the company.');
  const route = `${method} ${resource.name}${resource.key ? '()' : ''}${child ? `/${child.name}${child.key ? '()' : ''}` : ''}${grandchild ? '/…' : ''}`;

  switch (route) {
    case 'GET purchaseOrders':
      return {
        status: 200,
        body: collection(
          {
            all: () => ofCompany(ledger.purchaseOrders.values(), company),
            key: { field: 'number', lookup: (n) => ledger.ordersByNumber.get(company, n) },
          },
          (po) => ledger.poView(po, expands(query, 'purchaseOrderLines')),
          query,
        ),
      };
    case 'POST purchaseOrders':
      return {
        status: 201,
        body: ledger.poView(ledger.createPurchaseOrder(company, body), true),
      };
    case 'GET purchaseOrders()':
      return { status: 200, body: ledger.poView(order(), expands(query, 'purchaseOrderLines')) };
    case 'PATCH purchaseOrders()': {
      const po = order();
      requireEtag(request, po);
      ledger.updatePurchaseOrder(po, body);
      return { status: 200, body: ledger.poView(po, false) };
    }
    case 'DELETE purchaseOrders()': {
      const po = order();
      requireEtag(request, po);
      ledger.deletePurchaseOrder(po);
      return { status: 204 };
    }
    case 'GET purchaseOrders()/purchaseOrderLines': {
      const po = order();
      return {
        status: 200,
        // Lines' views are computed: filtered once rendered.
        body: collection(
          { all: () => po.lines.map((l) => ledger.lineView(po.id, l)) },
          (view) => view,
          query,
        ),
      };
    }
    case 'POST purchaseOrders()/purchaseOrderLines': {
      const po = order();
      return { status: 201, body: ledger.lineView(po.id, ledger.addPurchaseOrderLine(po, body)) };
    }
    case 'PATCH purchaseOrders()/purchaseOrderLines()': {
      const po = order();
      const line = orderLine(po);
      requireEtag(request, line);
      ledger.updatePurchaseOrderLine(po, line, body);
      return { status: 200, body: ledger.lineView(po.id, line) };
    }
    case 'DELETE purchaseOrders()/purchaseOrderLines()': {
      const po = order();
      const line = orderLine(po);
      requireEtag(request, line);
      ledger.deletePurchaseOrderLine(po, line.id);
      return { status: 204 };
    }
    case 'GET purchaseInvoices':
      return {
        status: 200,
        body: collection(
          {
            all: () => ofCompany(ledger.purchaseInvoices.values(), company),
            key: {
              field: 'vendorInvoiceNumber',
              lookup: (n) => ledger.invoicesByVendorInvoiceNumber.get(company, n),
            },
          },
          (inv) => ledger.invoiceView(inv, expands(query, 'purchaseInvoiceLines')),
          query,
        ),
      };
    case 'POST purchaseInvoices':
      return {
        status: 201,
        body: ledger.invoiceView(ledger.createPurchaseInvoice(company, body), true),
      };
    case 'GET purchaseInvoices()':
      return {
        status: 200,
        body: ledger.invoiceView(invoice(), expands(query, 'purchaseInvoiceLines')),
      };
    case 'POST purchaseInvoices()/Microsoft.NAV.post':
      ledger.postPurchaseInvoice(invoice());
      return { status: 204 };
    case 'GET journals':
      return {
        status: 200,
        body: collection(
          {
            all: () => ofCompany(ledger.journals.values(), company),
            key: { field: 'code', lookup: (code) => ledger.journalsByCode.get(company, code) },
          },
          (j) => ledger.journalView(j),
          query,
        ),
      };
    case 'POST journals':
      return { status: 201, body: ledger.journalView(ledger.createJournal(company, body)) };
    case 'GET journals()':
      return { status: 200, body: ledger.journalView(journal()) };
    case 'DELETE journals()': {
      const found = journal();
      requireEtag(request, found);
      ledger.deleteJournal(found);
      return { status: 204 };
    }
    case 'GET journals()/journalLines': {
      const found = journal();
      return {
        status: 200,
        body: collection(
          { all: () => found.lines },
          (l) => ledger.journalLineView(found, l),
          query,
        ),
      };
    }
    case 'POST journals()/journalLines': {
      const found = journal();
      return {
        status: 201,
        body: ledger.journalLineView(found, ledger.addJournalLine(found, body)),
      };
    }
    case 'POST journals()/Microsoft.NAV.post':
      ledger.postJournal(journal());
      return { status: 204 };
    case 'GET generalLedgerEntries':
      return {
        status: 200,
        body: collection(
          {
            all: () => ofCompany(ledger.glEntries, company),
            key: {
              field: 'documentNumber',
              lookup: (n) => ledger.glEntriesByDocumentNumber.get(company, n),
            },
          },
          ({ company: _c, ...entry }) => entry,
          query,
        ),
      };
    default:
      throw new BcError(
        405,
        'BadRequest_MethodNotAllowed',
        `The sandbox does not offer ${method} on ${request.path}.`,
      );
  }

  function order(): PurchaseOrder {
    return ledger.find(ledger.purchaseOrders, company, resource?.key ?? '');
  }
  function orderLine(po: PurchaseOrder) {
    const line = po.lines.find((l) => l.id === child?.key);
    if (!line) throw notFound('purchase order line');
    return line;
  }
  function invoice(): PurchaseInvoice {
    return ledger.find(ledger.purchaseInvoices, company, resource?.key ?? '');
  }
  function journal(): Journal {
    return ledger.find(ledger.journals, company, resource?.key ?? '');
  }
};
