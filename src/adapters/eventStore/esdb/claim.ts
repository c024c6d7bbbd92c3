/**
 * Idempotency claims on EventStoreDB. A key's claim stream holds, in order:
 * `IdempotencyKeyClaimed` (fingerprint, result, target stream, the pre-generated event ids),
 * then `IdempotencyKeyCompleted` (the target revision) once the document events are appended,
 * or `IdempotencyKeyReleased` if that append failed, after which the key may be claimed again.
 *
 * A claim without an outcome means the first attempt is in flight, or its process died
 * between the two appends. The event ids it reserved tell which: if they are in the target
 * stream the write happened; if they stay absent past a grace period, the claim is released.
 */
import {
  type AppendResult,
  type ExpectedRevision,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../../../ports/eventStore.js';

type ReadStream = (streamName: string) => Promise<RecordedEvent[]>;
interface Io {
  append(streamName: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  readStream: ReadStream;
}

/** How long an unfinished claim is waited for before it is presumed dead. */
const graceMs = 5_000;
const pollMs = 50;

interface ClaimState {
  claimed: RecordedEvent | null;
  completedRevision: bigint | null;
  lastRevision: bigint | null;
}

const stateOf = (events: RecordedEvent[]): ClaimState => {
  let claimed: RecordedEvent | null = null;
  let completedRevision: bigint | null = null;
  for (const event of events) {
    if (event.type === 'IdempotencyKeyClaimed') {
      claimed = event;
      completedRevision = null;
    } else if (event.type === 'IdempotencyKeyCompleted') {
      completedRevision = BigInt(String(event.data.revision));
    } else if (event.type === 'IdempotencyKeyReleased') {
      claimed = null;
    }
  }
  return { claimed, completedRevision, lastRevision: events.at(-1)?.revision ?? null };
};

const recordOf = (key: string, claimed: RecordedEvent, revision: bigint): IdempotencyRecord => ({
  key,
  fingerprint: String(claimed.data.fingerprint),
  result: claimed.data.result as JsonObject,
  streamName: String(claimed.data.streamName),
  revision,
  eventIds: claimed.data.eventIds as string[],
  recordedAt: claimed.recordedAt,
});

/** The revision of the claimed events in their target stream, if they were written. */
const writtenRevision = async (readStream: ReadStream, claimed: RecordedEvent) => {
  const ids = claimed.data.eventIds as string[];
  const target = await readStream(String(claimed.data.streamName));
  const last = target.filter((event) => ids.includes(event.id)).at(-1);
  return last ? last.revision : null;
};

export const readClaim = async (
  readStream: ReadStream,
  claimStream: string,
  key: string,
): Promise<IdempotencyRecord | null> => {
  const { claimed, completedRevision } = stateOf(await readStream(claimStream));
  if (!claimed) return null;
  const revision = completedRevision ?? (await writtenRevision(readStream, claimed));
  return revision === null ? null : recordOf(key, claimed, revision);
};

export const claimKey = async (
  io: Io,
  claimStream: string,
  claim: IdempotencyClaim,
  streamName: string,
  eventIds: string[],
): Promise<{ kind: 'claimed' } | { kind: 'duplicate'; record: IdempotencyRecord }> => {
  const started = Date.now();
  for (;;) {
    const state = stateOf(await io.readStream(claimStream));
    if (state.claimed) {
      const revision =
        state.completedRevision ?? (await writtenRevision(io.readStream, state.claimed));
      if (revision !== null) {
        return { kind: 'duplicate', record: recordOf(claim.key, state.claimed, revision) };
      }
      if (
        Date.now() - state.claimed.recordedAt.getTime() < graceMs ||
        Date.now() - started < pollMs
      ) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        continue;
      }
      // Presumed dead: release it, then claim anew on the next turn.
      await io
        .append(
          claimStream,
          [
            {
              id: crypto.randomUUID(),
              type: 'IdempotencyKeyReleased',
              data: { presumedDead: true },
              metadata: {},
            },
          ],
          state.lastRevision ?? 'no_stream',
        )
        .catch((error: unknown) => {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
        });
      continue;
    }
    try {
      await io.append(
        claimStream,
        [
          {
            id: crypto.randomUUID(),
            type: 'IdempotencyKeyClaimed',
            data: {
              key: claim.key,
              fingerprint: claim.fingerprint,
              result: claim.result,
              streamName,
              eventIds,
            },
            metadata: {},
          },
        ],
        state.lastRevision ?? 'no_stream',
      );
      return { kind: 'claimed' };
    } catch (error) {
      // Another request claimed it between our read and our append: look again.
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
  }
};
