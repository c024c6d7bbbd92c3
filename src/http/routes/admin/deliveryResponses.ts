/** OpenAPI responses of the delivery routes, each with a realistic example. */
import { problemResponse } from '../v1/problemResponses.js';
import { adminProblems as p, problemExample as problem, success } from './responses.js';

const deliveries = '/v1/admin/deliveries';
const status = {
  id: 'd-7c1e2f0a-legacy-primary',
  state: 'dead-lettered',
  target: 'legacy',
  role: 'primary',
  documentType: 'purchaseOrder',
  documentStream: 'PurchaseOrder-ACME-US/4500012345',
  documentKey: { company: 'ACME-US', poNumber: '4500012345' },
  command: {
    eventId: '0b7e4c52-3d1a-4f0e-9a51-6c2f8e9d1a37',
    type: 'PurchaseOrderSubmitted',
    action: 'submit',
    revision: 1,
  },
  requestedAt: '2026-11-02T14:30:00.120Z',
  attempts: 1,
  reference: null,
  deliveredAt: null,
  nextAttemptAt: null,
  lastError: {
    kind: 'permanent',
    code: 'unknown-code',
    message: 'Unknown item BRG-6204-2RS for target legacy: add it to the crosswalk.',
  },
  deadLetter: {
    reason: 'permanent',
    code: 'unknown-code',
    message: 'Unknown item BRG-6204-2RS for target legacy: add it to the crosswalk.',
    at: '2026-11-02T14:30:00.410Z',
  },
  hold: null,
  resolution: null,
  waitingFor: null,
};
const readers = 'operator, auditor';

export const deliveryResponses = {
  list: {
    200: success(
      'Deliveries matching the filter, oldest request first, and how many matched; with `state=delivered` or `skipped`, also `next`: the cursor of the next page (null on the last).',
      {
        total: 1,
        deliveries: [status],
        next: null,
      },
    ),
    400: p[400](`${deliveries}?state=lost`, '/state', 'state must be one of "pending", …', 'query'),
    401: p[401],
    403: p[403](readers),
    429: p[429],
  },
  breakers: {
    200: success("Each target's circuit breaker, and the operator's last setting.", {
      breakers: [
        {
          target: 'legacy',
          state: 'open',
          since: '2026-11-02T14:31:00.000Z',
          setBy: {
            state: 'open',
            by: 'ops-anna',
            reason: 'Tryton upgrade',
            at: '2026-11-02T14:31:00.000Z',
          },
        },
      ],
    }),
    401: p[401],
    403: p[403](readers),
    429: p[429],
  },
  setBreaker: {
    200: success(
      'The setting, recorded: open holds deliveries to the target, closed resumes them.',
      {
        target: 'legacy',
        state: 'open',
        by: 'ops-anna',
        reason: 'Tryton upgrade',
        at: '2026-11-02T14:31:00.000Z',
      },
    ),
    400: p[400](
      `${deliveries}/breakers/legacy`,
      '/state',
      'state must be one of "open", "closed".',
    ),
    401: p[401],
    403: p[403]('operator'),
    429: p[429],
  },
  one: {
    200: success(
      'The delivery with every attempt, its timing and the ERP answer, and its replays.',
      {
        ...status,
        stream: 'Delivery-legacy:PurchaseOrder-ACME-US/4500012345',
        attempts: [
          {
            attempt: 1,
            startedAt: '2026-11-02T14:30:00.150Z',
            finishedAt: '2026-11-02T14:30:00.400Z',
            durationMs: 250,
            outcome: 'dead-lettered',
            error: status.lastError,
          },
        ],
        replays: [],
        correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
        commandId: '5d0c1a6e-8f4b-4c2a-9e7d-3b1f0a2c6d84',
        parents: [],
      },
    ),
    401: p[401],
    403: p[403](readers),
    404: p[404](
      'No delivery with this id.',
      problem(
        404,
        'delivery-not-found',
        'Not found',
        'No delivery d-unknown.',
        `${deliveries}/d-unknown`,
      ),
    ),
    429: p[429],
  },
  replay: {
    200: success('What was replayed (or, in a dry run, would be), and what was not, with why.', {
      replayId: '9a3f6c1d-2b7e-4f80-a5c4-1e0d8b7f6a52',
      dryRun: false,
      matched: 1,
      deliveries: [
        {
          id: status.id,
          target: status.target,
          documentStream: status.documentStream,
          deadLetter: status.deadLetter,
        },
      ],
      capped: false,
      skipped: [],
    }),
    400: p[400](`${deliveries}/replay`, '/ids', 'exactly one of ids, filter or all is required'),
    401: p[401],
    403: p[403]('operator'),
    429: p[429],
  },
};

/** Resolve (done in the ERP by hand) or skip (never delivered) a dead letter. */
export const resolutionResponses = (action: 'resolve' | 'skip') => {
  const url = `${deliveries}/${status.id}/${action}`;
  return {
    200: success(
      'The resolution, recorded (who, when, why); the dispatcher carries it out at once, and what waited behind the delivery proceeds. A retry with the same Idempotency-Key answers the same resolution (header `Idempotent-Replayed: true`).',
      {
        resolutionId: '3e2d7b9a-6c4f-4a1e-8d20-5f9b0c1e7a64',
        deliveryId: status.id,
        outcome: action === 'resolve' ? 'resolved' : 'skipped',
        by: 'ops-anna',
        reason:
          action === 'resolve'
            ? 'Line 40 added to purchase 2 in Tryton by hand'
            : 'Superseded by change #2; nothing to do in Tryton',
        reference: action === 'resolve' ? '2' : null,
        at: '2026-11-02T15:02:00.000Z',
        target: status.target,
        documentStream: status.documentStream,
        previousState: 'dead-lettered',
      },
    ),
    400: p[400](url, '/reason', 'must have required property reason'),
    401: p[401],
    403: p[403]('operator'),
    404: p[404](
      'No delivery with this id.',
      problem(404, 'delivery-not-found', 'Not found', 'No delivery d-unknown.', url),
    ),
    409: problemResponse(
      'The delivery is not dead-lettered or held: nothing to resolve.',
      problem(
        409,
        'delivery-not-resolvable',
        'Delivery not resolvable',
        `Delivery ${status.id} is delivered: only a dead-lettered or held delivery can be resolved or skipped.`,
        url,
      ),
    ),
    429: p[429],
  };
};
