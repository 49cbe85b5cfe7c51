/** Turns an `EventInput` (as the API or an import file gives it) into the `StoredEvent` of the log. */
import { eventIdOf } from '../../shared/domain/event-ids';
import { toMillis, type EventInput, type StoredEvent } from '../../shared/domain/events';

/**
 * The stored form of `input`; `defaultTime` (ms) when it has no timestamp. An event without an id
 * gets the one the API would give it: from (user, item, type, time), or, with neither id nor
 * timestamp, from `lineKey` (where it was read, e.g. `<file>:<line>`) as the API does from an
 * `Idempotency-Key`, so that repeated lines stay distinct events and the same file imported again
 * repeats their ids.
 */
export function normalizeEvent(
  input: EventInput,
  defaultTime: number,
  lineKey?: string,
): StoredEvent {
  const timestamp = input.timestamp === undefined ? defaultTime : toMillis(input.timestamp);
  const event: StoredEvent = {
    id: eventIdOf(input, timestamp, lineKey),
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
