/**
 * Per-request loggers that cost nothing until something is logged. Fastify gives every
 * request a child of the app's logger bound to its request id, and pino builds that child
 * eagerly (a new object, its formatters, the bindings serialised to JSON) although at the
 * gateway's usual level, warn, nearly every request logs nothing. The logger here builds the
 * very same child, with the same bindings and options, the first time a message at an
 * enabled level (or anything else that needs it) comes, so what is written is unchanged.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** What the lazy logger needs of its parent: pino's level check, besides a logger. */
interface LevelCheckingLogger extends FastifyBaseLogger {
  isLevelEnabled(level: string): boolean;
}

const canCheckLevel = (logger: FastifyBaseLogger): logger is LevelCheckingLogger =>
  typeof (logger as Partial<LevelCheckingLogger>).isLevelEnabled === 'function';

class LazyRequestLogger implements FastifyBaseLogger {
  private built: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: LevelCheckingLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The child pino would have built for the request. */
  private get logger(): FastifyBaseLogger {
    this.built ??= this.parent.child(this.bindings, this.options);
    return this.built;
  }

  private log(level: LevelName, args: unknown[]): void {
    // Disabled levels are pino's no-ops in the child too (it inherits the parent's level).
    if (!this.built && !this.parent.isLevelEnabled(level)) return;
    const logger = this.logger;
    (logger[level] as (...args: unknown[]) => void).apply(logger, args);
  }

  get level(): string {
    return this.built ? this.built.level : this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  isLevelEnabled(level: string): boolean {
    return this.built
      ? (this.built as LevelCheckingLogger).isLevelEnabled(level)
      : this.parent.isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`. A route with its own log level or serializers (none here
 * today), or a parent that is not pino, gets its child at once, as by default.
 */
export const lazyChildLogger = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger =>
  canCheckLevel(logger) && options.level === undefined && options.serializers === undefined
    ? new LazyRequestLogger(logger, bindings, options)
    : logger.child(bindings, options);
