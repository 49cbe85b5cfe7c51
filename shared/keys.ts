/**
 * Every Redis key, Workers KV key and vector namespace, built in one place. Versioned outputs of
 * a batch run live under their version id; the pointer `versionCurrent` says which one is served.
 */

/** Prefix of every Redis key, so that one Redis database can be shared and scanned safely. */
export const PREFIX = 'er';

export const redisKeys = {
  /** STRING: id of the served version (flipped atomically at the end of a batch run). */
  versionCurrent: `${PREFIX}:version:current`,
  /** STRING: id of the version served before the current one (target of rollback). */
  versionPrevious: `${PREFIX}:version:previous`,
  /** ZSET: every complete version id, scored by its creation time in ms. */
  versions: `${PREFIX}:versions`,
  /** STREAM: the durable event log; each entry has one field `e` holding the JSON `StoredEvent`. */
  eventLog: `${PREFIX}:events`,
  /** STRING (SET NX EX): marks an event id as seen, for de-duplication of retried requests. */
  dedupe: (eventId: string) => `${PREFIX}:dedupe:${eventId}`,
  /** LIST of JSON `RecentItem`, newest first, capped (see `LIMITS.recentItems`). */
  recent: (userId: string) => `${PREFIX}:recent:${userId}`,
  /**
   * HASH item id → summed weight of the user's recent list, kept in step with it by the ingest
   * script (fold-in's input, read without decoding the list).
   */
  recentWeights: (userId: string) => `${PREFIX}:recent-weights:${userId}`,
  /** LIST of item ids of one session, newest first, capped, expires after inactivity. */
  session: (sessionId: string) => `${PREFIX}:session:${sessionId}`,
  /** SET of item ids the user consumed since the last batch (the batch's `seen` covers the rest). */
  consumed: (userId: string) => `${PREFIX}:consumed:${userId}`,
  /** ZSET of time-decayed trending scores; scope `global`, `cat:<category>` or `colo:<colo>`. */
  trending: (scope: string) => `${PREFIX}:trending:${scope}`,
  /** STRING: JSON `OnlineUserVector` refreshed by fold-in; reset by the next batch (version check). */
  userVector: (userId: string) => `${PREFIX}:uvec:${userId}`,
  /** STRING: JSON `Item` of the catalogue. */
  item: (itemId: string) => `${PREFIX}:item:${itemId}`,
  /**
   * HASH user id → the event log's last position when the user's data was erased (`DELETE
   * /v1/users/{userId}`): the next batch deletes the user's entries up to it, then the field.
   */
  erasures: `${PREFIX}:erasures`,
  /** ZSET: every catalogue item id scored by createdAt ms. */
  items: `${PREFIX}:items`,
  /** ZSET: item ids created after the last batch (cold-start items), scored by createdAt ms. */
  freshItems: `${PREFIX}:items:fresh`,
  /** SET: ids of hidden or deleted items; serving removes them from every answer. */
  hiddenItems: `${PREFIX}:items:hidden`,
  /** HASH promotion id → JSON `Promotion` (promoted slots, read by every recommendation). */
  promotions: `${PREFIX}:promotions`,
  /** STRING (SET NX PX): the batch lock; value is the run id holding it. */
  batchLock: `${PREFIX}:batch:lock`,
  /** STRING: JSON `BatchRunReport` of one run. */
  batchRun: (runId: string) => `${PREFIX}:batch:run:${runId}`,
  /** ZSET: run ids scored by start time in ms. */
  batchRuns: `${PREFIX}:batch:runs`,
  /** Rate-limit keys are owned by @upstash/ratelimit under this prefix. */
  rateLimitPrefix: `${PREFIX}:ratelimit`,
  /** Keys of one version's outputs (source of truth; KV holds a read-mostly copy). */
  version: (version: string) => ({
    /** STRING: JSON `TopNRecord` of one user. */
    topN: (userId: string) => `${PREFIX}:v:${version}:topn:${userId}`,
    /** STRING: JSON `ScoredItem[]` (top 50 neighbours of one item). */
    neighbours: (itemId: string) => `${PREFIX}:v:${version}:nbrs:${itemId}`,
    /** STRING: JSON `ScoredItem[]`, global (`category` undefined) or per category. */
    popular: (category?: string) =>
      category === undefined
        ? `${PREFIX}:v:${version}:pop`
        : `${PREFIX}:v:${version}:pop:cat:${category}`,
    /** STRING: JSON `ModelManifest`. */
    manifest: `${PREFIX}:v:${version}:manifest`,
    /**
     * HASH: item id → its row in `manifest.itemIds` (written with the manifest). The serving-state
     * script looks seeds up here to skip neighbour lists the edge already holds (by row bitmap).
     */
    rows: `${PREFIX}:v:${version}:rows`,
    /** STRING: base64 of the little-endian Float32 item factors, rows in `manifest.itemIds` order. */
    itemFactors: `${PREFIX}:v:${version}:factors`,
    /** Glob matching every key of this version (garbage collection uses SCAN with it). */
    all: `${PREFIX}:v:${version}:*`,
  }),
} as const;

/** Workers KV keys: the current version's read-mostly copy, written only by the batch. */
export const kvKeys = {
  /** JSON `{version, flippedAt}`: copy of the pointer, for isolates that start cold. */
  current: 'current',
  topN: (version: string, userId: string) => `v/${version}/topn/${userId}`,
  neighbours: (version: string, itemId: string) => `v/${version}/nbrs/${itemId}`,
  manifest: (version: string) => `v/${version}/manifest`,
  /** ArrayBuffer: little-endian Float32 item factors, rows in `manifest.itemIds` order. */
  itemFactors: (version: string) => `v/${version}/factors`,
  /** Prefix for listing and deleting one version's keys. */
  versionPrefix: (version: string) => `v/${version}/`,
} as const;

/** The vector-index namespace holding one version's item vectors. */
export const vectorNamespace = (version: string): string => `v-${version}`;

/** Caps shared by the writers and readers of the keys above. */
export const LIMITS = {
  recentItems: 50,
  sessionItems: 30,
  sessionTtlSeconds: 30 * 60,
  dedupeTtlSeconds: 7 * 24 * 3600,
  topN: 200,
  neighbours: 50,
  popular: 500,
  batchLockMs: 15 * 60 * 1000,
} as const;
