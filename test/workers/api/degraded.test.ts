import { describe, expect, it, beforeAll } from 'vitest';
import { createApp } from '../../../workers/api/app';
import { dependenciesFor } from '../../../workers/api/deps';
import { testEnv } from './api-client';
import {
  categoriesOfSeedItem,
  dramaTopN,
  SEED_VERSION,
  seedVector,
  seedVersion,
  testStateStore,
  topNPart,
} from './seed-version';

/** Nothing listens here: connections are refused at once. */
const NOWHERE = 'http://127.0.0.1:9';
const headers = { Authorization: 'Bearer test-read-key' };

beforeAll(async () => {
  await seedVersion();
});

async function recommend(bindings: Record<string, string>, userId: string, query = 'k=5') {
  const app = createApp();
  const res = await app.request(
    `/v1/users/${userId}/recommendations?${query}`,
    { headers },
    {
      ...testEnv,
      EDGEREC_RATE_LIMIT_PER_MINUTE: '0',
      ...bindings,
    },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as {
    modelVersion: string | null;
    items: { itemId: string; sources: string[] }[];
    degraded: string[];
  };
}

describe('degraded answers', () => {
  it('answers from KV with `redis:error` when Redis is unreachable', async () => {
    const body = await recommend({ UPSTASH_REDIS_REST_URL: NOWHERE }, 'kv-drama');
    expect(body.degraded).toContain('redis:error');
    expect(body.modelVersion).toBe(SEED_VERSION);
    expect(body.items.map((i) => i.itemId)).toEqual(
      dramaTopN('kv-drama')
        .items.slice(0, 5)
        .map(([id]) => id),
    );
  });

  it('answers popular items for a user KV does not know when Redis is down, never an error', async () => {
    const body = await recommend({ UPSTASH_REDIS_REST_URL: NOWHERE }, 'unknown-when-down');
    expect(body.degraded).toContain('redis:error');
    expect(body.items).toHaveLength(5);
    expect(body.items.every((i) => i.sources.includes('popular'))).toBe(true);
    // i40 is the most popular seed item.
    expect(body.items[0]!.itemId).toBe('i40');
  });

  it('keeps ANN answers for a user this isolate has served when Redis is unreachable', async () => {
    const user = `held-when-down-${Date.now()}`;
    const vector = { version: SEED_VERSION, vector: seedVector('i03'), updatedAt: 1, events: 1 };
    await testStateStore().writeUserVectors(new Map([[user, vector]]), 60);
    const up = await recommend({}, user);
    expect(up.items.some((i) => i.sources.includes('ann'))).toBe(true);
    const down = await recommend({ UPSTASH_REDIS_REST_URL: NOWHERE }, user);
    expect(down.degraded).toEqual(['redis:error']);
    expect(down.items.some((i) => i.sources.includes('ann'))).toBe(true);
    // With a category filter too: the query sent ahead carries it.
    const comedy = await recommend(
      { UPSTASH_REDIS_REST_URL: NOWHERE },
      user,
      'k=5&category=comedy',
    );
    expect(comedy.degraded).toEqual(['redis:error']);
    expect(comedy.items.some((i) => i.sources.includes('ann'))).toBe(true);
    for (const item of comedy.items) expect(categoriesOfSeedItem(item.itemId)).toContain('comedy');
    // A user it has not served gets no ANN answer: there is no vector to ask with.
    const other = await recommend({ UPSTASH_REDIS_REST_URL: NOWHERE }, `${user}-other`);
    expect(other.items.some((i) => i.sources.includes('ann'))).toBe(false);
  });

  it('skips ANN with `ann:error` when the vector server is unreachable, still answering from Redis', async () => {
    // A category filter makes the ANN source worth asking (and it fails).
    const body = await recommend(
      { UPSTASH_VECTOR_REST_URL: NOWHERE },
      'redis-drama',
      'k=5&category=drama',
    );
    expect(body.degraded).toEqual(['ann:error']);
    const { got, want } = topNPart(
      body.items.map((i) => i.itemId),
      'redis-drama',
    );
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got).toEqual(want);
  });

  it('reports a late ANN source as `ann:timeout` and answers without it', async () => {
    // Served once, so the isolate holds the user's vector and sends the (late) query ahead.
    await recommend({}, 'redis-drama', 'k=5&category=drama');
    // The real vector index behind a 300 ms delay: later than the 40 ms budget, every time.
    const app = createApp({
      build: (bindings) => {
        const deps = dependenciesFor(bindings);
        const slow = Object.create(deps.vectors) as typeof deps.vectors;
        slow.query = async (...args) => {
          await new Promise((r) => setTimeout(r, 300));
          return deps.vectors.query(...args);
        };
        return { ...deps, vectors: slow };
      },
    });
    const res = await app.request(
      '/v1/users/redis-drama/recommendations?k=5&category=drama',
      { headers },
      {
        ...testEnv,
        EDGEREC_RATE_LIMIT_PER_MINUTE: '0',
      },
    );
    const body = (await res.json()) as { items: { sources: string[] }[]; degraded: string[] };
    expect(body.degraded).toEqual(['ann:timeout']);
    expect(body.items).toHaveLength(5);
    expect(body.items.every((i) => !i.sources.includes('ann'))).toBe(true);
    expect(res.headers.get('Server-Timing')).toMatch(/ann;desc="ahead";dur=\d/);
  });

  it('answers health as degraded naming the dependency that is down', async () => {
    const app = createApp();
    const res = await app.request('/health', {}, { ...testEnv, UPSTASH_VECTOR_REST_URL: NOWHERE });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      dependencies: { redis: 'ok', kv: 'ok', vector: 'error' },
    });
  });

  it('answers admin routes with a 503 problem when the batch worker cannot answer', async () => {
    const app = createApp();
    const res = await app.request(
      '/v1/admin/status',
      { headers: { Authorization: 'Bearer test-admin-key' } },
      testEnv,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('Content-Type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'dependency-unavailable', dependency: 'batch' });
  });

  it('answers ingest with a 503 problem when Redis is down (events are never silently dropped)', async () => {
    const app = createApp();
    const res = await app.request(
      '/v1/events',
      {
        method: 'POST',
        headers: { Authorization: 'Bearer test-write-key', 'Content-Type': 'application/json' },
        body: JSON.stringify({ events: [{ userId: 'u', itemId: 'i01', type: 'view' }] }),
      },
      { ...testEnv, UPSTASH_REDIS_REST_URL: NOWHERE, EDGEREC_RATE_LIMIT_PER_MINUTE: '0' },
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'dependency-unavailable', dependency: 'redis' });
  });
});
