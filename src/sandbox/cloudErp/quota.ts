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

export class SlidingQuota {
  /** Arrival times of served requests (what the limit is enforced on). */
  private served: number[] = [];
  /** Arrival times of every request (what the counters measure). */
  private arrivals: number[] = [];
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
    this.served = this.served.filter((t) => t > since);
    this.arrivals = this.arrivals.filter((t) => t > since);
    this.arrivals.push(now);
    const c = this.counters;
    c.maxRequestsInAnyWindow = Math.max(c.maxRequestsInAnyWindow, this.arrivals.length);
    c.inFlight++;
    c.maxConcurrent = Math.max(c.maxConcurrent, c.inFlight);
    if (c.inFlight > concurrency || this.served.length >= requests) {
      c.inFlight--;
      c.throttled++;
      const oldest = this.served[0] ?? now;
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
      inCurrentWindow: this.arrivals.filter((t) => t > since).length,
    };
  }

  reset() {
    this.served = [];
    this.arrivals = [];
    Object.assign(this.counters, {
      maxRequestsInAnyWindow: 0,
      maxConcurrent: 0,
      throttled: 0,
      served: 0,
    });
  }
}
