/**
 * Load generation: ~1 KB purchase orders, each with its own poNumber and Idempotency-Key,
 * sent by autocannon's programmatic API. Latency is recorded here at full (sub-millisecond)
 * precision: autocannon's own histogram keeps whole milliseconds only, which rounds the
 * baseline's latencies to 0 or 1.
 */
import autocannon from 'autocannon';

const placeholder = '__BENCH_PO_NUMBER__';

/** Ten digits like the contract's example ("4500012345"); unique for n < 1e9. */
const poNumberOf = (n) => `9${String(n).padStart(9, '0')}`;

/**
 * A body factory from the contract's example: its lines are repeated (renumbered 10, 20, …)
 * or dropped until the JSON is as close to `targetBytes` as whole lines allow. The JSON is split around the poNumber once, so each request costs one string
 * concatenation, not a JSON.stringify.
 */
export const purchaseOrderFactory = (example, targetBytes = 1024) => {
  const template = structuredClone(example);
  const source = example.lines;
  const lineAt = (i) => ({ ...source[i % source.length], lineNumber: (i + 1) * 10 });
  template.poNumber = placeholder;
  const size = () => Buffer.byteLength(JSON.stringify(template)) - placeholder.length + 10;
  // Grow one line at a time while that brings the size closer to the target.
  template.lines = [lineAt(0)];
  for (;;) {
    const miss = Math.abs(size() - targetBytes);
    template.lines.push(lineAt(template.lines.length));
    if (Math.abs(size() - targetBytes) >= miss) {
      template.lines.pop();
      break;
    }
  }
  const [before, after] = JSON.stringify(template).split(placeholder);
  return {
    lines: template.lines.length,
    bytes: size(),
    body: (n) => `${before}${poNumberOf(n)}${after}`,
  };
};

/** Mean and percentiles of ascending response times (ms). */
export const latencySummary = (latencies) => ({
  mean: latencies.reduce((sum, v) => sum + v, 0) / (latencies.length || 1),
  p50: percentile(latencies, 50),
  p90: percentile(latencies, 90),
  p99: percentile(latencies, 99),
  p99_9: percentile(latencies, 99.9),
  max: latencies.at(-1) ?? 0,
});

/** p-th percentile (0–100) of an ascending array, nearest-rank. */
const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;

/**
 * One autocannon run. `sequence` is shared between runs against the same server (warm-up and
 * measured run), so no poNumber or Idempotency-Key is ever sent twice.
 */
export const runLoad = async ({ url, apiKey, factory, sequence, runId, duration, connections }) => {
  const latencies = [];
  const failures = []; // first few non-2xx responses, for the error message
  const firstSent = sequence.next;
  const headers = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const instance = autocannon({
    url: `${url}/v1/purchase-orders`,
    method: 'POST',
    connections,
    pipelining: 1,
    duration,
    headers,
    requests: [
      {
        // autocannon hands each request a fresh copy of the defaults, so mutating is safe.
        setupRequest: (request) => {
          const n = sequence.next++;
          request.body = factory.body(n);
          request.headers['idempotency-key'] = `bench-${runId}-${n}`;
          return request;
        },
        onResponse: (status, body) => {
          if ((status < 200 || status > 299) && failures.length < 3) {
            failures.push({ status, body: body.slice(0, 500) });
          }
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);

  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
  );
  const responses = Object.values(statusCounts).reduce((sum, count) => sum + count, 0);
  const sent = sequence.next - firstSent;
  return {
    durationSeconds: duration,
    requestsPerSecond: {
      mean: result.requests.mean,
      stddev: result.requests.stddev,
      min: result.requests.min,
      max: result.requests.max,
    },
    latencyMs: latencySummary(latencies),
    /** Every response time (ms, ascending), so rounds can be pooled; not for the JSON report. */
    latencies,
    responses,
    statusCounts,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    sent,
    // Requests written but never answered: autocannon drops them when the time is up. The
    // server may still have committed them, so they matter for the durability check.
    unanswered: sent - responses,
    throughputBytesPerSecond: result.throughput.mean,
    failures,
  };
};
