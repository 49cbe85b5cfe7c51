/**
 * The request-time state in Upstash Redis: one EVALSHA per recommendation (serving-state script)
 * and one per batch of events (ingest script), plus the small reads and writes of the catalogue
 * routes. Vendor errors become `StoreError('redis')` with the cause kept.
 */
import { Redis } from '@upstash/redis/cloudflare';
import type { ModelManifest, OnlineUserVector, ScoredItem, TopNRecord } from '../domain/artefacts';
import type { RecentItem } from '../domain/events';
import type { Item } from '../domain/items';
import type { Promotion } from '../domain/promotions';
import { hexDigest } from '../digest';
import { StoreError } from '../errors';
import { LIMITS, redisKeys } from '../keys';
import { TRENDING_EPOCH_MS } from '../pipeline/trending-decay';
import type {
  IngestEvent,
  IngestResult,
  IngestSettings,
  IngestedUser,
  PromotionWrite,
  ServingState,
  ServingStateQuery,
  StateStore,
  UserErasure,
} from '../ports/state-store';
import type { Rider } from '../ports/shared-round-trip';
import { factorsFromBase64 } from './item-factors-codec';
import type { EdgeResultReader } from './kv-result-reader';
import { INGEST_EVENTS_SCRIPT } from './lua/ingest-events-script';
import { SERVING_STATE_SCRIPT } from './lua/serving-state-script';

export interface UpstashStateStoreOptions {
  url: string;
  token: string;
  /** Abort a request after this long (ms); the caller's budget usually gives up sooner. */
  timeoutMs?: number;
  /**
   * Abort an ingest after this long (ms; default 10 000). Longer than `timeoutMs`: giving up does
   * not undo the write (Redis runs the script to the end), it only turns a slow success into an
   * unconfirmed one, and a 1,000-event script on a busy server takes longer than a read.
   */
  writeTimeoutMs?: number;
  /** Retries of a failed connection (the client's default of 5 waits ~4 s in total). */
  retries?: number;
}

/** Key templates handed to the Lua scripts; `{id}` and `{v}` are substituted there. */
const ID = '{id}';
const V = '{v}';
const TEMPLATES = {
  pointer: redisKeys.versionCurrent,
  topn: redisKeys.version(V).topN(ID),
  nbrs: redisKeys.version(V).neighbours(ID),
  rows: redisKeys.version(V).rows,
  recent: redisKeys.recent(ID),
  recentWeights: redisKeys.recentWeights(ID),
  session: redisKeys.session(ID),
  consumed: redisKeys.consumed(ID),
  uvec: redisKeys.userVector(ID),
  trending: redisKeys.trending(ID),
  fresh: redisKeys.freshItems,
  item: redisKeys.item(ID),
  hidden: redisKeys.hiddenItems,
  dedupe: redisKeys.dedupe(ID),
  eventLog: redisKeys.eventLog,
};

/**
 * `eraseUser` in one atomic step. KEYS: the user's recent list, recent weights, consumed set and
 * online vector, the versions ZSET, the erasures HASH, the event log, the batch lock; ARGV: the
 * top-N key with `{v}` for the version, the user id. Deletes the user's top-N list of every
 * complete version and of the one a running batch writes (its run id is its version id), and
 * records the log's last position: the user's entries up to it go, later ones (the user came back)
 * stay. Replies `[erasure ms (Redis's clock), keys deleted, last position, version...]`.
 */
const ERASE_USER = `
local deleted = redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
local versions = redis.call('ZRANGE', KEYS[5], 0, -1)
local running = redis.call('GET', KEYS[8])
if running then table.insert(versions, running) end
for _, v in ipairs(versions) do
  deleted = deleted + redis.call('DEL', (string.gsub(ARGV[1], '{v}', function() return v end)))
end
local last = redis.call('XREVRANGE', KEYS[7], '+', '-', 'COUNT', 1)
local upTo = '0-0'
if last[1] then upTo = last[1][1] end
redis.call('HSET', KEYS[6], ARGV[2], upTo)
local now = redis.call('TIME')
local reply = {tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000), deleted, upTo}
for _, v in ipairs(versions) do table.insert(reply, v) end
return reply
`;

