/**
 * Introspection under the same guard as every other question. Armor's depth limit skips
 * `__schema`, so a query 60 `ofType` levels deep would pass it; here introspection is
 *
 * - refused in production, with a code (`INTROSPECTION_DISABLED`): field suggestions are
 *   blocked there too, so the schema is not handed out to whoever holds a key;
 * - depth-limited in development, with an allowance that fits GraphiQL's introspection query
 *   (depth 21 as armor counts, fragments included) and nothing much deeper.
 */
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import type { ASTVisitor, FieldNode, GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';

/** The standard introspection query's depth (21) and a little room for a client's variant. */
export const introspectionDepth = 25;

const introspectionFields = new Set(['__schema', '__type']);

const refuseIntrospection = (context: ValidationContext): ASTVisitor => ({
  Field(node: FieldNode) {
    if (!introspectionFields.has(node.name.value)) return;
    context.reportError(
      createGraphQLError('Introspection is disabled in production mode.', {
        nodes: [node],
        extensions: { code: 'INTROSPECTION_DISABLED' },
      }),
    );
  },
});

export const introspectionGuard = (
  development: boolean,
  onReject: (context: unknown, error: GraphQLError) => void,
): Plugin =>
  development
    ? maxDepthPlugin({ n: introspectionDepth, ignoreIntrospection: false, onReject: [onReject] })
    : { onValidate: ({ addValidationRule }) => addValidationRule(refuseIntrospection) };
