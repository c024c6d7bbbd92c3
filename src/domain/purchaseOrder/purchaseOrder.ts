/**
 * Purchase order: pure decide (state + command → events) and evolve (state + event → state).
 * No I/O; the command handler loads the state, calls decide and appends the events.
 */
import {
  checkUniqueLineNumbers,
  DocumentNotFoundError,
  DocumentStateConflictError,
  Violations,
} from '../errors.js';
import type {
  AcknowledgePurchaseOrder,
  CancelPurchaseOrder,
  ChangePurchaseOrder,
  PurchaseOrderEvent,
  PurchaseOrderKey,
  PurchaseOrderLineState,
  PurchaseOrderState,
  SubmitPurchaseOrder,
} from './types.js';

export const evolve = (
  state: PurchaseOrderState | null,
  event: PurchaseOrderEvent,
): PurchaseOrderState | null => {
  if (event.type === 'PurchaseOrderSubmitted') {
    const { lines, company, poNumber, supplier, site, currency, orderDate } = event.data;
    return {
      company,
      poNumber,
      supplier,
      site,
      currency,
      orderDate,
      status: 'open',
      requestedDeliveryDate: event.data.requestedDeliveryDate,
      shipTo: event.data.shipTo,
      notes: event.data.notes,
      lines: lines.map((line) => ({ ...line, status: 'open' })),
      changeCount: 0,
    };
  }
  if (state === null) return null; // a stream must start with Submitted; ignore anything else
  switch (event.type) {
    case 'PurchaseOrderChanged': {
      const { requestedDeliveryDate, shipTo, notes } = event.data;
      const lines = state.lines.map((line) => ({ ...line }));
      for (const change of event.data.lines ?? []) {
        const index = lines.findIndex((line) => line.lineNumber === change.lineNumber);
        if (change.action === 'add') {
          const { action: _action, ...line } = change;
          lines.push({ ...line, status: 'open' });
        } else if (index >= 0) {
          const current = lines[index] as PurchaseOrderLineState;
          if (change.action === 'cancel') {
            lines[index] = { ...current, status: 'cancelled' };
          } else {
            const { action: _action, lineNumber: _n, ...fields } = change;
            lines[index] = { ...current, ...fields };
          }
        }
      }
      return {
        ...state,
        requestedDeliveryDate: requestedDeliveryDate ?? state.requestedDeliveryDate,
        shipTo: shipTo ?? state.shipTo,
        notes: notes ?? state.notes,
        lines,
        changeCount: state.changeCount + 1,
      };
    }
    case 'PurchaseOrderCancelled':
      return {
        ...state,
        status: 'cancelled',
        cancellation: { reason: event.data.reason, cancelledAt: event.data.cancelledAt },
      };
    case 'PurchaseOrderAcknowledged': {
      const byLine = new Map((event.data.lines ?? []).map((ack) => [ack.lineNumber, ack]));
      return {
        ...state,
        status: event.data.status === 'rejected' ? 'rejected' : 'acknowledged',
        acknowledgement: { status: event.data.status, acknowledgedAt: event.data.acknowledgedAt },
        lines: state.lines.map((line) => {
          const ack = byLine.get(line.lineNumber);
          if (!ack) return line;
          const { lineNumber: _n, note: _note, ...acknowledgement } = ack;
          return { ...line, acknowledgement };
        }),
      };
    }
  }
};

export const foldPurchaseOrder = (events: readonly PurchaseOrderEvent[]) =>
  events.reduce<PurchaseOrderState | null>(evolve, null);

export const submit = (
  state: PurchaseOrderState | null,
  command: SubmitPurchaseOrder,
): PurchaseOrderEvent[] => {
  if (state !== null) {
    throw new DocumentStateConflictError(
      'document-exists',
      `Purchase order ${command.company}/${command.poNumber} already exists; use its changes endpoint to amend it.`,
    );
  }
  const violations = new Violations();
  checkUniqueLineNumbers(command.lines, violations);
  violations.throwIfAny('invalid-purchase-order');
  return [{ type: 'PurchaseOrderSubmitted', data: command }];
};

const requireOpen = (
  state: PurchaseOrderState | null,
  key: PurchaseOrderKey,
  verb: string,
): PurchaseOrderState => {
  if (state === null) {
    throw new DocumentNotFoundError(
      `Purchase order ${key.company}/${key.poNumber} does not exist.`,
    );
  }
  if (state.status === 'cancelled' || state.status === 'closed') {
    throw new DocumentStateConflictError(
      `purchase-order-${state.status}`,
      `Purchase order ${key.company}/${key.poNumber} is ${state.status}; it cannot be ${verb}.`,
    );
  }
  return state;
};

export const change = (
  state: PurchaseOrderState | null,
  key: PurchaseOrderKey,
  command: ChangePurchaseOrder,
): PurchaseOrderEvent[] => {
  const current = requireOpen(state, key, 'changed');
  const violations = new Violations();
  const lines = command.lines ?? [];
  checkUniqueLineNumbers(lines, violations);
  const existing = new Map(current.lines.map((line) => [line.lineNumber, line]));
  lines.forEach((line, index) => {
    const pointer = `/lines/${index}/lineNumber`;
    const known = existing.get(line.lineNumber);
    if (line.action === 'add') {
      if (known) violations.add(pointer, `Line ${line.lineNumber} already exists; use "update".`);
    } else if (!known) {
      violations.add(pointer, `Purchase order has no line ${line.lineNumber}.`);
    } else if (known.status === 'cancelled') {
      violations.add(pointer, `Line ${line.lineNumber} is cancelled; it cannot be changed.`);
    }
  });
  violations.throwIfAny('invalid-change');
  return [{ type: 'PurchaseOrderChanged', data: { ...key, ...command } }];
};

export const cancel = (
  state: PurchaseOrderState | null,
  key: PurchaseOrderKey,
  command: CancelPurchaseOrder,
): PurchaseOrderEvent[] => {
  requireOpen(state, key, 'cancelled');
  return [{ type: 'PurchaseOrderCancelled', data: { ...key, ...command } }];
};

export const acknowledge = (
  state: PurchaseOrderState | null,
  key: PurchaseOrderKey,
  command: AcknowledgePurchaseOrder,
): PurchaseOrderEvent[] => {
  const current = requireOpen(state, key, 'acknowledged');
  const violations = new Violations();
  const lines = command.lines ?? [];
  checkUniqueLineNumbers(lines, violations);
  const existing = new Map(current.lines.map((line) => [line.lineNumber, line]));
  lines.forEach((line, index) => {
    const known = existing.get(line.lineNumber);
    if (!known) {
      violations.add(
        `/lines/${index}/lineNumber`,
        `Purchase order has no line ${line.lineNumber}.`,
      );
    } else if (known.status === 'cancelled') {
      violations.add(
        `/lines/${index}/lineNumber`,
        `Line ${line.lineNumber} is cancelled; it cannot be acknowledged.`,
      );
    } else if (
      line.status === 'changed' &&
      !line.confirmedQuantity &&
      !line.confirmedUnitPrice &&
      !line.confirmedDeliveryDate
    ) {
      violations.add(
        `/lines/${index}/status`,
        `Line ${line.lineNumber} is "changed" but confirms no quantity, price or date.`,
      );
    }
  });
  violations.throwIfAny('invalid-acknowledgement');
  return [{ type: 'PurchaseOrderAcknowledged', data: { ...key, ...command } }];
};
