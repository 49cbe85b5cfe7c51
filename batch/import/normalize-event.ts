/** Turns an `EventInput` (as the API or an import file gives it) into the `StoredEvent` of the log. */
import type { EventInput, StoredEvent } from '../../shared/domain/events';

/**
 * A stable id for an event without one: FNV-1a (64-bit) of (user, item, type, time), so that
 * importing the same file twice yields the same ids (and the ingest path can de-duplicate them).
 */
export function derivedEventId(
  userId: string,
  itemId: string,
  type: string,
  timestamp: number,
): string {
  let h = 0xcbf29ce484222325n;
  const text = `${userId}\u0000${itemId}\u0000${type}\u0000${timestamp}`;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `imp-${h.toString(16).padStart(16, '0')}`;
}

/** Milliseconds since epoch from a number of ms or an ISO 8601 string. */
export function toMillis(timestamp: number | string): number {
  return typeof timestamp === 'number' ? timestamp : Date.parse(timestamp);
}

/** The stored form of `input`; `defaultTime` (ms) when it has no timestamp. */
export function normalizeEvent(input: EventInput, defaultTime: number): StoredEvent {
  const timestamp = input.timestamp === undefined ? defaultTime : toMillis(input.timestamp);
  const event: StoredEvent = {
    id: input.id ?? derivedEventId(input.userId, input.itemId, input.type, timestamp),
    userId: input.userId,
    itemId: input.itemId,
    type: input.type,
    timestamp,
  };
  if (input.value !== undefined) event.value = input.value;
  if (input.sessionId !== undefined) event.sessionId = input.sessionId;
  if (input.context !== undefined) event.context = input.context;
  return event;
}
