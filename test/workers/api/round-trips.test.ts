/**
 * Hot-path discipline, counted: a recommendation makes one KV read (none once the isolate holds
 * the user's top-N), one Redis round trip and — only where the cached top-N cannot answer alone —
 * one vector query. The Upstash clients use the global `fetch`, so wrapping it counts real HTTP
 * round trips; the KV binding is wrapped. Each test warms the isolate (version, model, script)
 * with a user of its own, so that the counted request is the measured user's first.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/api/app';
import { redisKeys } from '../../../shared/keys';
import { TEST_URLS } from '../../setup/test-ports';
import { testEnv } from './api-client';
import { NeighbourCache } from '../../../workers/api/services/neighbour-cache';
import {
  ITEM_IDS,
  SEED_VERSION,
  seedNeighbours,
  seedVector,
  seedVersion,
  testStateStore,
} from './seed-version';

beforeAll(async () => {
  await seedVersion();
});

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

interface Counts {
  kv: number;
  redis: number;
  vector: number;
}

/**
 * An app whose KV binding and outbound fetches are counted. Rate limiting is off unless `extra`
 * bindings turn it on (see `limitedKey`).
 */
function countingApp(extra: Record<string, string> = {}) {
  const counts: Counts = { kv: 0, redis: 0, vector: 0 };
  const kv = testEnv.RESULTS;
  const countingKv = {
    get: (...args: Parameters<KVNamespace['get']>) => {
      counts.kv++;
      return (kv.get as (...a: unknown[]) => unknown)(...args);
    },
  } as unknown as KVNamespace;
  /** Sends and replies in order: `redis>`, `vector>`, `redis<`, `vector<`. */
  const order: string[] = [];
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const store = url.startsWith(TEST_URLS.redisRest)
      ? 'redis'
      : url.startsWith(TEST_URLS.vectorRest)
        ? 'vector'
        : null;
    if (store === null) return realFetch(input, init);
    counts[store]++;
    order.push(`${store}>`);
    return realFetch(input, init).finally(() => order.push(`${store}<`));
  }) as typeof fetch;
  const app = createApp();
  const bindings = {
    ...testEnv,
    RESULTS: countingKv,
    EDGEREC_RATE_LIMIT_PER_MINUTE: '0',
    ...extra,
  };
  const send = (path: string) =>
    app.request(path, { headers: { Authorization: 'Bearer test-read-key' } }, bindings);
  const get = async (userId: string, query = '') => {
    const res = await send(`/v1/users/${userId}/recommendations?k=10${query}`);
    expect(res.status).toBe(200);
    return res;
  };
  const rank = (userId: string, items: string[]) =>
    app.request(
      `/v1/users/${userId}/rank`,
      {
        method: 'POST',
        headers: { Authorization: 'Bearer test-read-key', 'Content-Type': 'application/json' },
        body: JSON.stringify({ items }),
      },
      bindings,
    );
  const reset = () => {
    Object.assign(counts, { kv: 0, redis: 0, vector: 0 });
    order.length = 0;
  };
  return { counts, order, get, send, rank, reset };
}

/** Bindings that give the read key an id of its own (no other test counts against it) and a limit. */
function limitedKey(perMinute: number): Record<string, string> {
  const keys = JSON.parse(testEnv.EDGEREC_API_KEYS) as { id: string }[];
  const own = { ...keys.find((k) => k.id === 'test-read'), id: `trip-${crypto.randomUUID()}` };
  return {
    EDGEREC_RATE_LIMIT_PER_MINUTE: String(perMinute),
    EDGEREC_API_KEYS: JSON.stringify([own]),
  };
}

