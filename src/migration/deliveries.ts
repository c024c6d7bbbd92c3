/**
 * What a migration delivers, decided from its `DocumentOwnershipChanged` event alone (so a
 * retried or replayed delivery is the same): the document's current state to each target the
 * new route adds (`submit`, each line's quantity what is still to receive, with what was
 * ordered, received and invoiced before), and, under
 * the `cancel-remainder` policy, the open remainder cancelled at each target it drops (a
 * `change` down to what was received, or a `cancel` when nothing was). Pure.
 */
import { decimal, format } from '../domain/decimal.js';
import type { PurchaseOrderState } from '../domain/purchaseOrder/types.js';

export type OldOwnerPolicy = 'cancel-remainder' | 'leave';
export const oldOwnerPolicies: readonly OldOwnerPolicy[] = ['cancel-remainder', 'leave'];

interface RouteTargets {
  owner?: string;
  primary?: string;
  shadow?: string;
}

export interface Quantity {
  value: string;
  uom: string;
}

export interface CarriedOverLine {
  lineNumber: number;
  ordered: Quantity;
  received: Quantity;
  invoiced: Quantity;
}

/** The data of a `DocumentOwnershipChanged` event, as far as deliveries need it. */
export interface OwnershipChange {
  route: RouteTargets;
  previous: RouteTargets;
  migrationId: string;
  by: string;
  reason: string;
  oldOwnerPolicy: OldOwnerPolicy;
  carriedOver: CarriedOverLine[];
}

export type Role = 'primary' | 'shadow';

const targetsOf = (route: RouteTargets): Array<{ target: string; role: Role }> => {
  if (!route.primary) return [];
  const targets: Array<{ target: string; role: Role }> = [
    { target: route.primary, role: 'primary' },
  ];
  if (route.owner === 'dual' && route.shadow)
    targets.push({ target: route.shadow, role: 'shadow' });
  return targets;
};

const nothingReceived = (change: OwnershipChange) =>
  change.carriedOver.every((line) => Number(line.received.value) === 0);

/** The deliveries a migration makes, with the action each target is asked for. */
export const migrationTargets = (
  change: OwnershipChange,
): Array<{ target: string; role: Role; action: 'submit' | 'change' | 'cancel' }> => {
  const before = targetsOf(change.previous);
  const after = targetsOf(change.route);
  const added = after.filter((t) => !before.some((b) => b.target === t.target));
  const dropped = before.filter((t) => !after.some((a) => a.target === t.target));
  return [
    ...added.map((t) => ({ ...t, action: 'submit' as const })),
    ...(change.oldOwnerPolicy === 'cancel-remainder'
      ? dropped.map((t) => ({
          ...t,
          action: nothingReceived(change) ? ('cancel' as const) : ('change' as const),
        }))
      : []),
  ];
};

const why = (change: OwnershipChange) =>
  `Moved to ${change.route.owner} by ${change.by} (migration ${change.migrationId}): ${change.reason}`;

/**
 * The state a migration delivery hands the connector: for the new owner, the order with each
 * line's quantity cut to what is still to receive, and its `ordered`, `received` and
 * `invoiced` quantities before the move; for a dropped owner, the order cut down to what it
 * received (lines with nothing received cancelled), or cancelled when nothing was received.
 */
/**
 * The order as an owner a migration added holds it: each line carried over asks for what is
 * still to receive of what is ordered now (the old owner received the rest, so goods are
 * never received twice; a line fully received asks for 0), with what happened before riding
 * along for its records.
 */
const withRemainders = (state: PurchaseOrderState, change: OwnershipChange): PurchaseOrderState => {
  const carried = new Map(change.carriedOver.map((line) => [line.lineNumber, line]));
  return {
    ...state,
    lines: state.lines.map((line) => {
      const c = carried.get(line.lineNumber);
      if (!c) return line;
      const open = decimal(line.quantity.value).minus(c.received.value);
      return {
        ...line,
        quantity: { ...line.quantity, value: open.gt(0) ? format(open) : '0' },
        ordered: { value: line.quantity.value, uom: line.quantity.uom },
        received: c.received,
        invoiced: c.invoiced,
      };
    }),
  };
};

/**
 * The latest migration that added `target` to the document's route, if `target` has owned
 * (part of) the document only since one; null when it owned it from the start, or lost it.
 */
export const migrationAdding = (
  changes: readonly OwnershipChange[],
  target: string,
): OwnershipChange | null => {
  for (const change of [...changes].reverse()) {
    const before = targetsOf(change.previous).some((t) => t.target === target);
    const after = targetsOf(change.route).some((t) => t.target === target);
    if (after && !before) return change;
    if (before !== after) return null;
  }
  return null;
};

/**
 * What a later command delivers to an owner a migration added: the order with its lines'
 * remainders, as that migration's own `submit` asked, so a change or an acknowledgement does
 * not raise the new owner's lines back to what the old owner already received.
 */
export const stateAfterMigration = (
  state: PurchaseOrderState,
  change: OwnershipChange,
): PurchaseOrderState => withRemainders(state, change);

export const migratedState = (
  state: PurchaseOrderState,
  change: OwnershipChange,
  action: string,
): PurchaseOrderState => {
  if (action === 'submit') return withRemainders(state, change);
  if (action === 'cancel') {
    return { ...state, status: 'cancelled', cancellation: { reason: why(change) } };
  }
  const carried = new Map(change.carriedOver.map((line) => [line.lineNumber, line]));
  return {
    ...state,
    lastChangeReason: `Open remainder cancelled. ${why(change)}`,
    lines: state.lines.map((line) => {
      const received = carried.get(line.lineNumber)?.received;
      if (line.status === 'cancelled') return line;
      if (!received || Number(received.value) === 0) {
        return { ...line, status: 'cancelled', cancellationReason: why(change) };
      }
      return { ...line, quantity: { ...line.quantity, value: received.value } };
    }),
  };
};
