/**
 * Routing administration: publish, validate, diff and simulate rule sets (architects), and
 * read the published history (architects, auditors, operators).
 */
import type { FastifyInstance } from 'fastify';
import type { EventStore } from '../../../ports/eventStore.js';
import type { PublishedRuleSet, RuleSetRegistry } from '../../../registries/ruleSets.js';
import { diffRuleSets } from '../../../routing/diff.js';
import type { RuleSet } from '../../../routing/ruleSet.js';
import { simulate } from '../../../routing/simulation.js';
import type { RuleSetCheck } from '../../../routing/validate.js';
import { HttpProblem } from '../../problem.js';
import { assertValidRequest } from '../v1/violations.js';
import {
  invalidRuleSet,
  adminProblems as p,
  problemExample,
  ruleSetResponses,
  simulationResponse,
} from './responses.js';

export interface RoutingAdminOptions {
  registry: RuleSetRegistry;
  store: EventStore;
  validateRuleSet: (input: unknown) => RuleSetCheck;
}

const readers = ['architect', 'auditor', 'operator'] as const;

const base = '/v1/admin/routing-rules';
const readerProblems = { 401: p[401], 403: p[403](readers.join(', ')), 429: p[429] };
const architectProblems = {
  400: p[400](base, '/reason', 'reason must NOT have fewer than 3 characters.'),
  401: p[401],
  403: p[403]('architect'),
  429: p[429],
};
const noRuleSet = (detail: string, instance: string) =>
  p[404]('No such rule set.', problemExample(404, 'no-rule-set', 'No rule set', detail, instance));

const proposal = {
  type: 'object',
  required: ['ruleSet'],
  additionalProperties: false,
  properties: {
    ruleSet: {
      type: 'object',
      description:
        'The rule set (contracts/routing-rules/v1/rule-set.json); validated after parsing.',
    },
    reason: {
      type: 'string',
      minLength: 3,
      maxLength: 2000,
      description: 'Why (recorded for auditors).',
    },
    expectedVersion: {
      type: 'integer',
      minimum: 0,
      description:
        'The version this proposal was reviewed against; publishing fails if another was published since.',
    },
    since: {
      type: 'string',
      format: 'date-time',
      description: 'Simulation: only documents created since then.',
    },
  },
} as const;

const summary = (published: PublishedRuleSet) => {
  const { ruleSet, ...rest } = published;
  return { ...rest, name: ruleSet.name, rules: ruleSet.rules.length };
};

const parseInstant = (value: string | undefined): Date => {
  if (value === undefined) return new Date();
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw new HttpProblem(
      400,
      'invalid-request',
      'Bad request',
      `"at" must be an ISO 8601 instant, not ${value}.`,
      {
        errors: [{ pointer: '/at', detail: 'must be an ISO 8601 date-time', in: 'query' }],
      },
    );
  }
  return at;
};

