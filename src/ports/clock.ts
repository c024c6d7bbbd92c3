/**
 * Time and identity as ports: the write path asks these instead of `new Date()` and
 * `randomUUID()`, so a test can set the time (a freeze window, a rule set's effective date)
 * and predict ids without sleeping or patching globals.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A new unique id (a UUID in production) for an event or a command. */
export type IdGenerator = () => string;

/** Random UUIDs from the platform's Web Crypto (a global, like `Date`: no module to import). */
export const randomIds: IdGenerator = () => crypto.randomUUID();
