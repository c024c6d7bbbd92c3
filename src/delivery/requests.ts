/**
 * From a document's command event to delivery requests (one per target its route names), and
 * from a request back to what the connector receives: the document's state as of that command.
 */
import { type DocumentType, documentTypeInfo, streamNameOf } from '../domain/documents.js';
import { ownershipChangedEventType } from '../domain/events/registry.js';
import { foldDocument } from '../domain/fold.js';
import type { PurchaseOrderState } from '../domain/purchaseOrder/types.js';
import {
  migratedState,
  migrationAdding,
  migrationTargets,
  type OwnershipChange,
  stateAfterMigration,
} from '../migration/deliveries.js';
import type { ErpDelivery } from '../ports/erpConnector.js';
import { categoryOf, type EventStore, type RecordedEvent } from '../ports/eventStore.js';
import { type GateFor, noGates } from './gates.js';
import { type DeliveryRequest, deliveryIdOf } from './records.js';

/** The command events the dispatcher delivers, with the connector action each becomes. */
const commandActions: Record<string, { document: DocumentType; action: ErpDelivery['action'] }> = {
  PurchaseOrderSubmitted: { document: 'purchaseOrder', action: 'submit' },
  PurchaseOrderChanged: { document: 'purchaseOrder', action: 'change' },
  PurchaseOrderCancelled: { document: 'purchaseOrder', action: 'cancel' },
  PurchaseOrderAcknowledged: { document: 'purchaseOrder', action: 'acknowledge' },
  ShipmentNoticeSubmitted: { document: 'shipmentNotice', action: 'submit' },
  GoodsReceiptRecorded: { document: 'goodsReceipt', action: 'submit' },
  SupplierInvoiceReceived: { document: 'supplierInvoice', action: 'submit' },
  JournalEntrySubmitted: { document: 'journalEntry', action: 'submit' },
};

export const documentCategories = Object.values(documentTypeInfo).map((i) => i.streamCategory);

const childTypes: ReadonlySet<DocumentType> = new Set([
  'shipmentNotice',
  'goodsReceipt',
  'supplierInvoice',
]);

interface RecordedRoute {
  owner?: string;
  primary?: string;
  shadow?: string;
}

/** Targets a route delivers to: the owner (primary), plus the shadow of a dual route. */
export const targetsOf = (
  route: RecordedRoute | undefined,
): Array<{ target: string; role: 'primary' | 'shadow' }> => {
  if (!route || route.owner === 'unresolved' || typeof route.primary !== 'string') return [];
  const targets: Array<{ target: string; role: 'primary' | 'shadow' }> = [
    { target: route.primary, role: 'primary' },
  ];
  if (route.owner === 'dual' && typeof route.shadow === 'string') {
    targets.push({ target: route.shadow, role: 'shadow' });
  }
  return targets;
};

/**
 * The delivery requests one recorded event makes: none for events that are not commands
 * (ownership, unknown types) or for an unresolved owner, which is never delivered.
 */
export const requestsFor = (event: RecordedEvent, now: Date): DeliveryRequest[] => {
  if (event.type === ownershipChangedEventType) return migrationRequestsFor(event, now);
  const command = commandActions[event.type];
  if (!command) return [];
  const metadata = event.metadata as Record<string, unknown>;
  const targets = targetsOf(metadata.route as RecordedRoute | undefined);
  return requestsTo(
    event,
    command.document,
    event.data as Record<string, unknown>,
    targets.map((t) => ({ ...t, action: command.action })),
    now,
  );
};

/**
 * A migration (src/migration/) delivers the document's current state to the owner it adds
 * and, under its policy, cancels the open remainder at the owner it drops.
 */
const migrationRequestsFor = (event: RecordedEvent, now: Date): DeliveryRequest[] => {
  const change = event.data as unknown as OwnershipChange & {
    document: { type: DocumentType; key: Record<string, string> };
  };
  return requestsTo(
    event,
    change.document.type,
    change.document.key,
    migrationTargets(change),
    now,
  );
};

const requestsTo = (
  event: RecordedEvent,
  document: DocumentType,
  data: Record<string, unknown>,
  targets: Array<{ target: string; role: 'primary' | 'shadow'; action: string }>,
  now: Date,
): DeliveryRequest[] => {
  const info = documentTypeInfo[document];
  if (categoryOf(event.streamName) !== info.streamCategory) return [];
  const [a, b] = info.keyFields;
  const documentKey = { [a]: String(data[a] ?? ''), [b]: String(data[b] ?? '') };
  const parents = childTypes.has(document) ? parentStreamsOf(document, data) : [];
  const metadata = event.metadata as Record<string, unknown>;
  return targets.map(({ target, role, action }) => ({
    deliveryId: deliveryIdOf(target, event.id),
    target,
    role,
    documentStream: event.streamName,
    documentType: document,
    documentKey,
    commandEventId: event.id,
    commandEventType: event.type,
    commandRevision: Number(event.revision),
    commandPosition: event.position.toString(),
    action,
    parents,
    correlationId: typeof metadata.correlationId === 'string' ? metadata.correlationId : null,
    commandId: typeof metadata.commandId === 'string' ? metadata.commandId : null,
    requestedAt: now.toISOString(),
  }));
};

/**
 * Streams of the documents a child's delivery waits for: the purchase orders its lines
 * reference (same company) and, for a receipt naming its shipment notice, that notice (same
 * supplier): an ERP books the receipt against what the notice announced, and a notice arriving
 * after its goods were received finds them done (Tryton refuses it).
 */
