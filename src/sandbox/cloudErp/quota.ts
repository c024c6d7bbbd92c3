/**
 * The quota the sandbox enforces (requests per sliding window, requests at once) and what it
 * saw: the most requests that *arrived* in any window and the most in progress at once,
 * counted before any refusal, so a test can prove a client never sent more than the quota.
 */

export interface QuotaLimits {
  requests: number;
  windowMs: number;
  concurrency: number;
}

export interface QuotaCounters {
  /** Requests that arrived (served or refused) in the busiest window so far. */
  maxRequestsInAnyWindow: number;
  /** Requests in progress at once, at the busiest moment so far (refused ones included). */
  maxConcurrent: number;
  /** Requests refused with 429. */
  throttled: number;
  /** Requests served within the quota. */
  served: number;
  inFlight: number;
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; retryAfterSeconds: number };

/**
 * Times in arrival order within the last window: old ones are dropped from the front, so
 * admitting a request costs the same however many the window holds.
 */
class Window {
  private times: number[] = [];
  private start = 0;

  get length() {
    return this.times.length - this.start;
  }

  get oldest(): number | undefined {
    return this.times[this.start];
  }

  push(time: number) {
    this.times.push(time);
  }

  /** Forgets the times at or before `since`. */
  trim(since: number) {
    while (this.start < this.times.length && (this.times[this.start] as number) <= since) {
      this.start++;
    }
    // Compacted now and then, not on every request.
    if (this.start > 1024 && this.start * 2 > this.times.length) {
      this.times = this.times.slice(this.start);
      this.start = 0;
    }
  }

  countAfter(since: number) {
    let n = 0;
    for (let i = this.start; i < this.times.length; i++) if ((this.times[i] as number) > since) n++;
    return n;
  }
}

export class SlidingQuota {
  /** Arrival times of served requests (what the limit is enforced on). */
  private served = new Window();
  /** Arrival times of every request (what the counters measure). */
  private arrivals = new Window();
  private readonly counters: QuotaCounters = {
    maxRequestsInAnyWindow: 0,
    maxConcurrent: 0,
    throttled: 0,
    served: 0,
    inFlight: 0,
  };

  constructor(private limits: () => QuotaLimits) {}

  admit(now = Date.now()): Admission {
    const { requests, windowMs, concurrency } = this.limits();
    const since = now - windowMs;
    this.served.trim(since);
    this.arrivals.trim(since);
    this.arrivals.push(now);
    const c = this.counters;
    c.maxRequestsInAnyWindow = Math.max(c.maxRequestsInAnyWindow, this.arrivals.length);
    c.inFlight++;
    c.maxConcurrent = Math.max(c.maxConcurrent, c.inFlight);
    if (c.inFlight > concurrency || this.served.length >= requests) {
      c.inFlight--;
      c.throttled++;
      const oldest = this.served.oldest ?? now;
      const waitMs = this.served.length >= requests ? oldest + windowMs - now : 1000;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    this.served.push(now);
    c.served++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        c.inFlight--;
      },
    };
  }

  snapshot(): QuotaCounters & { limits: QuotaLimits; inCurrentWindow: number } {
    const limits = this.limits();
    const since = Date.now() - limits.windowMs;
    return {
      ...this.counters,
      limits,
      inCurrentWindow: this.arrivals.countAfter(since),
    };
  }

  reset() {
    this.served = new Window();
    this.arrivals = new Window();
    Object.assign(this.counters, {
      maxRequestsInAnyWindow: 0,
      maxConcurrent: 0,
      throttled: 0,
      served: 0,
    });
  }
}
