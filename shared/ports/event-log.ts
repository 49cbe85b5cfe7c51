/** Port: the durable, append-only event log (the batch's training data; the real-time loop appends). */
import type { StoredEvent } from '../domain/events';

/** One entry of the log as read back: its log position and the decoded payload. */
export interface EventLogEntry {
  /** Position in the log (a Redis stream id `<ms>-<seq>`); positions only increase. */
  id: string;
  /** The decoded payload, or null when the entry could not be decoded (counted, never fatal). */
  event: unknown;
}

/** Reads one chunk of the log. */
export interface EventLogRange {
  /** Exclusive lower bound (a position already read); omitted to start at the beginning. */
  after?: string;
  /** Inclusive upper bound: a snapshot reads up to the last position seen when it started. */
  until: string;
  count: number;
}

export interface EventLog {
  /** Appends events in order (in pipelines the adapter sizes) and returns their positions. */
  append(events: readonly StoredEvent[]): Promise<string[]>;
  /** Position of the newest entry, or null when the log is empty. */
  lastId(): Promise<string | null>;
  /** Number of entries in the log. */
  length(): Promise<number>;
  /** Up to `count` entries after `after` and up to `until`, oldest first. */
  read(range: EventLogRange): Promise<EventLogEntry[]>;
  /** Deletes entries by position; returns how many were there. */
  remove(ids: readonly string[]): Promise<number>;
  /** Users whose data was erased, each with the log's last position then: entries up to it go. */
  erasures(): Promise<Map<string, string>>;
  /** Takes `done` off the erasures, except users erased again since (a later position). */
  settleErasures(done: ReadonlyMap<string, string>): Promise<void>;
}
