/**
 * Time and identity as ports: the write path asks these instead of `new Date()` and
 * `randomUUID()`, so a test can set the time (a freeze window, a rule set's effective date)
 * and predict ids without sleeping or patching globals.
 */
import { randomUUID } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A new unique id (a UUID in production) for an event or a command. */
export type IdGenerator = () => string;

export const randomIds: IdGenerator = () => randomUUID();