describe('round trips per recommendation', () => {
  it('cache hit: one KV read, one Redis round trip, no vector query', async () => {
    const { counts, get, reset } = countingApp();
    await get('warm-1'); // version, model and script are loaded once per isolate
    reset();
    const res = await get('kv-trips');
    expect(counts).toEqual({ kv: 1, redis: 1, vector: 0 });
    expect(res.headers.get('X-Edgerec-Round-Trips')).toBe('kv=1, redis=1, vector=0');
  });

  it('the next request of that user: no KV read, the top-N list is held in the isolate', async () => {
    const { counts, get, reset } = countingApp();
    const first = await get('kv-held');
    expect(first.headers.get('X-Edgerec-Round-Trips')).toMatch(/^kv=1, /);
    reset();
    const res = await get('kv-held');
    expect(counts).toEqual({ kv: 0, redis: 1, vector: 0 });
    expect(res.headers.get('Server-Timing')).toContain('memory;desc="topn"');
    // Redis fed every source but the top-N this time.
    expect(res.headers.get('Server-Timing')).toContain('redis;desc="session,trending,fresh"');
    type Body = { items: { itemId: string; score: number; sources: string[] }[] };
    const held = ((await res.json()) as Body).items;
    // The same answer as from KV's copy, still sourced from the top-N. (Scores only nearly: the
    // freshness boost of items other tests added decays between the two requests.)
    const fromKv = ((await first.json()) as Body).items;
    const withoutScore = (items: Body['items']) => items.map(({ score: _, ...rest }) => rest);
    expect(withoutScore(held)).toEqual(withoutScore(fromKv));
    held.forEach((item, i) => expect(item.score).toBeCloseTo(fromKv[i]!.score, 6));
    expect(held.some((i) => i.sources.includes('topn'))).toBe(true);
  });

  it('KV miss answered by Redis: one KV read, one Redis round trip, no vector query', async () => {
    const { counts, get, reset } = countingApp();
    await get('warm-2');
    reset();
    const res = await get('redis-trips');
    expect(counts).toEqual({ kv: 1, redis: 1, vector: 0 });
    const body = (await res.json()) as { items: { sources: string[] }[]; degraded: string[] };
    expect(body.degraded).toEqual([]);
    expect(body.items.some((i) => i.sources.includes('topn'))).toBe(true);
    expect(body.items.every((i) => !i.sources.includes('ann'))).toBe(true);
  });

  it('category filter: one KV read, one Redis round trip and one vector query, nothing more', async () => {
    const { counts, get, reset } = countingApp();
    await get('warm-3', '&category=comedy');
    reset();
    const res = await get('redis-trips-2', '&category=comedy');
    expect(counts).toEqual({ kv: 1, redis: 1, vector: 1 });
    expect(res.headers.get('X-Edgerec-Round-Trips')).toBe('kv=1, redis=1, vector=1');
    const body = (await res.json()) as { items: { sources: string[] }[]; degraded: string[] };
    expect(body.degraded).toEqual([]);
    expect(body.items.some((i) => i.sources.includes('ann'))).toBe(true);
  });

  it('new user: one KV read, one Redis round trip, no vector query (no vector to ask with)', async () => {
    const { counts, get, reset } = countingApp();
    await get('warm-4');
    reset();
    await get(`nobody-${Date.now()}`);
    expect(counts).toEqual({ kv: 1, redis: 1, vector: 0 });
  });

  it('the next request of a user without a list: no KV read (the isolate knows there is none)', async () => {
    const { counts, get, reset } = countingApp();
    const user = `nobody-twice-${Date.now()}`;
    const first = await get(user);
    reset();
    const res = await get(user);
    expect(counts).toEqual({ kv: 0, redis: 1, vector: 0 });
    expect(res.headers.get('Server-Timing')).toContain('memory;desc="topn-none"');
    // The same items (scores of fresh and trending items decay with time between the two).
    const ids = async (r: Response) =>
      ((await r.json()) as { items: { itemId: string }[] }).items.map((i) => i.itemId);
    expect(await ids(res)).toEqual(await ids(first));
  });
});

