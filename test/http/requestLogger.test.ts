/**
 * The lazy per-request logger must write exactly what pino's eager child writes: same lines,
 * same bindings (the request id), same levels, whatever is logged and in which order.
 */
import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChildLogger } from '../../src/http/requestLogger.js';

const capture = (level: string) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level, timestamp: false, base: undefined }, stream);
  return { logger: logger as unknown as FastifyBaseLogger, lines };
};

/** One error for both runs, so that their stacks are equal too. */
const boom = new Error('boom');

const script = (log: FastifyBaseLogger) => {
  log.info({ req: { method: 'POST' } }, 'incoming request');
  log.debug('not at info');
  log.warn('careful %s', 'now');
  log.error({ err: boom }, 'request failed');
  log.child({ part: 'inner' }).error('from a grandchild');
  log.info({ res: { statusCode: 500 }, responseTime: 1.5 }, 'request completed');
};

describe('lazy request logger', () => {
  for (const level of ['warn', 'info', 'trace', 'silent']) {
    it(`writes what the eager child writes at level ${level}`, () => {
      const eager = capture(level);
      const lazy = capture(level);
      script(eager.logger.child({ reqId: 'r-1' }, {}));
      const logger = lazyChildLogger(lazy.logger, { reqId: 'r-1' }, {});
      expect(logger.level).toBe(level);
      script(logger);
      expect(lazy.lines).toEqual(eager.lines);
      if (level !== 'silent')
        expect(lazy.lines.every((line) => line.includes('"reqId":"r-1"'))).toBe(true);
    });
  }

  it('builds nothing until a message at an enabled level comes', () => {
    const { logger } = capture('warn');
    let children = 0;
    const counting = Object.create(logger, {
      child: {
        value: (...args: Parameters<FastifyBaseLogger['child']>) => {
          children++;
          return logger.child(...args);
        },
      },
    }) as FastifyBaseLogger;
    const log = lazyChildLogger(counting, { reqId: 'r-2' }, {});
    log.info('dropped');
    log.debug('dropped');
    expect(children).toBe(0);
    log.warn('kept');
    log.error('kept');
    expect(children).toBe(1);
  });

  it('builds the child at once for a route with its own level', () => {
    const { logger, lines } = capture('warn');
    const log = lazyChildLogger(logger, { reqId: 'r-3' }, { level: 'info' });
    expect(log.level).toBe('info');
    log.info('shown');
    expect(lines).toHaveLength(1);
  });
});
