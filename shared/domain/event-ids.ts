/**
 * Ids of events sent without one. The API and the file importer derive them alike, so that an
 * event that reaches the log both ways (a file import of what the API already took, a retried
 * request) is stored once.
 */
import { createHash } from 'node:crypto';

/** `prefix` and the first 32 hex digits (128 bits) of the SHA-256 of `parts` joined by NUL. */
function digestId(prefix: string, parts: readonly (string | number)[]): string {
  return prefix + createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** A deterministic id for an event sent without one: SHA-256 of (userId, itemId, type, timestamp). */
export function derivedEventId(e: {
  userId: string;
  itemId: string;
  type: string;
  timestamp: number;
}): string {
  return digestId('d-', [e.userId, e.itemId, e.type, e.timestamp]);
}

/**
 * The id of an event sent with neither id nor timestamp in a request with an `Idempotency-Key`:
 * SHA-256 of (key, userId, itemId, type), so that the same request sent again repeats it.
 */
export function keyedEventId(
  idempotencyKey: string,
  e: { userId: string; itemId: string; type: string },
): string {
  return digestId('k-', [idempotencyKey, e.userId, e.itemId, e.type]);
}

/**
 * The id an event is stored under: its own; with neither id nor time but a `key` (a request's
 * `Idempotency-Key`, an import's file and line), `keyedEventId`; else `derivedEventId` at
 * `timestamp`, the time it is stored with.
 */
export function eventIdOf(
  input: { id?: string; userId: string; itemId: string; type: string; timestamp?: unknown },
  timestamp: number,
  key?: string,
): string {
  if (input.id !== undefined) return input.id;
  if (input.timestamp === undefined && key !== undefined) return keyedEventId(key, input);
  return derivedEventId({ ...input, timestamp });
}
