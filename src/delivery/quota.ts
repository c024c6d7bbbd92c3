/**
 * Per-target request quota: at most `requests` requests to the ERP in any sliding window of
 * `windowMs`, and at most `concurrent` at once (e.g. Business Central: 6,000 per 5 minutes, 5
 * at once). Connectors run each HTTP request through a `RequestBudget` (ports/erpConnector.ts);
 * a connector that does not meter its own requests is charged one per delivery.
 *
 * Why the window can never be exceeded at the ERP, whatever the network does: a request is
 * counted from the moment it starts until `windowMs` after its answer came back (or it
 * failed), and one starts only while fewer than `requests` are counted. The ERP receives a
 * request between its start and its answer, so two requests the ERP sees within one window
 * were both counted at the later one's start. (Counting from the start alone would not do: a
 * slow request arriving late and a fast one arriving early can land in one server window.)
 *
 * Waiting requests are taken by priority (the delivery's document type, settings.ts), raised
 * by one step per `agingMs` waited so no document starves; ties go to the oldest. A fixed
 * window limiter (p-queue's interval, Bottleneck's reservoir) allows twice the quota across a
 * window boundary, and a FIFO bulkhead ignores priority, hence this small scheduler.
 */
import type { RequestBudget } from '../ports/erpConnector.js';

export interface QuotaSettings {
  /** Requests allowed in any sliding window of `windowMs`. */
  requests: number;
  windowMs: number;
  /** Requests in flight at once. */
  concurrent: number;
}

interface Waiter {
  priority: number;
  since: number;
  order: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class QuotaWaitAborted extends Error {
  override name = 'QuotaWaitAborted';
}

export class TargetQuota {
  private running = 0;
  /** When each finished request stops counting, in order (they finish in time order). */
  private expiries: number[] = [];
  private first = 0;
  private pausedUntil = 0;
  private readonly waiters: Waiter[] = [];
  private order = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Requests started (tests and metrics). */
  started = 0;

  constructor(
    readonly target: string,
    readonly settings: QuotaSettings,
    /** Waiting this long raises a request's priority by one; 0: priorities never age. */
    private readonly agingMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A budget whose requests wait with this priority, aging from `since` (epoch ms). */
  budget(priority: number, since: number): RequestBudget {
    return {
      run: (request, signal) => this.run(request, priority, since, signal),
      pause: (ms) => this.pause(ms),
    };
  }

  /** Requests counted now: in flight, or finished less than a window ago. */
  counted(now = this.clock()): number {
    while (this.first < this.expiries.length && (this.expiries[this.first] as number) <= now) {
      this.first++;
    }
    if (this.first > 1024 && this.first * 2 > this.expiries.length) {
      this.expiries = this.expiries.slice(this.first);
      this.first = 0;
    }
    return this.running + this.expiries.length - this.first;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async run<T>(
    request: () => Promise<T>,
    priority: number,
    since: number,
    signal?: AbortSignal,
  ): Promise<T> {
    await this.acquire(priority, since, signal);
    try {
      return await request();
    } finally {
      this.running--;
      this.expiries.push(this.clock() + this.settings.windowMs);
      this.wake();
    }
  }

  /** The ERP asked to come back later: nothing of this target starts before then. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + Math.max(0, ms));
    this.wake();
  }

  private fits(now: number): boolean {
    return (
      now >= this.pausedUntil &&
      this.running < this.settings.concurrent &&
      this.counted(now) < this.settings.requests
    );
  }

  private acquire(priority: number, since: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new QuotaWaitAborted('aborted'));
    if (this.waiters.length === 0 && this.fits(this.clock())) {
      this.take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { priority, since, order: this.order++, resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        const index = this.waiters.indexOf(waiter);
        if (index < 0) return;
        this.waiters.splice(index, 1);
        reject(new QuotaWaitAborted('aborted'));
      });
      this.wake();
    });
  }

  private take() {
    this.running++;
    this.started++;
  }

  /** The waiter to go next: highest priority after aging, then the oldest. */
  private next(now: number): number {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [index, w] of this.waiters.entries()) {
      const aged = this.agingMs > 0 ? Math.floor(Math.max(0, now - w.since) / this.agingMs) : 0;
      const score = w.priority + aged;
      const chosen = this.waiters[best] as Waiter;
      if (
        score > bestScore ||
        (score === bestScore &&
          (w.since < chosen.since || (w.since === chosen.since && w.order < chosen.order)))
      ) {
        best = index;
        bestScore = score;
      }
    }
    return best;
  }

  private wake = () => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.clock();
    while (this.waiters.length > 0 && this.fits(now)) {
      const [waiter] = this.waiters.splice(this.next(now), 1) as [Waiter];
      this.take();
      waiter.resolve();
    }
    if (this.waiters.length === 0) return;
    // Blocked by the pause or the window (a finished request expiring): wake then. Blocked by
    // concurrency: a request finishing wakes it.
    let at = Number.POSITIVE_INFINITY;
    if (now < this.pausedUntil) at = this.pausedUntil;
    else if (this.counted(now) >= this.settings.requests && this.first < this.expiries.length) {
      at = this.expiries[this.first] as number;
    }
    if (Number.isFinite(at)) {
      this.timer = setTimeout(this.wake, Math.max(1, at - now));
      this.timer.unref();
    }
  };
}

/** No quota: requests run at once. */
export const unlimitedBudget: RequestBudget = {
  run: (request) => request(),
  pause: () => {},
};
