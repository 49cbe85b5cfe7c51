/**
 * Test helper: writes one small served version with the pinned keys — manifest, item factors,
 * top-N records, neighbour lists and popular lists into Redis (and a KV copy of part of it), item
 * vectors into the vector server — and flips the pointer to it. Idempotent: every API test file
 * seeds the same version and uses its own user ids.
 */
import { env } from 'cloudflare:test';
import { UpstashStateStore } from '../../../shared/adapters/upstash-state-store';
import { UpstashVectorIndex } from '../../../shared/adapters/upstash-vector-index';
import { factorsToBase64, factorsToBytes } from '../../../shared/adapters/item-factors-codec';
import type { ModelManifest, ScoredItem, TopNRecord } from '../../../shared/domain/artefacts';
import type { Item } from '../../../shared/domain/items';
import { kvKeys, redisKeys, vectorNamespace } from '../../../shared/keys';
import { TEST_API_KEYS, TEST_BINDINGS } from '../../setup/test-ports';

export const SEED_VERSION = 'vtest1';
export const DIMS = 64;
export const SEED_CREATED_AT = Date.UTC(2026, 0, 1);

/** i01..i20 are drama, i21..i40 comedy; i19 and i20 are both. */
export const ITEM_IDS = Array.from({ length: 40 }, (_, i) => `i${String(i + 1).padStart(2, '0')}`);
export function categoriesOfSeedItem(itemId: string): string[] {
  const n = Number(itemId.slice(1));
  if (n === 19 || n === 20) return ['drama', 'comedy'];
  return n <= 20 ? ['drama'] : ['comedy'];
}

/** Deterministic factor row: drama items point along axis 0, comedy along axis 1, plus a small tilt. */
export function seedVector(itemId: string): number[] {
  const n = Number(itemId.slice(1));
  const v = new Array<number>(DIMS).fill(0);
  const cats = categoriesOfSeedItem(itemId);
  if (cats.includes('drama')) v[0] = 1;
  if (cats.includes('comedy')) v[1] = 1;
  v[2 + (n % 8)] = 0.1 + n / 400;
  return v;
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** Neighbours of an item: the other items by dot product of their seed vectors. */
export function seedNeighbours(itemId: string): ScoredItem[] {
  const v = seedVector(itemId);
  return ITEM_IDS.filter((id) => id !== itemId)
    .map((id) => ({ itemId: id, score: Math.round(dot(v, seedVector(id)) * 1e4) / 1e4 }))
    .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1))
    .slice(0, 10);
}

/** The drama lover's batch vector: mostly axis 0, a little comedy, a distinct weight per tilt axis. */
export function dramaUserVector(): number[] {
  const v = new Array<number>(DIMS).fill(0);
  v[0] = 1;
  v[1] = 0.2;
  for (let d = 2; d < 10; d++) v[d] = 0.05 * (d - 1);
  return v;
}

/** A drama lover's record: every unseen item by user·item (as ALS top-N are), i16 seen in training. */
export function dramaTopN(userId: string): TopNRecord {
  const vector = dramaUserVector();
  const items = ITEM_IDS.filter((id) => id !== 'i16')
    .map((id) => [id, Math.round(dot(vector, seedVector(id)) * 1e6) / 1e6] as [string, number])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    version: SEED_VERSION,
    userId,
    items,
    vector,
    seen: ['i16'],
    categoryAffinity: { drama: 0.9, comedy: 0.1 },
  };
}

/** Users with a top-N record: in KV and Redis (`kv-*`), only in Redis (`redis-*`). */
export const KV_USERS = [
  'kv-drama',
  'kv-drama-2',
  'kv-rt',
  'kv-count',
  'kv-trips',
  'kv-held',
  'kv-promo',
];
export const REDIS_ONLY_USERS = ['redis-drama', 'redis-trips', 'redis-trips-2'];

export function testStateStore(): UpstashStateStore {
  return new UpstashStateStore({
    url: TEST_BINDINGS.UPSTASH_REDIS_REST_URL,
    token: TEST_BINDINGS.UPSTASH_REDIS_REST_TOKEN,
  });
}

