/**
 * A shortcut for the most common profile expressions: a plain path of names (`open`,
 * `journal.id`, ``order.`@odata.etag` ``), optionally ending in a fixed index (`value[0]`), and
 * `$exists(path)` / `$not($exists(path))` of one. A JSONata evaluation costs tens of
 * microseconds even for these (a frame, a promise per step, sequences); a profile operation
 * evaluates a dozen of them per delivery, so they are read directly here.
 *
 * Only the shapes whose JSONata meaning is plain property access are taken: every value passed
 * through is a JSON object (JSONata maps a path over arrays, and flattens), and the value found
 * is not an array (JSONata may unwrap or flatten sequences). Anything else answers `undecided`
 * and the caller evaluates the expression with JSONata itself, so results never differ.
 */

/** Answered when the shortcut cannot decide; the caller evaluates with JSONata. */
export const undecided: unique symbol = Symbol('undecided');

export type DirectPath = (input: unknown) => unknown;

interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  stages?: Node[];
  expr?: Node;
  arguments?: Node[];
  procedure?: Node;
  predicate?: unknown;
  group?: unknown;
  focus?: unknown;
  index?: unknown;
  tuple?: unknown;
  keepArray?: unknown;
  keepSingletonArray?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The names of a plain path and its final index, or undefined when it is anything more. */
const plainPath = (node: Node): { names: string[]; index?: number } | undefined => {
  if (node.type !== 'path' || !node.steps || node.steps.length === 0) return undefined;
  if (node.keepSingletonArray || node.group || node.tuple) return undefined;
  const names: string[] = [];
  let index: number | undefined;
  for (const [i, step] of node.steps.entries()) {
    if (step.type !== 'name' || typeof step.value !== 'string') return undefined;
    if (step.predicate || step.group || step.focus || step.index || step.tuple) return undefined;
    if (step.keepArray) return undefined;
    if (step.stages && step.stages.length > 0) {
      const [stage] = step.stages;
      const last = i === node.steps.length - 1;
      const literal = stage?.expr;
      if (!last || step.stages.length !== 1 || stage?.type !== 'filter') return undefined;
      if (literal?.type !== 'number' || !Number.isInteger(literal.value)) return undefined;
      if ((literal.value as number) < 0) return undefined;
      index = literal.value as number;
    }
    names.push(step.value);
  }
  return index === undefined ? { names } : { names, index };
};

const reader = ({ names, index }: { names: string[]; index?: number }): DirectPath => {
  return (input) => {
    let value: unknown = input;
    for (const name of names) {
      if (!isObject(value)) return value === undefined ? undefined : undecided;
      value = Object.hasOwn(value, name) ? value[name] : undefined;
    }
    if (index !== undefined) {
      if (!Array.isArray(value)) return value === undefined ? undefined : undecided;
      value = value[index];
    }
    // An array found (or one inside a selected array) is JSONata's sequence business.
    return Array.isArray(value) ? undecided : value;
  };
};

const isCall = (node: Node, name: string) =>
  node.type === 'function' &&
  node.procedure?.type === 'variable' &&
  node.procedure.value === name &&
  node.arguments?.length === 1;

/** The shortcut for an expression's AST, when it has one of the shapes above. */
export const directPath = (ast: unknown): DirectPath | undefined => {
  const node = ast as Node;
  const path = plainPath(node);
  if (path) return reader(path);
  if (isCall(node, 'exists')) {
    const inner = plainPath(node.arguments?.[0] as Node);
    if (!inner) return undefined;
    const read = reader(inner);
    return (input) => {
      const value = read(input);
      return value === undecided ? undecided : value !== undefined;
    };
  }
  if (isCall(node, 'not')) {
    const exists = node.arguments?.[0] as Node;
    if (!isCall(exists, 'exists')) return undefined;
    const test = directPath(exists);
    if (!test) return undefined;
    return (input) => {
      const value = test(input);
      return value === undecided ? undecided : !value;
    };
  }
  return undefined;
};