const parentStreamsOf = (document: DocumentType, data: Record<string, unknown>): string[] => {
  const company = String(data.company ?? '');
  const lines = Array.isArray(data.lines) ? (data.lines as Array<{ poNumber?: unknown }>) : [];
  const poNumbers = [...new Set(lines.map((l) => String(l.poNumber ?? '')).filter(Boolean))];
  const orders = poNumbers.map((poNumber) =>
    streamNameOf({ type: 'purchaseOrder', key: { company, poNumber } }),
  );
  if (document !== 'goodsReceipt' || typeof data.asnNumber !== 'string') return orders;
  const notice = { supplier: String(data.supplier ?? ''), asnNumber: data.asnNumber };
  return [...orders, streamNameOf({ type: 'shipmentNotice', key: notice })];
};

/**
 * Why a document may not be delivered, or null. A child whose recorded exceptions block it
 * (a blocking severity, or the domain's `deliverable: false`) is dead-lettered with this
 * reason instead of reaching the ERP; warnings are delivered.
 */
export const undeliverableReason = (state: object): string | null => {
  const s = state as { deliverable?: unknown; exceptions?: unknown };
  const exceptions = Array.isArray(s.exceptions)
    ? (s.exceptions as Array<{ code?: string; severity?: string; detail?: string }>)
    : [];
  const blocking = exceptions.filter((e) => e.severity === 'blocking');
  if (blocking.length === 0 && s.deliverable !== false) return null;
  const listed = blocking.map((e) => `${e.code}: ${e.detail}`).join('; ');
  return `The document carries blocking exceptions${listed ? ` (${listed})` : ''}: it is recorded but not delivered.`;
};

export type PreparedDelivery =
  | { kind: 'ready'; delivery: ErpDelivery }
  /** Its gate holds it: nothing is attempted until the document's state allows it. */
  | { kind: 'held'; reason: string }
  /** Its gate says it will never be delivered (e.g. a rejected invoice). */
  | { kind: 'skipped'; reason: string }
  | {
      kind: 'refused';
      code: 'not-deliverable' | 'document-missing' | 'gate-refused';
      message: string;
    };

/**
 * Where the document's events come from: the dispatcher keeps those it has just read from the
 * log (DocumentEvents), and reads the store for the others.
 */
export type ReadDocument = (
  documentStream: string,
  /** Events up to this revision at least; all of them when the document type has a gate. */
  upToRevision: number | 'all',
) => Promise<readonly RecordedEvent[]>;

export const readDocumentFrom =
  (store: EventStore): ReadDocument =>
  (documentStream, upToRevision) =>
    store.readStream(documentStream, upToRevision === 'all' ? {} : { maxCount: upToRevision + 1 });

/** The order as `target` must receive it, given the migrations in its history. */
const afterMigrations = (
  state: PurchaseOrderState,
  events: readonly RecordedEvent[],
  target: string,
): PurchaseOrderState => {
  const changes = events
    .filter((event) => event.type === ownershipChangedEventType)
    .map((event) => event.data as unknown as OwnershipChange);
  const migration = migrationAdding(changes, target);
  return migration ? stateAfterMigration(state, migration) : state;
};

/**
 * The connector's input for a request: the document folded up to the command it delivers,
 * once its gate (if its type has one) lets it go, given the document's current state.
 */
export const prepareDelivery = async (
  read: ReadDocument,
  request: DeliveryRequest,
  gateFor: GateFor = noGates,
): Promise<PreparedDelivery> => {
  const type = request.documentType as DocumentType;
  const gate = gateFor(type);
  const events = await read(request.documentStream, gate ? 'all' : request.commandRevision);
  const upToCommand =
    events.length > request.commandRevision + 1
      ? events.slice(0, request.commandRevision + 1)
      : events;
  const state = foldDocument(type, upToCommand);
  if (!state || upToCommand.length <= request.commandRevision) {
    return {
      kind: 'refused',
      code: 'document-missing',
      message: `Stream ${request.documentStream} holds no command up to revision ${request.commandRevision}.`,
    };
  }
  if (gate) {
    const current = upToCommand === events ? state : foldDocument(type, events);
    const decision = gate(current ?? state, {
      target: request.target,
      role: request.role,
      action: request.action,
      commandRevision: request.commandRevision,
      events,
    });
    if (decision.kind === 'wait') return { kind: 'held', reason: decision.reason };
    if (decision.kind === 'skip') return { kind: 'skipped', reason: decision.reason };
    if (decision.kind === 'refuse') {
      return { kind: 'refused', code: 'gate-refused', message: decision.reason };
    }
  }
  const reason = undeliverableReason(state);
  if (reason) return { kind: 'refused', code: 'not-deliverable', message: reason };
  // A migration delivers the order as it asks, and an owner it added keeps receiving the
  // lines' remainders with every later command (src/migration/deliveries.ts).
  const command = events[request.commandRevision];
  const delivered =
    type !== 'purchaseOrder'
      ? state
      : command?.type === ownershipChangedEventType
        ? migratedState(
            state as PurchaseOrderState,
            command.data as unknown as OwnershipChange,
            request.action,
          )
        : afterMigrations(state as PurchaseOrderState, upToCommand, request.target);
  // The fold's shape is the document type's canonical state (the port's contract).
  const delivery = {
    document: type,
    action: request.action,
    key: request.documentKey,
    state: delivered,
  } as unknown as ErpDelivery;
  return { kind: 'ready', delivery };
};
