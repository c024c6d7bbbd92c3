/**
 * Delivery settings: named retry policies and, per target, which policy it uses, how many
 * deliveries may be in flight at once, and when its circuit breaker opens. Defaults suit a
 * single legacy ERP; a JSON or YAML file (COEXIST_DELIVERY_CONFIG) overrides any part.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { documentTypes } from '../domain/documents.js';
import type { QuotaSettings } from './quota.js';

export interface RetryPolicy {
  /** Attempts before a transient failure is dead-lettered (a replay starts a new budget). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** ERP error codes to dead-letter at once even when the connector calls them transient. */
  permanentCodes: string[];
}

export interface TargetSettings {
  policy: string;
  /** Deliveries in flight at once to this target (documents in parallel; one per document). */
  concurrency: number;
  breaker: {
    /** Consecutive transient failures that open the breaker. */
    consecutiveFailures: number;
    /** How long it stays open before one trial delivery (half-open). */
    halfOpenAfterMs: number;
  };
  /** The ERP's published request quota; none: only `concurrency` limits deliveries. */
  quota?: QuotaSettings;
  /**
   * Which deliveries go first when the target's capacity (concurrency, quota) is the
   * bottleneck: per document type, higher first (e.g. `journalEntry: 10` during period
   * close); 0 for types not listed. Order per document and parents first still hold.
   */
  priorities: Record<string, number>;
  /** Waiting this long raises a delivery's priority by one, so none starves. */
  agingMs: number;
}

export interface DeliverySettings {
  policies: Record<string, RetryPolicy>;
  /** Per target; `default` applies to targets not listed. */
  targets: Record<string, TargetSettings>;
  /** The dispatcher's lease: a standby takes over within this after the holder dies. */
  leaseTtlMs: number;
}

export const defaultDeliverySettings: DeliverySettings = {
  policies: {
    default: { maxAttempts: 10, initialDelayMs: 1_000, maxDelayMs: 300_000, permanentCodes: [] },
  },
  targets: {
    default: {
      policy: 'default',
      concurrency: 4,
      breaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
      priorities: {},
      agingMs: 60_000,
    },
  },
  leaseTtlMs: 10_000,
};

const positive = { type: 'integer', minimum: 1 } as const;
const policySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAttempts: positive,
    initialDelayMs: { type: 'integer', minimum: 0 },
    maxDelayMs: { type: 'integer', minimum: 0 },
    permanentCodes: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;
const targetSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    policy: { type: 'string', minLength: 1 },
    concurrency: { type: 'integer', minimum: 1, maximum: 256 },
    breaker: {
      type: 'object',
      additionalProperties: false,
      properties: { consecutiveFailures: positive, halfOpenAfterMs: positive },
    },
    quota: {
      type: 'object',
      additionalProperties: false,
      required: ['requests', 'windowMs', 'concurrent'],
      properties: { requests: positive, windowMs: positive, concurrent: positive },
    },
    priorities: {
      type: 'object',
      propertyNames: { enum: [...documentTypes] },
      additionalProperties: { type: 'integer', minimum: -1000, maximum: 1000 },
    },
    agingMs: positive,
  },
} as const;
const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    policies: { type: 'object', additionalProperties: policySchema },
    targets: { type: 'object', additionalProperties: targetSchema },
    leaseTtlMs: { type: 'integer', minimum: 500 },
  },
} as const;

/** Compiled once: settings are resolved at every start and by every test harness. */
const validateSettings = new Ajv({ allErrors: true }).compile(settingsSchema);

type PartialSettings = {
  policies?: Record<string, Partial<RetryPolicy>>;
  targets?: Record<
    string,
    Partial<Omit<TargetSettings, 'breaker' | 'quota'>> & { breaker?: object; quota?: QuotaSettings }
  >;
  leaseTtlMs?: number;
};

/** Validates partial settings and lays them over the defaults; throws naming every problem. */
export const resolveDeliverySettings = (input: unknown, source = 'delivery settings') => {
  if (!validateSettings(input ?? {})) {
    const problems = (validateSettings.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message}`,
    );
    throw new Error(`Invalid ${source}:\n  ${problems.join('\n  ')}`);
  }
  const given = (input ?? {}) as PartialSettings;
  const base = defaultDeliverySettings;
  const policies: Record<string, RetryPolicy> = { ...base.policies };
  for (const [name, policy] of Object.entries(given.policies ?? {})) {
    policies[name] = { ...(base.policies.default as RetryPolicy), ...policies[name], ...policy };
  }
  const targets: Record<string, TargetSettings> = { ...base.targets };
  for (const [name, target] of Object.entries(given.targets ?? {})) {
    const start = targets[name] ?? (base.targets.default as TargetSettings);
    targets[name] = { ...start, ...target, breaker: { ...start.breaker, ...target.breaker } };
  }
  for (const [name, target] of Object.entries(targets)) {
    if (!policies[target.policy]) {
      throw new Error(`Invalid ${source}: target ${name} names unknown policy "${target.policy}".`);
    }
  }
  return { policies, targets, leaseTtlMs: given.leaseTtlMs ?? base.leaseTtlMs };
};

export const readDeliverySettingsFile = (file: string): DeliverySettings => {
  const body = readFileSync(file, 'utf8');
  return resolveDeliverySettings(file.endsWith('.json') ? JSON.parse(body) : parseYaml(body), file);
};

export const targetSettingsOf = (settings: DeliverySettings, target: string): TargetSettings =>
  settings.targets[target] ?? (settings.targets.default as TargetSettings);

/**
 * The settings with a target's published quota (e.g. a vendor profile's) wherever the
 * operator's settings give that target none: the dispatcher never exceeds what the ERP allows.
 */
export const withPublishedQuota = (
  settings: DeliverySettings,
  target: string,
  quota: QuotaSettings | undefined,
): DeliverySettings => {
  const current = targetSettingsOf(settings, target);
  if (!quota || current.quota) return settings;
  // Never more deliveries in flight than the ERP accepts requests at once.
  const concurrency = Math.min(current.concurrency, quota.concurrent);
  return {
    ...settings,
    targets: { ...settings.targets, [target]: { ...current, concurrency, quota } },
  };
};

export const policyOf = (settings: DeliverySettings, target: string): RetryPolicy =>
  settings.policies[targetSettingsOf(settings, target).policy] as RetryPolicy;

/**
 * Delay before the next attempt after `failures` failed ones: exponential, capped, with
 * "equal jitter" (half fixed, half random) so retries of many documents do not arrive at the
 * ERP together yet never come back sooner than half the step. The ERP's own Retry-After wins
 * when it asks for longer.
 */
export const retryDelayMs = (
  policy: RetryPolicy,
  failures: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number => {
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failures - 1));
  const jittered = Math.round(step / 2 + random() * (step / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
};
