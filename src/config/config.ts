/**
 * Gateway configuration: defaults, then an optional YAML/JSON file, then environment
 * variables, then command-line flags, validated by schema once at boot. Only the composition
 * root reads files or the environment; everything else receives a `Config`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';

export interface Config {
  /** `production` refuses development conveniences (the dev key, public docs by default). */
  mode: 'development' | 'production';
  host: string;
  port: number;
  dataDir: string;
  eventStore:
    | {
        kind: 'sqlite';
        file?: string;
        /** Days idempotency keys are indexed; later retries are recognised per document. */
        idempotencyRetentionDays?: number;
      }
    | { kind: 'eventstoredb'; url: string };
  auth: {
    /** Accept the documented development key. Never allowed in production mode. */
    devKey: boolean;
  };
  limits: {
    /** Body limit of routes without their own (admin); document routes fit their contract. */
    bodyLimitBytes: number;
    /** Default per-client budget; a key may carry its own. */
    rateLimitPerMinute: number;
    /** Time a client has to send a whole request, headers and body (408 after). */
    requestTimeoutMs: number;
    /** Time a client has to send the request headers (408 after); at most requestTimeoutMs. */
    headersTimeoutMs: number;
    /** How long an idle keep-alive connection stays open between requests. */
    keepAliveTimeoutMs: number;
    /** Open connections the server accepts; further ones are closed at once. */
    maxConnections: number;
    /** Requests one client may have in progress at once (429 beyond). */
    clientInFlightRequests: number;
    /** Declared request-body bytes one client may have in progress at once (429 beyond). */
    clientInFlightBytes: number;
  };
  docs: { public: boolean };
  routing: {
    /** Where documents go while no rule set is published. */
    defaultTarget: 'legacy' | 'cloud';
    /** Published as version 1 at start-up when the event store holds no rule set yet. */
    ruleSetFile: string | null;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export const devApiKey = 'coexist-dev-key';

/** The shipped "everything on legacy" rule set: every document has a recorded rule from day one. */
export const defaultRuleSetFile = fileURLToPath(
  new URL('../../routing-rules/phase-0-all-legacy.yaml', import.meta.url),
);

/**
 * How a rule-set file is named where people read it (the rule set's recorded reason, the
 * banner): the shipped default by its place in the repository, not by the build's copy of it.
 */
export const ruleSetFileLabel = (file: string): string =>
  file === defaultRuleSetFile
    ? 'routing-rules/phase-0-all-legacy.yaml, shipped with Coexist'
    : file;

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['development', 'production'] },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    dataDir: { type: 'string', minLength: 1 },
    eventStore: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            kind: { const: 'sqlite' },
            file: { type: 'string', minLength: 1 },
            idempotencyRetentionDays: { type: 'number', exclusiveMinimum: 0, maximum: 3650 },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'url'],
          properties: {
            kind: { const: 'eventstoredb' },
            url: { type: 'string', pattern: '^(esdb|esdb\\+discover)://' },
          },
        },
      ],
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: { devKey: { type: 'boolean' } },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 104857600 },
        rateLimitPerMinute: { type: 'integer', minimum: 1 },
        requestTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
        headersTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
        keepAliveTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
        maxConnections: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        clientInFlightRequests: { type: 'integer', minimum: 1 },
        clientInFlightBytes: { type: 'integer', minimum: 1024 },
      },
    },
    docs: {
      type: 'object',
      additionalProperties: false,
      properties: { public: { type: 'boolean' } },
    },
    routing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        defaultTarget: { enum: ['legacy', 'cloud'] },
        ruleSetFile: { type: ['string', 'null'], minLength: 1 },
      },
    },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
  },
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ConfigInput = DeepPartial<Config>;

const merge = (base: Record<string, unknown>, over: Record<string, unknown>) => {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current &&
      typeof current === 'object'
        ? merge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
};

/** Settings from environment variables (names documented in the README). */
export const fromEnvironment = (env: NodeJS.ProcessEnv): ConfigInput => {
  const input: ConfigInput = {};
  if (env.COEXIST_MODE) input.mode = env.COEXIST_MODE as Config['mode'];
  else if (env.NODE_ENV === 'production') input.mode = 'production';
  if (env.HOST) input.host = env.HOST;
  if (env.PORT) input.port = Number(env.PORT);
  if (env.COEXIST_DATA_DIR) input.dataDir = env.COEXIST_DATA_DIR;
  if (env.EVENTSTORE_URL) input.eventStore = { kind: 'eventstoredb', url: env.EVENTSTORE_URL };
  if (env.LOG_LEVEL) input.logLevel = env.LOG_LEVEL as Config['logLevel'];
  return input;
};

export const readConfigFile = (file: string): ConfigInput => {
  const text = readFileSync(file, 'utf8');
  const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (parsed === null || typeof parsed !== 'object') {
    throw new ConfigError(`${file}: expected a mapping of settings`);
  }
  return parsed as ConfigInput;
};

/** Merges layers (later wins) over the defaults, validates, and applies mode rules. */
export const resolveConfig = (...layers: ConfigInput[]): Config => {
  const merged = layers.reduce<Record<string, unknown>>(
    (acc, layer) => merge(acc, layer as Record<string, unknown>),
    {},
  );
  const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(schema);
  if (!validate(merged)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const input = merged as ConfigInput;
  const mode = input.mode ?? 'development';
  const production = mode === 'production';
  if (production && input.auth?.devKey) {
    throw new ConfigError('auth.devKey cannot be enabled in production mode.');
  }
  const limits: Config['limits'] = {
    bodyLimitBytes: input.limits?.bodyLimitBytes ?? 1_048_576,
    rateLimitPerMinute: input.limits?.rateLimitPerMinute ?? 6_000,
    requestTimeoutMs: input.limits?.requestTimeoutMs ?? 30_000,
    headersTimeoutMs: input.limits?.headersTimeoutMs ?? 10_000,
    keepAliveTimeoutMs: input.limits?.keepAliveTimeoutMs ?? 10_000,
    maxConnections: input.limits?.maxConnections ?? 1_024,
    clientInFlightRequests: input.limits?.clientInFlightRequests ?? 256,
    clientInFlightBytes: input.limits?.clientInFlightBytes ?? 4 * 1_048_576,
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(
      `limits.headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed limits.requestTimeoutMs (${limits.requestTimeoutMs}).`,
    );
  }
  const dataDir = resolve(input.dataDir ?? 'data');
  return {
    mode,
    host: input.host ?? '127.0.0.1',
    port: input.port ?? 8080,
    dataDir,
    eventStore: (input.eventStore as Config['eventStore'] | undefined) ?? { kind: 'sqlite' },
    auth: { devKey: input.auth?.devKey ?? !production },
    limits,
    docs: { public: input.docs?.public ?? !production },
    routing: {
      defaultTarget: input.routing?.defaultTarget ?? 'legacy',
      ruleSetFile:
        input.routing?.ruleSetFile === undefined ? defaultRuleSetFile : input.routing.ruleSetFile,
    },
    logLevel: input.logLevel ?? 'info',
  };
};

/** Defaults ← config file ← environment ← command-line flags. */
export const loadConfig = (options: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigInput;
}): Config =>
  resolveConfig(
    options.file ? readConfigFile(options.file) : {},
    fromEnvironment(options.env ?? {}),
    options.flags ?? {},
  );
