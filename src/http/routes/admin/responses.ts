/**
 * OpenAPI responses of the administration endpoints: what each answers on success, with a
 * real example, and which problems it can answer. Documentation only: responses are
 * serialised as they are (app.ts), so these schemas never filter a field out.
 */
import {
  invalidRequest,
  problemExample as problem,
  problemResponse,
} from '../v1/problemResponses.js';

/** A JSON success response with one example. */
export const success = (description: string, example: unknown) => ({
  description,
  type: 'object',
  additionalProperties: true,
  examples: [example],
});

const rules = '/v1/admin/routing-rules';
const freezes = '/v1/admin/freezes';

export const adminProblems = {
  400: (instance: string, pointer: string, detail: string, where = 'body') =>
    problemResponse(
      'The request does not satisfy its schema; `errors` lists every violation.',
      invalidRequest(instance, pointer, detail, where),
    ),
  401: problemResponse(
    'No valid API key.',
    problem(
      401,
      'unauthenticated',
      'Authentication required',
      'Send an API key as "Authorization: Bearer <key>".',
      rules,
    ),
  ),
  403: (roles: string) =>
    problemResponse(
      'The API key lacks the role.',
      problem(
        403,
        'missing-role',
        'Forbidden',
        `This endpoint requires one of the roles: ${roles}.`,
        rules,
      ),
    ),
  404: (description: string, example: ReturnType<typeof problem>) =>
    problemResponse(description, example),
  409: problemResponse(
    'Another version was published since `expectedVersion`; review against the latest and retry.',
    problem(
      409,
      'rule-set-version-conflict',
      'Conflict',
      'Expected version 3, but version 4 is the latest.',
      rules,
    ),
  ),
  422: (description: string, example: ReturnType<typeof problem>) =>
    problemResponse(description, example),
  429: problemResponse(
    'Too many requests; retry after the Retry-After delay.',
    problem(
      429,
      'rate-limited',
      'Too many requests',
      'Rate limit of 6000 requests per minute exceeded; retry in 12 s.',
      rules,
    ),
  ),
};

export const invalidRuleSet = problem(
  422,
  'invalid-rule-set',
  'Invalid rule set',
  'See errors: each names the rule and the field.',
  rules,
  {
    errors: [
      {
        pointer: '/ruleSet/rules/0/target',
        detail: 'Rule eu-canary: target must be "legacy", "cloud", or an object with dual.',
        in: 'body',
      },
    ],
  },
);

const ruleSetExample = {
  name: 'Phase 1: finance first',
  rules: [
    { id: 'finance-to-cloud', match: { documentTypes: ['journalEntry'] }, target: 'cloud' },
    { id: 'default-legacy', match: {}, target: 'legacy' },
  ],
};

const published = {
  version: 2,
  author: 'cutover-architect',
  reason: 'Move journal entries to the cloud ERP',
  publishedAt: '2026-11-02T14:30:00.000Z',
  effectiveFrom: '2026-11-02T14:30:00.000Z',
  digest: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC7Is0V1sN3Ba0BY',
};

export const ruleSetResponses = {
  inForce: success('The rule set in force at the instant.', {
    at: '2026-11-02T15:00:00.000Z',
    ...published,
    ruleSet: ruleSetExample,
  }),
  versions: success('Every published version, oldest first.', {
    versions: [
      {
        ...published,
        version: 1,
        name: 'Phase 0: everything on the legacy ERP',
        rules: 1,
        reason: 'Go-live',
      },
      { ...published, name: ruleSetExample.name, rules: 2 },
    ],
  }),
  version: success('The published version.', { ...published, ruleSet: ruleSetExample }),
  published: success('Published as a new version.', {
    published: true,
    ...published,
    name: ruleSetExample.name,
    rules: 2,
  }),
  unchanged: success('Identical to the latest version: nothing was published.', {
    published: false,
    ...published,
    name: ruleSetExample.name,
    rules: 2,
  }),
  validation: success('Whether the rule set is valid, and every violation if not.', {
    valid: false,
    violations: [
      {
        ruleId: 'eu-canary',
        pointer: '/rules/0/target',
        message: 'Rule eu-canary: target must be "legacy", "cloud", or an object with dual.',
      },
    ],
  }),
  diff: success('What the proposal changes against the latest published version.', {
    againstVersion: 2,
    identical: false,
    added: ['eu-canary'],
    removed: [],
    changed: [{ id: 'finance-to-cloud', fields: ['match'] }],
    reordered: [],
    header: ['name'],
  }),
};

export const simulationResponse = {
  description: 'NDJSON: progress lines while recorded documents are replayed, then the report.',
  content: {
    'application/x-ndjson': {
      schema: { type: 'string' },
      example: [
        '{"type":"progress","events":5000,"documents":1210}',
        '{"type":"report","ruleSet":"Phase 1: finance first","since":null,"documents":2417,"changed":388,"byScope":[],"splits":[],"ruleHits":{"finance-to-cloud":388,"default-legacy":2029},"unmatchedRules":[]}',
      ].join('\n'),
    },
  },
};

const freeze = {
  freezeId: '3f1c2b7a-8d4e-4f6a-9b0c-1e2d3c4b5a69',
  scope: { sites: ['DAL1'] },
  from: '2026-11-07T22:00:00.000Z',
  until: '2026-11-08T06:00:00.000Z',
  reason: 'Cutover of DAL1 to the cloud ERP',
  frozenBy: 'cutover-architect',
  frozenAt: '2026-11-02T14:30:00.000Z',
};

export const freezeResponses = {
  list: success('Every freeze, with whether it is active now.', {
    freezes: [{ ...freeze, active: false }],
  }),
  created: success(
    'The freeze, declared; commands in its scope get 423 during the window.',
    freeze,
  ),
  lifted: success('The freeze, lifted (lifting a lifted freeze changes nothing).', {
    ...freeze,
    lifted: {
      by: 'cutover-architect',
      at: '2026-11-08T03:10:00.000Z',
      reason: 'Cutover finished early',
    },
  }),
  invalid: problem(
    422,
    'invalid-freeze',
    'Invalid freeze',
    '"until" must be after the start of the window.',
    freezes,
    {
      errors: [{ pointer: '/until', detail: 'must be after from (or now)', in: 'body' }],
    },
  ),
  notFound: problem(
    404,
    'freeze-not-found',
    'Not found',
    'No freeze 3f1c2b7a-8d4e-4f6a-9b0c-1e2d3c4b5a69.',
    `${freezes}/3f1c2b7a-8d4e-4f6a-9b0c-1e2d3c4b5a69/lift`,
  ),
};

export const problemExample = problem;
