/**
 * The audit API answers queries only. GraphQL itself refuses a mutation or subscription on a
 * schema without those root types at execution, with no `extensions.code`; refusing it while
 * validating gives it one, like every other refusal.
 */
import type { ASTVisitor, OperationDefinitionNode, ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

const queriesOnly = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node: OperationDefinitionNode) {
    if (node.operation === 'query') return;
    context.reportError(
      createGraphQLError(
        `The audit API is read-only: it answers queries, not ${node.operation}s.`,
        { nodes: [node], extensions: { code: 'OPERATION_NOT_SUPPORTED' } },
      ),
    );
  },
});

export const readOnly: Plugin = {
  onValidate: ({ addValidationRule }) => addValidationRule(queriesOnly),
};
