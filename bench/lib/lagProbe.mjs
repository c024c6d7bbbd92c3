/**
 * Read-your-writes under the write path's load: while autocannon loads the gateway, a probe
 * submits an order now and then and reads it back with the `minRevision` of its 202, from
 * the document GET (served by the `documentStates` read model) and from its summary (the
 * `documents` read model). Each GET waits for its read model to reach that revision, so the
 * time from the 202 to each answer is the projection lag a client sees, plus one GET's round
 * trip on the loaded gateway.
 */
import { latencySummary } from './load.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `load` is a handle's load settings (url, apiKey, factory, sequence, runId). */
export const startLagProbe = ({ url, apiKey, factory, sequence, runId }, intervalMs = 50) => {
  const headers = { authorization: `Bearer ${apiKey}` };
  const lags = { documentStates: [], documents: [] };
  const failures = [];
  let acknowledged = 0;
  let stopped = false;

  /** ms from `since` until the GET answers 200 (its body read), or null after a failure. */
  const readBack = async (path, since) => {
    const response = await fetch(`${url}${path}`, { headers });
    const body = await response.text();
    if (response.status === 200) return performance.now() - since;
    if (failures.length < 3) failures.push({ path, status: response.status, body });
    return null;
  };

  const loop = (async () => {
    while (!stopped) {
      const n = sequence.next++;
      const posted = await fetch(`${url}/v1/purchase-orders`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'idempotency-key': `bench-${runId}-${n}`,
        },
        body: factory.body(n),
      });
      const answer = await posted.json();
      if (posted.status !== 202) {
        throw new Error(`lag probe: POST answered ${posted.status}: ${JSON.stringify(answer)}`);
      }
      acknowledged++;
      const since = performance.now();
      const wanted = `minRevision=${answer.streamRevision}`;
      const [state, summary] = await Promise.all([
        readBack(`${answer.document.url}?${wanted}`, since),
        readBack(`${answer.document.url}/summary?${wanted}`, since),
      ]);
      if (state !== null) lags.documentStates.push(state);
      if (summary !== null) lags.documents.push(summary);
      await sleep(intervalMs);
    }
  })();

  return {
    /** Stops after the current sample; the summary of every sample taken. */
    async stop() {
      stopped = true;
      await loop;
      const summarize = (values) => {
        const { p50, p99, max } = latencySummary(values.sort((a, b) => a - b));
        return { samples: values.length, p50Ms: p50, p99Ms: p99, maxMs: max };
      };
      return {
        acknowledged,
        documentStates: summarize(lags.documentStates),
        documents: summarize(lags.documents),
        failures,
      };
    },
  };
};