describe('the vector query sent beside the Redis round trip', () => {
  const annTiming = (res: Response) =>
    /(?:^|, )ann;[^,]*desc="([^"]*)"/.exec(res.headers.get('Server-Timing') ?? '')?.[1];
  type Body = { items: { itemId: string; sources: string[] }[]; degraded: string[] };

  it("leaves before Redis answers once the isolate holds the user's vector; still one query", async () => {
    const { counts, order, get, reset } = countingApp();
    const first = await get('redis-drama', '&category=comedy');
    expect(annTiming(first)).toBe('ann');
    expect(order.indexOf('vector>')).toBeGreaterThan(order.indexOf('redis<'));
    reset();
    const res = await get('redis-drama', '&category=comedy');
    expect(annTiming(res)).toBe('ahead');
    expect({ redis: counts.redis, vector: counts.vector }).toEqual({ redis: 1, vector: 1 });
    expect(order.indexOf('vector>')).toBeLessThan(order.indexOf('redis<'));
    const body = (await res.json()) as Body;
    expect(body.degraded).toEqual([]);
    expect(body.items.some((i) => i.sources.includes('ann'))).toBe(true);
    // The same user without a category filter is a cache hit: no vector query at all.
    reset();
    const hit = await get('redis-drama');
    expect(counts.vector).toBe(0);
    expect(annTiming(hit)).toBeUndefined();
  });

  it('uses what a vector moved elsewhere finds once, then the current vector', async () => {
    const { get } = countingApp();
    const user = `ahead-moved-${Date.now()}`;
    const store = testStateStore();
    const write = (vector: number[]) =>
      store.writeUserVectors(
        new Map([[user, { version: SEED_VERSION, vector, updatedAt: Date.now(), events: 1 }]]),
        60,
      );
    await write(seedVector('i03'));
    expect(annTiming(await get(user))).toBe('ann');
    expect(annTiming(await get(user))).toBe('ahead');
    // Another isolate folds an event in: this one's query leaves with the vector it knew.
    await write(seedVector('i30'));
    const moved = await get(user);
    expect(annTiming(moved)).toBe('ahead, older vector');
    expect(((await moved.json()) as Body).items.some((i) => i.sources.includes('ann'))).toBe(true);
    expect(annTiming(await get(user))).toBe('ahead');
  });

  it("goes ahead from a new user's first request when this isolate folded their events in", async () => {
    const user = `ahead-new-${Date.now()}`;
    const res = await createApp().request(
      '/v1/events',
      {
        method: 'POST',
        headers: { Authorization: 'Bearer test-write-key', 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ userId: user, itemId: 'i05', type: 'like' }] }),
      },
      { ...testEnv, EDGEREC_RATE_LIMIT_PER_MINUTE: '0' },
    );
    expect(res.status).toBe(202);
    const store = testStateStore();
    // Fold-in runs after the answer and writes the vector first; poll for it.
    for (let i = 0; i < 50 && (await store.redis.get(redisKeys.userVector(user))) === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 50));
    const { counts, order, get } = countingApp();
    const first = await get(user);
    expect(annTiming(first)).toBe('ahead');
    expect(counts.vector).toBe(1);
    expect(order.indexOf('vector>')).toBeLessThan(order.indexOf('redis<'));
  });
});

