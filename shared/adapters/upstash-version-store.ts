/**
 * Redis holds the source of truth of every batch output: one version's records under
 * `er:v:<version>:…`, the served-version pointer (flipped and rolled back by Lua scripts, so each
 * change is one atomic step), the batch lock and the run reports.
 */
import type { ModelManifest, ScoredItem, TopNRecord } from '../domain/artefacts';
import type { BatchRunReport } from '../domain/batch';
import { PREFIX, redisKeys } from '../keys';
import type { ResultStore, WriteCounts } from '../ports/result-store';
import type { VersionPointer, VersionStore } from '../ports/version-store';
import { factorsFromBase64, factorsToBase64 } from './item-factors-codec';
import type { Redis } from './upstash-redis-client';

/** Fields per HSET of the item-row hash (one request each). */
const ROWS_PER_HSET = 5000;

/**
 * previous := current, current := ARGV[1], ZADD versions; a no-op when ARGV[1] is already current.
 * With a holder (ARGV[3]) the flip happens only while that run holds the batch lock (KEYS[4]), so a
 * run whose lock expired and was taken over can never flip.
 */
const FLIP = `
if ARGV[3] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[3] then
  return redis.error_reply('LOCKLOST batch lock not held by ' .. ARGV[3])
end
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  return {cur, redis.call('GET', KEYS[2]) or ''}
end
if cur then redis.call('SET', KEYS[2], cur) else redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return {ARGV[1], cur or ''}
`;

/** current := previous, previous cleared, the abandoned version leaves the versions ZSET. */
const ROLLBACK = `
local prev = redis.call('GET', KEYS[2])
if not prev then return false end
local cur = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], prev)
redis.call('DEL', KEYS[2])
if cur and cur ~= prev then redis.call('ZREM', KEYS[3], cur) end
return {prev, cur or ''}
`;

/** Extends the lock only for its holder. */
const REFRESH_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** Deletes the lock only for its holder (compare-and-delete). */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Run reports are kept this long (GC of unflipped versions finds their ids through them). */
const RUN_RETENTION_MS = 30 * 24 * 3600 * 1000;

export interface UpstashVersionStoreOptions {
  /** SETs per pipeline request when writing outputs. */
  writeChunk?: number;
  /** Keys per SCAN step and per UNLINK. */
  scanCount?: number;
}

export class UpstashVersionStore implements VersionStore, ResultStore {
  private readonly writeChunk: number;
  private readonly scanCount: number;

  constructor(
    private readonly redis: Redis,
    options: UpstashVersionStoreOptions = {},
  ) {
    this.writeChunk = options.writeChunk ?? 300;
    this.scanCount = options.scanCount ?? 1000;
  }

  // ---- pointer -------------------------------------------------------------------------------

  async pointer(): Promise<VersionPointer> {
    const [current, previous] = (await this.redis.mget(
      redisKeys.versionCurrent,
      redisKeys.versionPrevious,
    )) as (string | null)[];
    return { current: current ?? null, previous: previous ?? null };
  }

  async flip(version: string, createdAt: number, holder?: string): Promise<VersionPointer> {
    const [current, previous] = (await this.redis.eval(
      FLIP,
      [
        redisKeys.versionCurrent,
        redisKeys.versionPrevious,
        redisKeys.versions,
        redisKeys.batchLock,
      ],
      [version, String(createdAt), holder ?? ''],
    )) as [string, string];
    return { current, previous: previous === '' ? null : previous };
  }

  async rollback(): Promise<VersionPointer | null> {
    const result = (await this.redis.eval(
      ROLLBACK,
      [redisKeys.versionCurrent, redisKeys.versionPrevious, redisKeys.versions],
      [],
    )) as [string, string] | null;
    if (!result) return null;
    return { current: result[0], previous: null };
  }