function manifest(): ModelManifest {
  const gram = new Array<number>(DIMS * DIMS).fill(0);
  for (const id of ITEM_IDS) {
    const v = seedVector(id);
    for (let i = 0; i < DIMS; i++)
      for (let j = 0; j < DIMS; j++) gram[i * DIMS + j]! += v[i]! * v[j]!;
  }
  return {
    version: SEED_VERSION,
    createdAt: SEED_CREATED_AT,
    model: 'als',
    dims: DIMS,
    itemIds: ITEM_IDS,
    items: ITEM_IDS.map((id, i) => ({
      categories: categoriesOfSeedItem(id),
      createdAt: SEED_CREATED_AT - (i + 1) * 86_400_000,
      // i40 most popular, i01 least: popularity and the drama top-N disagree on purpose.
      popularity: i + 1,
    })),
    gram,
    foldIn: { lambda: 0.1, alpha: 2, priorWeight: 1 },
    eventWeights: { view: 1, like: 4 },
    scorer: { kind: 'identity' },
    hyperParameters: {},
    metrics: null,
  };
}

/** The catalogue records of the seed items. */
export function seedItems(): Item[] {
  return ITEM_IDS.map((itemId, i) => ({
    itemId,
    title: `Item ${itemId}`,
    categories: categoriesOfSeedItem(itemId),
    tags: [],
    createdAt: SEED_CREATED_AT - (i + 1) * 86_400_000,
    hidden: false,
    attributes: {},
    updatedAt: SEED_CREATED_AT,
  }));
}

let seeded: Promise<void> | null = null;

/** Seeds the version once per test isolate (the data is the same every time). */
export function seedVersion(): Promise<void> {
  seeded ??= writeSeed();
  return seeded;
}

async function writeSeed(): Promise<void> {
  const store = testStateStore();
  const redis = store.redis;
  const keys = redisKeys.version(SEED_VERSION);
  const m = manifest();
  const factors = new Float32Array(ITEM_IDS.flatMap(seedVector));
  const pipe = redis.pipeline();
  pipe.set(keys.manifest, JSON.stringify(m));
  pipe.hset(keys.rows, Object.fromEntries(ITEM_IDS.map((id, row) => [id, row])));
  pipe.set(keys.itemFactors, factorsToBase64(factors));
  for (const userId of [...KV_USERS, ...REDIS_ONLY_USERS]) {
    pipe.set(keys.topN(userId), JSON.stringify(dramaTopN(userId)));
  }
  for (const id of ITEM_IDS) pipe.set(keys.neighbours(id), JSON.stringify(seedNeighbours(id)));
  const popular = ITEM_IDS.map((itemId, i) => ({ itemId, score: i + 1 })).reverse();
  pipe.set(keys.popular(), JSON.stringify(popular));
  for (const item of seedItems()) {
    pipe.set(redisKeys.item(item.itemId), JSON.stringify(item));
    pipe.zadd(redisKeys.items, { score: item.createdAt, member: item.itemId });
  }
  pipe.zadd(redisKeys.versions, { score: SEED_CREATED_AT, member: SEED_VERSION });
  pipe.set(redisKeys.versionCurrent, SEED_VERSION);
  await pipe.exec();

  await Promise.all([
    env.RESULTS.put(kvKeys.manifest(SEED_VERSION), JSON.stringify(m)),
    env.RESULTS.put(kvKeys.itemFactors(SEED_VERSION), factorsToBytes(factors)),
    env.RESULTS.put(
      kvKeys.current,
      JSON.stringify({ version: SEED_VERSION, flippedAt: SEED_CREATED_AT }),
    ),
    ...KV_USERS.map((userId) =>
      env.RESULTS.put(kvKeys.topN(SEED_VERSION, userId), JSON.stringify(dramaTopN(userId))),
    ),
  ]);

  const vectors = new UpstashVectorIndex({
    url: TEST_BINDINGS.UPSTASH_VECTOR_REST_URL,
    token: TEST_BINDINGS.UPSTASH_VECTOR_REST_TOKEN,
  });
  await vectors.upsert(
    vectorNamespace(SEED_VERSION),
    ITEM_IDS.map((id, i) => ({
      id,
      vector: seedVector(id),
      metadata: {
        categories: categoriesOfSeedItem(id),
        createdAt: SEED_CREATED_AT - (i + 1) * 86_400_000,
        popularity: i + 1,
      },
    })),
  );
}

export { TEST_API_KEYS };

/**
 * The cached items of an answer, in answer order: they must be the model's best ones, in the
 * model's order. (Other test files add fresh and trending items to the shared Redis, which may
 * rightly rank among them, so answers are compared on their top-N part.)
 */
export function topNPart(
  itemIds: readonly string[],
  userId: string,
): { got: string[]; want: string[] } {
  const order = dramaTopN(userId).items.map(([id]) => id);
  const got = itemIds.filter((id) => order.includes(id));
  return { got, want: order.slice(0, got.length) };
}