describe('neighbour lists held in the isolate', () => {
  /** Posts views of `itemIds` (oldest first) for `userId` through the app. */
  async function view(userId: string, itemIds: string[]) {
    const res = await createApp().request(
      '/v1/events',
      {
        method: 'POST',
        headers: { Authorization: 'Bearer test-write-key', 'content-type': 'application/json' },
        body: JSON.stringify({
          events: itemIds.map((itemId, i) => ({
            userId,
            itemId,
            type: 'view',
            timestamp: Date.now() - (itemIds.length - i) * 1000,
          })),
        }),
      },
      { ...testEnv, EDGEREC_RATE_LIMIT_PER_MINUTE: '0' },
    );
    expect(res.status).toBe(202);
  }

  it('the script leaves out exactly the lists whose rows the bitmap declares, for that version', async () => {
    const user = `nbr-script-${Date.now()}`;
    await view(user, ['i03', 'i07', 'i12']);
    const held = new NeighbourCache();
    held.set(SEED_VERSION, 'i07', ITEM_IDS.indexOf('i07'), seedNeighbours('i07'));
    const query = {
      userId: user,
      realtime: true,
      trendingLimit: 10,
      freshLimit: 0,
      neighbourSeeds: 20,
    };
    const store = testStateStore();
    const state = await store.readServingState({
      ...query,
      heldNeighbours: { version: SEED_VERSION, rows: held.heldRows(SEED_VERSION)! },
    });
    expect(state.heldNeighbours).toEqual(['i07']);
    expect([...state.neighbours.keys()].sort()).toEqual(['i03', 'i12']);
    expect(state.neighbours.get('i03')).toEqual(seedNeighbours('i03'));
    // A bitmap of another version declares nothing.
    const other = await store.readServingState({
      ...query,
      heldNeighbours: { version: 'not-served', rows: held.heldRows(SEED_VERSION)! },
    });
    expect(other.heldNeighbours).toEqual([]);
    expect([...other.neighbours.keys()].sort()).toEqual(['i03', 'i07', 'i12']);
  });

  it('a user whose recent items another user had is answered alike, the lists from memory', async () => {
    const [first, second] = [`nbr-a-${Date.now()}`, `nbr-b-${Date.now()}`];
    await view(first, ['i05', 'i09']);
    await view(second, ['i05', 'i09']);
    const { get } = countingApp();
    type Body = { items: { itemId: string; sources: string[] }[] };
    const a = (await (await get(first)).json()) as Body;
    const res = await get(second);
    expect(res.headers.get('Server-Timing')).toContain('memory;desc="nbrs 2"');
    const b = (await res.json()) as Body;
    expect(b.items.map((i) => i.itemId)).toEqual(a.items.map((i) => i.itemId));
    expect(b.items.some((i) => i.sources.includes('session'))).toBe(true);
  });
});

describe('the rate limit check of a read', () => {
  const remaining = (res: Response) => res.headers.get('X-RateLimit-Remaining');

  it("rides on the recommendation's Redis round trip: one in all, and it still counts", async () => {
    const { counts, get, send, reset } = countingApp(limitedKey(3));
    // The first request loads the limiter's script into Redis (NOSCRIPT, then EVAL).
    expect(remaining(await get('warm-limit'))).toBe('2');
    reset();
    const res = await get('kv-trips');
    expect({ redis: counts.redis, vector: counts.vector }).toEqual({ redis: 1, vector: 0 });
    expect(remaining(res)).toBe('1');
    expect(res.headers.get('X-RateLimit-Status')).toBeNull(); // decided, not failed open
    expect(remaining(await get('kv-trips'))).toBe('0');
    const refused = await send('/v1/users/kv-trips/recommendations?k=10');
    expect(refused.status).toBe(429);
  });

  it('rides on the Redis round trip of a ranking too, read after its body', async () => {
    const { counts, get, rank, reset } = countingApp(limitedKey(3));
    expect(remaining(await get('warm-limit-3'))).toBe('2');
    reset();
    const res = await rank('kv-trips', ['i01', 'i02', 'i30']);
    expect(res.status).toBe(200);
    expect(counts).toEqual({ kv: 0, redis: 1, vector: 0 });
    expect(remaining(res)).toBe('1');
    expect(res.headers.get('X-RateLimit-Status')).toBeNull();
  });

  it('after Redis lost its scripts: both calls are sent again in full, the check still counts', async () => {
    const { counts, get, reset } = countingApp(limitedKey(5));
    expect(remaining(await get('warm-limit-2'))).toBe('4');
    await testStateStore().redis.scriptFlush();
    reset();
    const res = await get('kv-trips');
    expect(remaining(res)).toBe('3');
    expect(res.headers.get('X-RateLimit-Status')).toBeNull();
    const body = (await res.json()) as { items: { sources: string[] }[]; degraded: string[] };
    expect(body.degraded).toEqual([]);
    expect(body.items.some((i) => i.sources.includes('topn'))).toBe(true);
    // The shared trip (both NOSCRIPT), then each script's EVAL.
    expect(counts.redis).toBe(3);
    reset();
    await get('kv-trips');
    expect(counts.redis).toBe(1);
  });

  it('goes on its own when the read makes no serving-state round trip', async () => {
    const { send } = countingApp(limitedKey(3));
    const first = await send('/v1/trending?k=3');
    expect(first.status).toBe(200);
    expect(remaining(first)).toBe('2');
    expect(remaining(await send('/v1/trending?k=3'))).toBe('1');
  });
});
