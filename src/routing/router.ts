/**
 * Routers: the published rule sets with purchase-order affinity, and a single-target router
 * for a gateway that has no rule set.
 */

import type { CompiledRuleSet } from './evaluator.js';
import { evaluate } from './evaluator.js';
import type { Erp, ParentRoute, RouteDecision, Router, RoutingInput } from './route.js';
import { describeTarget, type Target } from './ruleSet.js';

const fromTarget = (
  target: Target,
): Pick<RouteDecision & { owner: Erp | 'dual' }, 'owner' | 'primary'> & { shadow?: Erp } =>
  typeof target === 'string'
    ? { owner: target, primary: target }
    : { owner: 'dual', primary: target.dual.primary, shadow: target.dual.shadow };

const ownerLabel = (route: RouteDecision): string =>
  route.owner === 'dual' ? `dual (primary ${route.primary}, shadow ${route.shadow})` : route.owner;

/** Same ERP(s) in the same roles. */
const sameOwner = (a: RouteDecision, b: RouteDecision): boolean => ownerLabel(a) === ownerLabel(b);

/**
 * Affinity: a document that references purchase orders follows their owner. Returns null
 * when none of them is known, so the rules decide.
 */
export const followParents = (parents: readonly ParentRoute[]): RouteDecision | null => {
  const known = parents.filter(
    (p): p is { poNumber: string; route: RouteDecision } => p.route !== null,
  );
  const first = known[0];
  if (!first) return null;
  const unknown = parents.filter((p) => p.route === null).map((p) => p.poNumber);
  const unknownNote = unknown.length
    ? ` Purchase order(s) ${unknown.join(', ')} are unknown to the gateway.`
    : '';
  if (known.some((p) => !sameOwner(p.route, first.route))) {
    return {
      owner: 'unresolved',
      basis: 'parent',
      ruleId: null,
      ruleSetVersion: null,
      parents: known.map((p) => ({ poNumber: p.poNumber, owner: ownerLabel(p.route) })),
      reason: `Lines reference purchase orders owned by different ERPs (${known
        .map((p) => `${p.poNumber}: ${ownerLabel(p.route)}`)
        .join('; ')}); recorded and held for an operator instead of being split.${unknownNote}`,
    };
  }
  const { route } = first;
  if (route.owner === 'unresolved') return route;
  return {
    ...route,
    basis: 'parent',
    reason: `Follows the owner of purchase order ${known.map((p) => p.poNumber).join(', ')}: ${ownerLabel(route)}.${unknownNote}`,
  };
};

export const singleTargetRouter = (owner: Erp): Router => ({
  decide: (_input, parents) =>
    (parents && followParents(parents)) ?? {
      owner,
      primary: owner,
      ruleId: null,
      ruleSetVersion: null,
      basis: 'default',
      reason: `No routing rule set is published; the gateway's default target is ${owner}.`,
    },
});

/** Routes by the rule set in force, children following their purchase orders. */
/** Where the router finds the rule set in force (the registry, or a simulation's proposal). */
export interface RuleSetSource {
  compiledInForceAt(at: Date): CompiledRuleSet | undefined;
}

export const ruleSetRouter = (registry: RuleSetSource, fallback: Erp): Router => {
  const noRules = singleTargetRouter(fallback);
  return {
    decide(input: RoutingInput, parents, at) {
      const compiled = registry.compiledInForceAt(at);
      if (!compiled) return noRules.decide(input, parents, at);
      const followed = parents ? followParents(parents) : null;
      if (followed) return followed;
      const decision = evaluate(compiled, input, at);
      if (!decision) return noRules.decide(input, parents, at);
      const { rule } = decision;
      const common = { ruleId: rule.id, ruleSetVersion: compiled.version };
      if (parents && parents.length > 0) {
        const target = rule.unknownParent ?? rule.target;
        return {
          ...fromTarget(target),
          ...common,
          basis: 'unknownParent',
          reason: `Purchase order(s) ${parents.map((p) => p.poNumber).join(', ')} unknown to the gateway; ${decision.explanation} Its unknownParent target is ${describeTarget(target)}.`,
        } as RouteDecision;
      }
      return {
        ...fromTarget(rule.target),
        ...common,
        basis: 'rule',
        reason: `${decision.explanation} Target: ${describeTarget(rule.target)}.`,
      } as RouteDecision;
    },
  };
};