/**
 * `writeUserVectors`: KEYS[1] the erasures HASH; ARGV the TTL, then (vector key, user id, JSON) per
 * user. A user erased since the fold-in read its inputs (or erased and not yet settled by a batch)
 * is skipped: the vector came from history that is gone. Replies how many were written.
 */
const WRITE_USER_VECTORS = `
local written = 0
for i = 2, #ARGV, 3 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i + 1]) == 0 then
    redis.call('SET', ARGV[i], ARGV[i + 2], 'EX', ARGV[1])
    written = written + 1
  end
end
return written
`;

/**
 * `putPromotion`: KEYS[1] the promotions HASH; ARGV the id, the JSON, the most promotions held.
 * First removes the promotions that have ended (by Redis's clock), so that they neither count
 * towards the limit nor cost every recommendation a read. Replies 0 (replaced), 1 (created) or
 * -1 (refused: full), so that two concurrent creations cannot both pass the limit.
 */
const PUT_PROMOTION = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, p = pcall(cjson.decode, all[i + 1])
  if ok and type(p) == 'table' and type(p.endsAt) == 'number' and p.endsAt <= now then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 0
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** What `EVALSHA` names the serving-state script by (computed on first use). */
let servingScriptSha1: string | undefined;

/** Most users per ingest call whose fold-in inputs are read back (bounds the script's work). */
const MAX_FOLD_IN_USERS = 200;

/** Also reads the Redis copy of versioned outputs (the fallback behind Workers KV). */
export class UpstashStateStore implements StateStore, EdgeResultReader {
  readonly redis: Redis;
  /** The same server with the longer `writeTimeoutMs`, for ingest. */
  private readonly writer: Redis;
  private readonly servingScript;
  private readonly ingestScript;

  constructor(options: UpstashStateStoreOptions) {
    const client = (timeoutMs: number) =>
      new Redis({
        url: options.url,
        token: options.token,
        // Raw strings: the adapter parses JSON itself, so ids that look like numbers stay strings.
        automaticDeserialization: false,
        responseEncoding: false,
        enableTelemetry: false,
        // Auto-pipelining would batch commands of concurrent requests into one fetch, which workerd
        // forbids (I/O belongs to the request that started it); every call here is one round trip.
        enableAutoPipelining: false,
        readYourWrites: false,
        retry: { retries: options.retries ?? 1, backoff: () => 20 },
        signal: () => AbortSignal.timeout(timeoutMs),
      });
    this.redis = client(options.timeoutMs ?? 2000);
    this.writer = client(options.writeTimeoutMs ?? 10_000);
    this.servingScript = this.redis.createScript<unknown[]>(SERVING_STATE_SCRIPT);
    this.ingestScript = this.writer.createScript<string>(INGEST_EVENTS_SCRIPT);
  }