export const routingRuleRoutes = async (app: FastifyInstance, options: RoutingAdminOptions) => {
  const { registry, store, validateRuleSet } = options;

  const checked = (input: unknown): RuleSet => {
    const result = validateRuleSet(input);
    if (!result.ok) {
      throw new HttpProblem(
        422,
        'invalid-rule-set',
        'Invalid rule set',
        'See errors: each names the rule and the field.',
        {
          errors: result.violations.map((v) => ({
            pointer: `/ruleSet${v.pointer}`,
            detail: v.message,
            in: 'body',
          })),
        },
      );
    }
    return result.ruleSet;
  };

  app.get('/routing-rules', {
    config: { roles: readers },
    // `at` and unknown parameters are refused together (v1/violations.ts).
    attachValidation: true,
    schema: {
      summary: 'The rule set in force now, or at the instant ?at=',
      tags: ['routing'],
      querystring: {
        type: 'object',
        properties: { at: { type: 'string', format: 'date-time' } },
        additionalProperties: false,
      },
      response: {
        200: ruleSetResponses.inForce,
        400: p[400](`${base}?at=yesterday`, '/at', 'must be an ISO 8601 date-time', 'query'),
        ...readerProblems,
        404: noRuleSet(
          'No rule set was in force at 2020-01-01T00:00:00.000Z.',
          `${base}?at=2020-01-01T00:00:00Z`,
        ),
      },
    },
    handler: async (request) => {
      assertValidRequest(request);
      await registry.refresh();
      const at = parseInstant((request.query as { at?: string }).at);
      const inForce = registry.inForceAt(at);
      if (!inForce) {
        throw new HttpProblem(
          404,
          'no-rule-set',
          'No rule set',
          `No rule set was in force at ${at.toISOString()}.`,
        );
      }
      return { at: at.toISOString(), ...inForce };
    },
  });

  app.get('/routing-rules/versions', {
    config: { roles: readers },
    schema: {
      summary: 'Every published version, oldest first',
      tags: ['routing'],
      response: { 200: ruleSetResponses.versions, ...readerProblems },
    },
    handler: async () => {
      await registry.refresh();
      return { versions: registry.list().map(summary) };
    },
  });

  app.get('/routing-rules/versions/:version', {
    config: { roles: readers },
    schema: {
      summary: 'One published version',
      tags: ['routing'],
      params: {
        type: 'object',
        required: ['version'],
        properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
      },
      response: {
        200: ruleSetResponses.version,
        400: p[400](
          `${base}/versions/abc`,
          '/version',
          'version must be a positive whole number such as "3".',
          'path',
        ),
        ...readerProblems,
        404: noRuleSet('No rule set version 9.', `${base}/versions/9`),
      },
    },
    handler: async (request) => {
      await registry.refresh();
      const version = Number((request.params as { version: string }).version);
      const published = registry.get(version);
      if (!published)
        throw new HttpProblem(404, 'no-rule-set', 'Not found', `No rule set version ${version}.`);
      return published;
    },
  });

  app.post('/routing-rules', {
    config: { roles: ['architect'] },
    schema: {
      summary: 'Publish a rule set (new documents only; open ones drain)',
      tags: ['routing'],
      body: proposal,
      response: {
        201: ruleSetResponses.published,
        200: ruleSetResponses.unchanged,
        ...architectProblems,
        409: p[409],
        422: p[422](
          'The rule set is not valid; `errors` names each rule and field.',
          invalidRuleSet,
        ),
      },
    },
    handler: async (request, reply) => {
      const body = request.body as { ruleSet: unknown; reason?: string; expectedVersion?: number };
      if (!body.reason) {
        throw new HttpProblem(
          400,
          'invalid-request',
          'Bad request',
          'A reason is required to publish.',
          {
            errors: [{ pointer: '/reason', detail: 'reason is required.', in: 'body' }],
          },
        );
      }
      const ruleSet = checked(body.ruleSet);
      const author = request.principal?.clientId ?? 'unknown';
      const result = await registry.publish(
        ruleSet,
        { author, reason: body.reason, keyId: request.principal?.keyId },
        body.expectedVersion,
      );
      return reply
        .code(result.published ? 201 : 200)
        .send({ published: result.published, ...summary(result.version) });
    },
  });

  app.post('/routing-rules/validation', {
    config: { roles: ['architect'] },
    schema: {
      summary: 'Validate a rule set without publishing it',
      tags: ['routing'],
      body: proposal,
      response: { 200: ruleSetResponses.validation, ...architectProblems },
    },
    handler: async (request) => {
      const result = validateRuleSet((request.body as { ruleSet: unknown }).ruleSet);
      return result.ok
        ? { valid: true, violations: [] }
        : { valid: false, violations: result.violations };
    },
  });

  app.post('/routing-rules/diff', {
    config: { roles: ['architect'] },
    schema: {
      summary: 'What a rule set changes against the one in force now',
      tags: ['routing'],
      body: proposal,
      response: {
        200: ruleSetResponses.diff,
        ...architectProblems,
        422: p[422](
          'The rule set is not valid; `errors` names each rule and field.',
          invalidRuleSet,
        ),
      },
    },
    handler: async (request) => {
      await registry.refresh();
      const proposed = checked((request.body as { ruleSet: unknown }).ruleSet);
      // Against what new documents are routed by now, not a later version still to come.
      const inForce = registry.inForceAt(new Date());
      return {
        againstVersion: inForce?.version ?? 0,
        ...diffRuleSets(inForce?.ruleSet ?? null, proposed),
      };
    },
  });

  app.post('/routing-rules/simulations', {
    config: { roles: ['architect'] },
    schema: {
      summary:
        'Replay recorded documents against a proposed rule set (NDJSON: progress lines, then the report)',
      tags: ['routing'],
      body: proposal,
      response: {
        200: simulationResponse,
        ...architectProblems,
        422: p[422](
          'The rule set is not valid; `errors` names each rule and field.',
          invalidRuleSet,
        ),
      },
    },
    handler: async (request, reply) => {
      const body = request.body as { ruleSet: unknown; since?: string };
      const proposed = checked(body.ruleSet);
      reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      const write = (line: object) => reply.raw.write(`${JSON.stringify(line)}\n`);
      try {
        const report = await simulate(store.readAll(), proposed, {
          ...(body.since ? { since: new Date(body.since) } : {}),
          onProgress: (progress) => write({ type: 'progress', ...progress }),
        });
        write({ type: 'report', ...report });
      } catch (error) {
        request.log.error({ err: error }, 'simulation failed');
        write({ type: 'error', detail: `The simulation failed; quote request id ${request.id}.` });
      }
      reply.raw.end();
      return reply;
    },
  });
};