  async versions(): Promise<{ version: string; createdAt: number }[]> {
    const flat = (await this.redis.zrange(redisKeys.versions, 0, -1, {
      withScores: true,
    })) as string[];
    const out: { version: string; createdAt: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ version: flat[i]!, createdAt: Number(flat[i + 1]) });
    }
    return out;
  }

  async forget(versions: readonly string[]): Promise<void> {
    if (versions.length === 0) return;
    await this.redis.zrem(redisKeys.versions, ...(versions as [string, ...string[]]));
  }

  // ---- lock ----------------------------------------------------------------------------------

  async acquireLock(runId: string, ttlMs: number): Promise<boolean> {
    const ok = await this.redis.set(redisKeys.batchLock, runId, { nx: true, px: ttlMs });
    return ok === 'OK';
  }

  async refreshLock(runId: string, ttlMs: number): Promise<boolean> {
    const n = await this.redis.eval(REFRESH_LOCK, [redisKeys.batchLock], [runId, String(ttlMs)]);
    return Number(n) === 1;
  }

  async releaseLock(runId: string): Promise<boolean> {
    const n = await this.redis.eval(RELEASE_LOCK, [redisKeys.batchLock], [runId]);
    return Number(n) === 1;
  }

  async lockHolder(): Promise<string | null> {
    return ((await this.redis.get(redisKeys.batchLock)) as string | null) ?? null;
  }

  // ---- run reports ---------------------------------------------------------------------------

  async saveRun(report: BatchRunReport): Promise<void> {
    const pipe = this.redis.pipeline();
    pipe.set(redisKeys.batchRun(report.runId), JSON.stringify(report), { px: RUN_RETENTION_MS });
    pipe.zadd(redisKeys.batchRuns, { score: report.startedAt, member: report.runId });
    pipe.zremrangebyscore(redisKeys.batchRuns, '-inf', `(${report.startedAt - RUN_RETENTION_MS}`);
    await pipe.exec();
  }

  async getRun(runId: string): Promise<BatchRunReport | null> {
    const raw = (await this.redis.get(redisKeys.batchRun(runId))) as string | null;
    return raw ? (JSON.parse(raw) as BatchRunReport) : null;
  }

  async recentRuns(limit: number): Promise<BatchRunReport[]> {
    const ids = (await this.redis.zrange(redisKeys.batchRuns, 0, limit - 1, {
      rev: true,
    })) as string[];
    if (ids.length === 0) return [];
    const raws = (await this.redis.mget(...ids.map((id) => redisKeys.batchRun(id)))) as (
      string | null
    )[];
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as BatchRunReport] : []));
  }

  // ---- versioned outputs ---------------------------------------------------------------------

  async writeTopN(version: string, records: readonly TopNRecord[]): Promise<number> {
    const keys = redisKeys.version(version);
    return await this.setMany(records.map((r) => [keys.topN(r.userId), JSON.stringify(r)]));
  }

  async deleteTopN(version: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    const keys = redisKeys.version(version);
    await this.redis.del(...userIds.map((id) => keys.topN(id)));
  }

  async writeNeighbours(
    version: string,
    lists: readonly [string, ScoredItem[]][],
  ): Promise<number> {
    const keys = redisKeys.version(version);
    return await this.setMany(
      lists.map(([id, list]) => [keys.neighbours(id), JSON.stringify(list)]),
    );
  }

  async writePopular(
    version: string,
    category: string | undefined,
    list: ScoredItem[],
  ): Promise<number> {
    return await this.setMany([
      [redisKeys.version(version).popular(category), JSON.stringify(list)],
    ]);
  }

  async writeManifest(version: string, manifest: ModelManifest): Promise<void> {
    const keys = redisKeys.version(version);
    for (let start = 0; start < manifest.itemIds.length; start += ROWS_PER_HSET) {
      const rows: Record<string, number> = {};
      manifest.itemIds
        .slice(start, start + ROWS_PER_HSET)
        .forEach((id, i) => (rows[id] = start + i));
      await this.redis.hset(keys.rows, rows);
    }
    await this.redis.set(keys.manifest, JSON.stringify(manifest));
  }

  async writeItemFactors(version: string, factors: Float32Array): Promise<void> {
    await this.redis.set(redisKeys.version(version).itemFactors, factorsToBase64(factors));
  }

  async readManifest(version: string): Promise<ModelManifest | null> {
    return this.getJson<ModelManifest>(redisKeys.version(version).manifest);
  }

  async readTopN(version: string, userId: string): Promise<TopNRecord | null> {
    return this.getJson<TopNRecord>(redisKeys.version(version).topN(userId));
  }

  async readNeighbours(version: string, itemId: string): Promise<ScoredItem[] | null> {
    return this.getJson<ScoredItem[]>(redisKeys.version(version).neighbours(itemId));
  }

  async readPopular(version: string, category?: string): Promise<ScoredItem[] | null> {
    return this.getJson<ScoredItem[]>(redisKeys.version(version).popular(category));
  }

  async readItemFactors(version: string): Promise<Float32Array | null> {
    const raw = (await this.redis.get(redisKeys.version(version).itemFactors)) as string | null;
    return raw === null ? null : factorsFromBase64(raw);
  }

  async countKeys(version: string): Promise<WriteCounts> {
    const counts: WriteCounts = { topN: 0, neighbours: 0, popular: 0, manifest: 0, itemFactors: 0 };
    const prefix = `${PREFIX}:v:${version}:`;
    await this.scan(`${prefix}*`, (keys) => {
      for (const key of keys) {
        const kind = key.slice(prefix.length).split(':', 1)[0];
        if (kind === 'topn') counts.topN++;
        else if (kind === 'nbrs') counts.neighbours++;
        else if (kind === 'pop') counts.popular++;
        else if (kind === 'manifest') counts.manifest++;
        else if (kind === 'factors') counts.itemFactors++;
      }
    });
    return counts;
  }

  async deleteVersions(versions: readonly string[]): Promise<number> {
    if (versions.length === 0) return 0;
    const doomed = new Set(versions);
    const prefix = `${PREFIX}:v:`;
    let deleted = 0;
    // One pass over every versioned key, whatever the number of versions collected.
    await this.scan(`${prefix}*`, async (keys) => {
      const mine = keys.filter((key) => doomed.has(key.slice(prefix.length).split(':', 1)[0]!));
      if (mine.length > 0) deleted += await this.redis.unlink(...mine);
    });
    return deleted;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private async getJson<T>(key: string): Promise<T | null> {
    const raw = (await this.redis.get(key)) as string | null;
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  /** SETs in pipelines of `writeChunk`; returns how many Redis acknowledged. */
  private async setMany(entries: readonly [string, string][]): Promise<number> {
    let written = 0;
    for (let start = 0; start < entries.length; start += this.writeChunk) {
      const pipe = this.redis.pipeline();
      for (const [key, value] of entries.slice(start, start + this.writeChunk)) {
        pipe.set(key, value);
      }
      const results = (await pipe.exec()) as unknown[];
      written += results.filter((r) => r === 'OK').length;
    }
    return written;
  }

  private async scan(
    match: string,
    onKeys: (keys: string[]) => void | Promise<void>,
  ): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = (await this.redis.scan(cursor, {
        match,
        count: this.scanCount,
      })) as unknown as [string, string[]];
      cursor = String(next);
      if (keys.length > 0) await onKeys(keys);
    } while (cursor !== '0');
  }
}
