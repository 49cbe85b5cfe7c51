/** The event log as a Redis stream (`er:events`, one field `e` = JSON `StoredEvent`). */
import type { StoredEvent } from '../domain/events';
import type { EventLog, EventLogEntry, EventLogRange } from '../ports/event-log';
import { redisKeys } from '../keys';
import type { Redis } from './upstash-redis-client';

/**
 * Appends every ARGV as one entry (field `e`) and returns the new ids: one command per chunk, which
 * the REST endpoint and Redis process about five times faster than a pipeline of single XADDs.
 */
const APPEND = `
local ids = {}
for i = 1, #ARGV do ids[i] = redis.call('XADD', KEYS[1], '*', 'e', ARGV[i]) end
return ids
`;

/** HDEL of each ARGV pair (user id, log position) whose field still holds that position. */
const SETTLE_ERASURES = `
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return removed
`;

/** Raw XRANGE reply: `[[id, [field, value, ...]], ...]`. */
type RawStreamEntries = [string, string[]][];

export class UpstashEventLog implements EventLog {
  constructor(
    private readonly redis: Redis,
    /** Entries per request: large enough to amortise the round trip, small enough to stream. */
    private readonly appendChunk = 1000,
  ) {}

  async append(events: readonly StoredEvent[]): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < events.length; start += this.appendChunk) {
      const payloads = events.slice(start, start + this.appendChunk).map((e) => JSON.stringify(e));
      ids.push(...((await this.redis.eval(APPEND, [redisKeys.eventLog], payloads)) as string[]));
    }
    return ids;
  }

  async lastId(): Promise<string | null> {
    const raw = (await this.redis.xrevrange(redisKeys.eventLog, '+', '-', 1)) as unknown;
    const entries = raw as RawStreamEntries | null;
    return entries && entries.length > 0 ? entries[0]![0] : null;
  }

  async length(): Promise<number> {
    return await this.redis.xlen(redisKeys.eventLog);
  }

  async read({ after, until, count }: EventLogRange): Promise<EventLogEntry[]> {
    // `(` makes the lower bound exclusive (Redis ≥ 6.2), so chunks never repeat an entry.
    const start = after === undefined ? '-' : `(${after}`;
    const raw = (await this.redis.xrange(redisKeys.eventLog, start, until, count)) as unknown;
    const entries = (raw ?? []) as RawStreamEntries;
    return entries.map(([id, fields]) => ({ id, event: decodeFields(fields) }));
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return await this.redis.xdel(redisKeys.eventLog, [...ids]);
  }

  async erasures(): Promise<Map<string, string>> {
    // Without automatic deserialisation the client hands HGETALL over as [field, value, ...].
    const flat = ((await this.redis.hgetall(redisKeys.erasures)) ?? []) as unknown as string[];
    const out = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, flat[i + 1]!);
    return out;
  }

  async settleErasures(done: ReadonlyMap<string, string>): Promise<void> {
    if (done.size === 0) return;
    await this.redis.eval(SETTLE_ERASURES, [redisKeys.erasures], [...done].flat());
  }
}

/** The JSON of field `e`, or null when the field is missing or not JSON. */
function decodeFields(fields: string[]): unknown {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== 'e') continue;
    try {
      return JSON.parse(fields[i + 1]!) as unknown;
    } catch {
      return null;
    }
  }
  return null;
}