  async readServingState(q: ServingStateQuery): Promise<ServingState> {
    const args = {
      ...TEMPLATES,
      userId: q.userId,
      sessionId: q.sessionId,
      category: q.category,
      colo: q.colo,
      realtime: q.realtime,
      recentCap: LIMITS.recentItems,
      trendingLimit: q.trendingLimit,
      freshLimit: q.freshLimit,
      seeds: q.neighbourSeeds,
      knownTopN: q.knownTopN,
      heldNeighbours: q.heldNeighbours,
      itemRecords: q.itemRecords,
      // The key itself says "read them" (absent: not asked for).
      promotions: q.promotions ? redisKeys.promotions : undefined,
    };
    const reply = await this.call('serving state', () =>
      this.servingState(JSON.stringify(args), q.trip?.take() ?? []),
    );
    // Positions: see SERVING_STATE_SCRIPT.
    const [
      version,
      topn,
      recent,
      session,
      consumed,
      uvec,
      nbrs,
      trending,
      byCategory,
      byColo,
      fresh,
      hidden,
      records,
      promotions,
    ] = asArray(reply);
    const neighbours = new Map<string, ScoredItem[]>();
    const heldNeighbours: string[] = [];
    const flat = asArray(nbrs);
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (flat[i + 1] === null) {
        heldNeighbours.push(String(flat[i]));
        continue;
      }
      const list = parseJson<ScoredItem[]>(flat[i + 1]);
      if (Array.isArray(list)) neighbours.set(String(flat[i]), list);
    }
    return {
      version: typeof version === 'string' ? version : null,
      topN: parseJson<TopNRecord>(topn),
      recent: asArray(recent)
        .map((r) => parseJson<RecentItem>(r))
        .filter((r): r is RecentItem => r !== null),
      session: asArray(session).map(String),
      consumed: asArray(consumed).map(String),
      onlineVector: parseJson<OnlineUserVector>(uvec),
      neighbours,
      heldNeighbours,
      trending: {
        global: scoredPairs(trending),
        ...(Array.isArray(byCategory) ? { category: scoredPairs(byCategory) } : {}),
        ...(Array.isArray(byColo) ? { colo: scoredPairs(byColo) } : {}),
      },
      fresh: liveItems(fresh),
      hidden: asArray(hidden).map(String),
      items: liveItems(records),
      promotions: parsedPromotions(promotions),
    };
  }

  async ingest(events: readonly IngestEvent[], settings: IngestSettings): Promise<IngestResult> {
    const payload = events.map((e) => {
      const { weight, categories, ...stored } = e;
      return {
        id: e.id,
        userId: e.userId,
        itemId: e.itemId,
        type: e.type,
        timestamp: e.timestamp,
        weight,
        json: JSON.stringify(stored),
        ...(categories === null ? {} : { categories }),
        ...(e.sessionId === undefined ? {} : { sessionId: e.sessionId }),
        ...(e.context?.colo === undefined ? {} : { colo: e.context.colo }),
      };
    });
    const config = {
      ...TEMPLATES,
      dedupeTtl: LIMITS.dedupeTtlSeconds,
      recentCap: LIMITS.recentItems,
      sessionCap: LIMITS.sessionItems,
      sessionTtl: LIMITS.sessionTtlSeconds,
      consumedTtl: settings.consumedTtlSeconds,
      halfLifeMs: settings.trendingHalfLifeMs,
      t0: TRENDING_EPOCH_MS,
      trendingCap: settings.trendingCap,
      returnUsers: settings.returnUsers,
      maxUsers: MAX_FOLD_IN_USERS,
    };
    const raw = await this.call('ingest', () =>
      this.ingestScript.exec([], [JSON.stringify(config), JSON.stringify(payload)]),
    );
    const doc = JSON.parse(raw) as Record<string, unknown>;
    const users = new Map<string, IngestedUser>();
    for (const [userId, value] of Object.entries(asObject(doc.users))) {
      const entry = asObject(value);
      const flat = asArray(entry.w);
      const recentWeights: { itemId: string; weight: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const weight = Number(flat[i + 1]);
        // A sum left over by floating-point rounding after its entries were trimmed is not one.
        if (weight > 1e-9) recentWeights.push({ itemId: String(flat[i]), weight });
      }
      users.set(userId, {
        recentWeights,
        online:
          typeof entry.ov === 'string' && typeof entry.oe === 'number'
            ? { version: entry.ov, events: entry.oe }
            : null,
        batchVector: Array.isArray(entry.vector) ? (entry.vector as number[]) : null,
      });
    }
    return {
      accepted: Number(doc.accepted ?? 0),
      duplicates: Number(doc.duplicates ?? 0),
      acceptedIds: asArray(doc.ids).map(String),
      version: typeof doc.version === 'string' ? doc.version : null,
      users,
    };
  }

  async writeUserVectors(
    vectors: ReadonlyMap<string, OnlineUserVector>,
    ttlSeconds: number,
  ): Promise<void> {
    if (vectors.size === 0) return;
    // The writer's longer timeout: this runs after the answer, so waiting costs no caller anything,
    // while giving up after 2 s on a busy server dropped the fold-in of up to 200 users.
    const args = [String(ttlSeconds)];
    for (const [userId, vector] of vectors) {
      args.push(redisKeys.userVector(userId), userId, JSON.stringify(vector));
    }
    await this.call('write user vectors', () =>
      this.writer.eval(WRITE_USER_VECTORS, [redisKeys.erasures], args),
    );
  }

  async currentVersion(): Promise<string | null> {
    return await this.call('version', () => this.redis.get<string>(redisKeys.versionCurrent));
  }

  async trending(scope: string, limit: number): Promise<ScoredItem[]> {
    // One pipeline: the list (with room for hidden members) and the hidden set.
    const pipe = this.redis.pipeline();
    pipe.zrange(redisKeys.trending(scope), 0, 2 * limit + 20, { rev: true, withScores: true });
    pipe.smembers(redisKeys.hiddenItems);
    const [raw, hidden] = await this.call('trending', () => pipe.exec());
    const blocked = new Set(asArray(hidden).map(String));
    return scoredPairs(raw)
      .filter((s) => !blocked.has(s.itemId))
      .slice(0, limit);
  }

  async getItem(itemId: string): Promise<Item | null> {
    const raw = await this.call('item', () => this.redis.get<string>(redisKeys.item(itemId)));
    return parseJson<Item>(raw);
  }

  async getItemsAndVersion(
    itemIds: readonly string[],
  ): Promise<{ items: (Item | null)[]; version: string | null }> {
    // The writer's longer timeout: a batch reads up to 1,000 records on the way to writing them.
    const pipe = this.writer.pipeline();
    pipe.get(redisKeys.versionCurrent);
    if (itemIds.length > 0) pipe.mget(...itemIds.map((id) => redisKeys.item(id)));
    const [version, records] = await this.call('items and version', () => pipe.exec());
    const raw = asArray(records);
    return {
      items: itemIds.map((_, i) => parseJson<Item>(raw[i])),
      version: typeof version === 'string' ? version : null,
    };
  }

  async eraseUser(userId: string): Promise<UserErasure> {
    const keys = [
      redisKeys.recent(userId),
      redisKeys.recentWeights(userId),
      redisKeys.consumed(userId),
      redisKeys.userVector(userId),
      redisKeys.versions,
      redisKeys.erasures,
      redisKeys.eventLog,
      redisKeys.batchLock,
    ];
    const reply = await this.call('erase user', () =>
      this.writer.eval(ERASE_USER, keys, [redisKeys.version(V).topN(userId), userId]),
    );
    const [erasedAt, keysDeleted, logPosition, ...versions] = reply as [
      number,
      number,
      string,
      ...string[],
    ];
    return {
      erasedAt: Number(erasedAt),
      keysDeleted: Number(keysDeleted),
      logPosition,
      versions,
    };
  }

  async putItem(item: Item, options: { fresh: boolean }): Promise<void> {
    await this.putItems([{ item, fresh: options.fresh }]);
  }

  async putItems(entries: readonly { item: Item; fresh: boolean }[]): Promise<void> {
    if (entries.length === 0) return;
    // MULTI/EXEC: the records, the catalogue index, the fresh list and the hidden set change together;
    // the writer's longer timeout, since one transaction may carry 1,000 items.
    const pipe = this.writer.multi();
    for (const { item, fresh } of entries) {
      pipe.set(redisKeys.item(item.itemId), JSON.stringify(item));
      if (item.deleted) {
        pipe.zrem(redisKeys.items, item.itemId);
        pipe.zrem(redisKeys.freshItems, item.itemId);
      } else {
        pipe.zadd(redisKeys.items, { score: item.createdAt, member: item.itemId });
        if (fresh) pipe.zadd(redisKeys.freshItems, { score: item.createdAt, member: item.itemId });
      }
      if (item.hidden || item.deleted) pipe.sadd(redisKeys.hiddenItems, item.itemId);
      else pipe.srem(redisKeys.hiddenItems, item.itemId);
    }
    await this.call('put items', () => pipe.exec());
  }

  async readManifest(version: string): Promise<ModelManifest | null> {
    return parseJson<ModelManifest>(await this.getRaw(redisKeys.version(version).manifest));
  }

  async readTopN(version: string, userId: string): Promise<TopNRecord | null> {
    return parseJson<TopNRecord>(await this.getRaw(redisKeys.version(version).topN(userId)));
  }

  async readNeighbours(version: string, itemId: string): Promise<ScoredItem[] | null> {
    return parseJson<ScoredItem[]>(
      await this.getRaw(redisKeys.version(version).neighbours(itemId)),
    );
  }

  async readItemFactors(version: string): Promise<Float32Array | null> {
    const text = await this.getRaw(redisKeys.version(version).itemFactors);
    return text === null ? null : factorsFromBase64(text);
  }

  async hiddenItems(): Promise<string[]> {
    return (await this.call('hidden items', () => this.redis.smembers(redisKeys.hiddenItems))).map(
      String,
    );
  }

  async promotions(): Promise<Promotion[]> {
    const raw = await this.call('promotions', () => this.redis.hvals(redisKeys.promotions));
    return parsedPromotions(raw).sort((a, b) => (a.promotionId < b.promotionId ? -1 : 1));
  }

  async putPromotion(promotion: Promotion, max: number): Promise<PromotionWrite> {
    const reply = await this.call('put promotion', () =>
      this.redis.eval(
        PUT_PROMOTION,
        [redisKeys.promotions],
        [promotion.promotionId, JSON.stringify(promotion), String(max)],
      ),
    );
    return Number(reply) === 1 ? 'created' : Number(reply) === 0 ? 'replaced' : 'full';
  }

  async deletePromotion(promotionId: string): Promise<boolean> {
    const removed = await this.call('delete promotion', () =>
      this.redis.hdel(redisKeys.promotions, promotionId),
    );
    return Number(removed) > 0;
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.redis.ping());
  }

  private async getRaw(key: string): Promise<string | null> {
    return await this.call('read', () => this.redis.get<string>(key));
  }

  /**
   * The serving-state script, with the request's riders (the rate limit check) in the same round
   * trip as a pipeline when there are any. Each rider gets its own reply or error; a script that
   * Redis no longer has (NOSCRIPT after a flush or restart) is sent again in full, alone.
   */
  private async servingState(json: string, riders: Rider[]): Promise<unknown> {
    if (riders.length === 0) return this.servingScript.exec([], [json]);
    let replies: { result?: unknown; error?: string }[];
    try {
      const pipeline = this.redis.pipeline();
      for (const { call } of riders) pipeline.evalsha(call.sha1, call.keys, call.args);
      servingScriptSha1 ??= await hexDigest('SHA-1', SERVING_STATE_SCRIPT);
      pipeline.evalsha(servingScriptSha1, [], [json]);
      replies = await pipeline.exec({ keepErrors: true });
    } catch (error) {
      for (const rider of riders) rider.reject(error);
      throw error;
    }
    riders.forEach((rider, i) => {
      const { result, error } = replies[i] ?? { result: null, error: 'no reply' };
      if (error) rider.reject(new Error(error));
      else rider.resolve(result);
    });
    const own = replies[riders.length];
    if (!own?.error) return own?.result;
    if (own.error.includes('NOSCRIPT')) return this.servingScript.eval([], [json]);
    throw new Error(own.error);
  }

  /** Runs one Redis call, translating every failure into a `StoreError`. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new StoreError('redis', `redis ${what} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** The item records of a reply that exist and are not deleted. */
function liveItems(reply: unknown): Item[] {
  return asArray(reply)
    .map((r) => parseJson<Item>(r))
    .filter((r): r is Item => r !== null && !r.deleted);
}

/** The promotions of an HVALS reply (values that do not parse are passed over). */
function parsedPromotions(reply: unknown): Promotion[] {
  return asArray(reply)
    .map((r) => parseJson<Promotion>(r))
    .filter((p): p is Promotion => p !== null && Array.isArray(p.items) && Array.isArray(p.slots));
}

function parseJson<T>(value: unknown): T | null {
  if (typeof value !== 'string') return null;
  try {
    return JSON.parse(value) as T;
  } catch {
    return null;
  }
}

/** cjson encodes an empty Lua table as `{}`: read both forms as an empty array. */
function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A flat `[member, score, member, score, ...]` reply as scored items. */
function scoredPairs(value: unknown): ScoredItem[] {
  const flat = asArray(value);
  const out: ScoredItem[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push({ itemId: String(flat[i]), score: Number(flat[i + 1]) });
  }
  return out;
}
