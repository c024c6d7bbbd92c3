/**
 * Idempotency keys on EventStoreDB.
 *
 * EventStoreDB has no cross-stream transaction, and its own event-id dedupe only holds within
 * a window, so "at most one append per key, ever" is built from the one atomic check it does
 * have: an append with an expected revision. Each key gets a claim stream,
 * `coexist-idempotency-<sha256(key) hex>`, holding in order:
 *
 *   IdempotencyKeyClaimed   {key, fingerprint, streamName, eventIds, expectedRevision}
 *     appended with NO_STREAM (or, after a release, the claim stream's current revision):
 *     exactly one concurrent claimant wins; the others get "wrong expected version".
 *   IdempotencyKeyCompleted {revision}   after the document's events were appended, or
 *   IdempotencyKeyReleased  {reason}     when that append failed with a wrong revision, so
 *                                        the key can be used again (it was not consumed).
 *
 * A loser reads the claim and answers `duplicate` with the winner's record. Between the
 * winner's two appends its events are not in the target stream yet; the loser then re-reads
 * with a short backoff until they are, the claim completes, or it is released.
 */
import { hash, randomUUID } from 'node:crypto';
import {
  type AppendResult,
  type ExpectedRevision,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type JsonObject,
  type LogPosition,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamRevision,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';
import { claimStreamPrefix } from './mapping.js';

export const claimStreamOf = (key: string): string =>
  `${claimStreamPrefix}${hash('sha256', key, 'hex')}`;

/** The adapter's own append and read, already translated to the port's errors. */
export interface ClaimIo {
  append(
    streamName: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<{ nextExpectedRevision: StreamRevision; position: LogPosition }>;
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
}

export interface ClaimTiming {
  /** How long a duplicate waits for an unfinished first attempt before answering anyway. */
  waitMs: number;
}

interface ClaimedData {
  key: string;
  fingerprint: string;
  streamName: string;
  eventIds: string[];
  /** The first attempt's expectation: 'no_stream' | 'stream_exists' | 'any' | decimal. */
  expectedRevision: string;
}

interface ClaimState {
  /** Revision of the claim stream's last event, or 'no_stream'. */
  last: ExpectedRevision;
  /** The claim in force (claimed and not released), if any. */
  active: { data: ClaimedData; recordedAt: Date; completed: StreamRevision | null } | null;
}

const stateOf = (events: RecordedEvent[]): ClaimState => {
  let active: ClaimState['active'] = null;
  for (const event of events) {
    if (event.type === 'IdempotencyKeyClaimed') {
      active = {
        data: event.data as unknown as ClaimedData,
        recordedAt: event.recordedAt,
        completed: null,
      };
    } else if (event.type === 'IdempotencyKeyCompleted' && active) {
      active.completed = BigInt(String(event.data.revision));
    } else if (event.type === 'IdempotencyKeyReleased') {
      active = null;
    }
  }
  return { last: events.at(-1)?.revision ?? 'no_stream', active };
};

const parseExpected = (value: string): ExpectedRevision =>
  value === 'no_stream' || value === 'stream_exists' || value === 'any' ? value : BigInt(value);

const recordOf = (data: ClaimedData, revision: StreamRevision, at: Date): IdempotencyRecord => ({
  key: data.key,
  fingerprint: data.fingerprint,
  streamName: data.streamName,
  revision,
  eventIds: data.eventIds,
  recordedAt: at,
});

type Outcome =
  /** The claimed events are in the target stream (or the claim says so). */
  | { kind: 'written'; revision: StreamRevision }
  /** Provably never going to be written: the target moved past the claim's expectation. */
  | { kind: 'dead' }
  /** Not written yet; may still be (first attempt in flight, or crashed). */
  | { kind: 'pending'; estimate: StreamRevision };

/** Looks for the claimed events where the first attempt's expectation would have put them. */
const outcomeOf = async (
  io: ClaimIo,
  active: NonNullable<ClaimState['active']>,
): Promise<Outcome> => {
  if (active.completed !== null) return { kind: 'written', revision: active.completed };
  const { streamName, eventIds } = active.data;
  const count = eventIds.length;
  const expected = parseExpected(active.data.expectedRevision);
  const exact = typeof expected === 'bigint' || expected === 'no_stream';
  const from = typeof expected === 'bigint' ? expected + 1n : 0n;
  const events = await io.readStream(
    streamName,
    exact ? { fromRevision: from, maxCount: count } : {},
  );
  const mine = events.filter((event) => eventIds.includes(event.id));
  const lastMine = mine.at(-1);
  if (lastMine) return { kind: 'written', revision: lastMine.revision };
  // Revisions only grow: once another event sits where ours had to go, ours never will.
  if (exact && events.length > 0) return { kind: 'dead' };
  const estimate = exact
    ? from + BigInt(count) - 1n
    : (events.at(-1)?.revision ?? -1n) + BigInt(count);
  return { kind: 'pending', estimate };
};

const claimEvent = (type: string, data: JsonObject): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: {},
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Claims `claim.key` for an append of `eventIds` to `streamName`. Resolves `claimed` (with the
 * claim event's revision, needed to complete or release it) or `duplicate` with the record of
 * the append that holds the key.
 */
const claimKey = async (
  io: ClaimIo,
  timing: ClaimTiming,
  claim: IdempotencyClaim,
  streamName: string,
  eventIds: string[],
  expected: ExpectedRevision,
): Promise<
  | { kind: 'claimed'; claimRevision: StreamRevision }
  | { kind: 'duplicate'; record: IdempotencyRecord }
> => {
  const claimStream = claimStreamOf(claim.key);
  const data: ClaimedData = {
    key: claim.key,
    fingerprint: claim.fingerprint,
    streamName,
    eventIds,
    expectedRevision: String(expected),
  };
  let claimAt: ExpectedRevision = 'no_stream';
  let waitedSince: number | null = null;
  let backoff = 10;
  for (;;) {
    try {
      const claimed = await io.append(
        claimStream,
        [claimEvent('IdempotencyKeyClaimed', data as unknown as JsonObject)],
        claimAt,
      );
      return { kind: 'claimed', claimRevision: claimed.nextExpectedRevision };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
    // Someone holds or held the key: look until it is settled one way or the other.
    for (;;) {
      const state = stateOf(await io.readStream(claimStream));
      if (!state.active) {
        claimAt = state.last; // released: claim again, after the release
        break;
      }
      const outcome = await outcomeOf(io, state.active);
      const { data: held, recordedAt } = state.active;
      if (outcome.kind === 'written') {
        return { kind: 'duplicate', record: recordOf(held, outcome.revision, recordedAt) };
      }
      if (outcome.kind === 'dead') {
        // Its owner crashed, or failed to record the release: do it for them. A wrong
        // expected version here means someone else changed the claim; just look again.
        await release(io, claimStream, state.last, 'expectation-no-longer-satisfiable').catch(
          (error: unknown) => {
            if (!(error instanceof WrongExpectedRevisionError)) throw error;
          },
        );
        continue;
      }
      waitedSince ??= Date.now();
      if (Date.now() - waitedSince >= timing.waitMs) {
        // Trade-off: the first attempt is neither visibly written nor provably dead (its
        // process may have died after claiming, or its append may still be in flight, e.g.
        // with expectation 'any'). Answering "duplicate" keeps the guarantee that matters
        // most, never writing the same request twice; the price is that a retry of a request
        // whose first attempt died in that narrow window is answered as accepted although
        // nothing was written. Releasing instead could let the slow first attempt AND the
        // retry both write.
        return { kind: 'duplicate', record: recordOf(held, outcome.estimate, recordedAt) };
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 200);
    }
  }
};

/** Records the target revision of the owner's completed append on the claim. */
const completeKey = (
  io: ClaimIo,
  key: string,
  claimRevision: StreamRevision,
  revision: StreamRevision,
) =>
  io.append(
    claimStreamOf(key),
    [claimEvent('IdempotencyKeyCompleted', { revision: revision.toString() })],
    claimRevision,
  );

const release = (io: ClaimIo, claimStream: string, at: ExpectedRevision, reason: string) =>
  io.append(claimStream, [claimEvent('IdempotencyKeyReleased', { reason })], at);

/** The record of a settled key; null if unused, released, or its first attempt is unsettled. */
export const findRecord = async (io: ClaimIo, key: string): Promise<IdempotencyRecord | null> => {
  const { active } = stateOf(await io.readStream(claimStreamOf(key)));
  if (!active) return null;
  const outcome = await outcomeOf(io, active);
  return outcome.kind === 'written'
    ? recordOf(active.data, outcome.revision, active.recordedAt)
    : null;
};

/**
 * An append under an idempotency key: claim the key, append the events, then record the
 * outcome on the claim (completed, or released when the append was refused).
 */
export const appendOnce = async (
  io: ClaimIo,
  timing: ClaimTiming,
  append: {
    streamName: string;
    events: NewEvent[];
    expectedRevision: ExpectedRevision;
    claim: IdempotencyClaim;
  },
): Promise<AppendResult> => {
  const { streamName, events, expectedRevision, claim } = append;
  const eventIds = events.map((event) => event.id);
  const claimed = await claimKey(io, timing, claim, streamName, eventIds, expectedRevision);
  if (claimed.kind === 'duplicate') return claimed;
  let appended: Awaited<ReturnType<ClaimIo['append']>>;
  try {
    appended = await io.append(streamName, events, expectedRevision);
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) {
      // Definitely not written: give the key back so a retry with it can succeed. Should this
      // release fail, a later claimant finds the target moved past the claim's expectation
      // and releases it then ("dead" above).
      await release(io, claimStreamOf(claim.key), claimed.claimRevision, 'wrong-revision').catch(
        () => undefined,
      );
    }
    // Any other failure leaves the claim open: the events may or may not have been written.
    throw error;
  }
  // The events are durable. Should recording completion fail, readers still find the claimed
  // events in the target stream, so the caller is not failed for it.
  await completeKey(io, claim.key, claimed.claimRevision, appended.nextExpectedRevision).catch(
    () => undefined,
  );
  return { kind: 'appended', ...appended };
};
