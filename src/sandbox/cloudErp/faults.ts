/**
 * What the sandbox is told to do wrong, set at start (`--faults errorRate=0.3,latency=5-50`)
 * and changed while it runs (`PUT /sandbox/admin/faults`), plus the quota it enforces. The
 * defaults are Business Central's published limits and a well-behaved server.
 */
import { Ajv } from 'ajv';

export interface SandboxFaults {
  /** Share of API requests answered with a 5xx (0..1). */
  errorRate: number;
  /**
   * Of the failed writes, the share that is kept before the 5xx is answered (the answer lost,
   * the write done): what makes a client's retry create twice unless it looks up first.
   */
  errorAfterWrite: number;
  /** Each API answer is delayed by a uniform draw in [min, max] milliseconds. */
  latencyMs: { min: number; max: number };
  /** Windows (epoch milliseconds) during which every API request is answered 503. */
  outages: Array<{ from: number; to: number }>;
  quota: { requests: number; windowMs: number; concurrency: number };
  /** Tax rounding of each line (`half-up` is what the gateway's documents assume). */
  taxRounding: 'half-up' | 'down' | 'up';
  /** Added to every line's tax, e.g. `0.01`: a deliberate calculation difference. */
  taxSkew: string;
  /** Lifetime of the access tokens the token endpoint issues. */
  tokenTtlSeconds: number;
}

/** Business Central's published limits: 6,000 requests per 5-minute sliding window, 5 at once. */
export const businessCentralQuota = { requests: 6000, windowMs: 300_000, concurrency: 5 };

export const defaultFaults = (): SandboxFaults => ({
  errorRate: 0,
  errorAfterWrite: 0.5,
  latencyMs: { min: 0, max: 0 },
  outages: [],
  quota: { ...businessCentralQuota },
  taxRounding: 'half-up',
  taxSkew: '0',
  tokenTtlSeconds: 3600,
});

const faultsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    errorAfterWrite: { type: 'number', minimum: 0, maximum: 1 },
    latencyMs: {
      type: 'object',
      additionalProperties: false,
      required: ['min', 'max'],
      properties: {
        min: { type: 'integer', minimum: 0, maximum: 600_000 },
        max: { type: 'integer', minimum: 0, maximum: 600_000 },
      },
    },
    outages: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: { type: 'number' }, to: { type: 'number' } },
      },
    },
    quota: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requests: { type: 'integer', minimum: 1 },
        windowMs: { type: 'integer', minimum: 1 },
        concurrency: { type: 'integer', minimum: 1 },
      },
    },
    taxRounding: { enum: ['half-up', 'down', 'up'] },
    taxSkew: { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' },
    tokenTtlSeconds: { type: 'integer', minimum: 1 },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(faultsSchema);

export interface FaultViolation {
  pointer: string;
  detail: string;
}

/** Merges a partial setting over the current ones; the violations when it is not valid. */
export const mergeFaults = (
  current: SandboxFaults,
  patch: unknown,
): { ok: true; faults: SandboxFaults } | { ok: false; violations: FaultViolation[] } => {
  if (!validate(patch)) {
    return {
      ok: false,
      violations: (validate.errors ?? []).map((e) => ({
        pointer: e.instancePath || '/',
        detail: `${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
      })),
    };
  }
  const given = patch as Partial<SandboxFaults>;
  const faults: SandboxFaults = {
    ...current,
    ...given,
    quota: { ...current.quota, ...given.quota },
  };
  if (faults.latencyMs.min > faults.latencyMs.max) {
    return {
      ok: false,
      violations: [{ pointer: '/latencyMs', detail: 'min must not exceed max' }],
    };
  }
  return { ok: true, faults };
};

const duration = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration (e.g. 500ms, 10s, 5m)`);
  const value = Number(match[1]);
  return match[2] === 'm' ? value * 60_000 : match[2] === 's' ? value * 1000 : value;
};

/**
 * The `--faults` flag: comma-separated `name=value`, e.g.
 * `errorRate=0.3,latency=5-50,quota=50/10s,concurrency=5,outage=+5s/10s,taxRounding=down,taxSkew=0.01,tokenTtl=60`.
 * Outages are `+start/duration` from now. Returns the partial setting for `mergeFaults`.
 */
export const parseFaultsFlag = (flag: string, now = Date.now()): Record<string, unknown> => {
  const patch: Record<string, unknown> = {};
  const quota: Record<string, number> = {};
  const outages: Array<{ from: number; to: number }> = [];
  for (const part of flag.split(',').filter((p) => p.trim())) {
    const [name, value = ''] = part.split('=').map((s) => s.trim());
    switch (name) {
      case 'errorRate':
      case 'errorAfterWrite':
        patch[name] = Number(value);
        break;
      case 'latency': {
        const [min, max = min] = value.split('-').map((v) => duration(v));
        patch.latencyMs = { min, max };
        break;
      }
      case 'quota': {
        const [requests, window = '300s'] = value.split('/');
        quota.requests = Number(requests);
        quota.windowMs = duration(window);
        break;
      }
      case 'concurrency':
        quota.concurrency = Number(value);
        break;
      case 'outage': {
        const [start = '', length = ''] = value.replace(/^\+/, '').split('/');
        const from = now + duration(start);
        outages.push({ from, to: from + duration(length) });
        break;
      }
      case 'taxRounding':
      case 'taxSkew':
        patch[name] = value;
        break;
      case 'tokenTtl':
        // A bare number is seconds here (as in OAuth's expires_in).
        patch.tokenTtlSeconds = /^\d+$/.test(value)
          ? Number(value)
          : Math.round(duration(value) / 1000);
        break;
      default:
        throw new Error(`unknown fault "${name}"`);
    }
  }
  if (Object.keys(quota).length > 0) patch.quota = quota;
  if (outages.length > 0) patch.outages = outages;
  return patch;
};
