import { beforeAll, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:test';
import { kvKeys, redisKeys } from '../../../shared/keys';
import { createApp } from '../../../workers/api/app';
import { clientFor, testEnv } from './api-client';
import {
  dramaTopN,
  SEED_VERSION,
  seedNeighbours,
  seedVector,
  seedVersion,
  testStateStore,
} from './seed-version';

const write = clientFor('write');
const read = clientFor('read');
const store = testStateStore();

beforeAll(async () => {
  await seedVersion();
});

/** Recent weights in item order (the store returns them in no particular order). */
function byItem(weights: { itemId: string; weight: number }[]) {
  return [...weights].sort((a, b) => (a.itemId < b.itemId ? -1 : 1));
}

/** Ids of the newest log entries (field `e` of the stream). */
async function loggedIds(last = 3000): Promise<string[]> {
  const raw = (await store.redis.xrevrange(redisKeys.eventLog, '+', '-', last)) as unknown as [
    string,
    string[],
  ][];
  return raw.map(([, fields]) => (JSON.parse(fields[1]!) as { id: string }).id);
}

/** The Redis and KV keys of one user's top-N list. */
function keysOf(version: string, userId: string) {
  return { redis: redisKeys.version(version).topN(userId), kv: kvKeys.topN(version, userId) };
}

async function recommend(userId: string, query: Record<string, string> = {}) {
  const res = await read.v1.users[':userId'].recommendations.$get({
    param: { userId },
    query: { k: '10', ...query },
  });
  expect(res.status).toBe(200);
  return await res.json();
}

describe('POST /v1/events', () => {
  it('accepts events, logs them durably and never double counts a retried request', async () => {
    const events = ['ev-a', 'ev-b', 'ev-c'].map((id, i) => ({
      id,
      userId: 'ev-user',
      itemId: `i0${i + 1}`,
      type: 'view',
      timestamp: Date.UTC(2026, 0, 2, 10, i),
    }));
    const first = await write.v1.events.$post({ json: { events } });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 3, duplicates: 0 });
    const retry = await write.v1.events.$post({ json: { events } });
    expect(await retry.json()).toEqual({ accepted: 0, duplicates: 3 });
    const ids = await loggedIds();
    expect(
      ids.filter((id) => id.startsWith('ev-') && ['ev-a', 'ev-b', 'ev-c'].includes(id)),
    ).toHaveLength(3);
  });

  it('gives events without an id a deterministic one, so their retry is a duplicate too', async () => {
    const event = {
      userId: 'ev-user-2',
      itemId: 'i05',
      type: 'click',
      timestamp: '2026-01-03T10:00:00Z',
    };
    expect(
      await (await write.v1.events.$post({ json: { events: [event, event] } })).json(),
    ).toEqual({
      accepted: 1,
      duplicates: 1,
    });
    expect(await (await write.v1.events.$post({ json: { events: [event] } })).json()).toEqual({
      accepted: 0,
      duplicates: 1,
    });
  });

  it('counts events without id or time once per Idempotency-Key, and refuses a malformed key', async () => {
    const events = [
      { userId: 'ev-user-key', itemId: 'i06', type: 'view' },
      { userId: 'ev-user-key', itemId: 'i07', type: 'like' },
    ];
    const send = (key?: string) =>
      write.v1.events.$post(
        { json: { events } },
        key === undefined ? {} : { headers: { 'Idempotency-Key': key } },
      );
    const bad = await send('two words');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'header.Idempotency-Key' }],
    });
    // Nothing of the refused request was stored: the first keyed send counts both events.
    expect(await (await send('order-17')).json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(await (await send('order-17')).json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(await (await send('order-18')).json()).toEqual({ accepted: 2, duplicates: 0 });
    // Without a key the ids follow the time of arrival: a later resend counts again.
    expect(await (await send()).json()).toEqual({ accepted: 2, duplicates: 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await (await send()).json()).toEqual({ accepted: 2, duplicates: 0 });
  });

  it('rejects invalid events with the offending field, and more than 1,000 events', async () => {
    const bad = await write.v1.events.$post({
      json: {
        events: [
          { userId: 'u', itemId: 'i01', type: 'view' },
          { userId: 'u', itemId: '', type: 'view' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as unknown as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toContain('body.events.1.itemId');

    const many = Array.from({ length: 1001 }, (_, i) => ({
      userId: 'u',
      itemId: `x${i}`,
      type: 'view',
    }));
    const tooMany = await write.v1.events.$post({ json: { events: many } });
    expect(tooMany.status).toBe(400);
  });
});

describe('real-time state written by one ingest', () => {
  it('keeps the recent list newest first by event time, even for late events, and sets TTLs', async () => {
    const user = `order-${Date.now()}`;
    const t = Date.UTC(2026, 0, 10);
    const post = (itemId: string, minutes: number, sessionId?: string) =>
      write.v1.events.$post({
        json: {
          events: [
            {
              userId: user,
              itemId,
              type: 'view',
              timestamp: t + minutes * 60_000,
              ...(sessionId ? { sessionId } : {}),
            },
          ],
        },
      });
    await post('i01', 10, `${user}-s`);
    await post('i02', 30);
    await post('i03', 20); // arrives late: belongs between i02 and i01
    await post('i04', 5); // older than everything
    await write.v1.events.$post({
      json: {
        events: [{ userId: user, itemId: 'i05', type: 'dislike', timestamp: t + 40 * 60_000 }],
      },
    });
    const recent = (await store.redis.lrange(redisKeys.recent(user), 0, -1)).map(
      (r) => (JSON.parse(r) as { itemId: string }).itemId,
    );
    // A dislike (weight 0) is consumed, not a recent interest.
    expect(recent).toEqual(['i02', 'i03', 'i01', 'i04']);
    const consumed = (await store.redis.smembers(redisKeys.consumed(user))).sort();
    expect(consumed).toEqual(['i01', 'i02', 'i03', 'i04', 'i05']);
    expect(await store.redis.ttl(redisKeys.consumed(user))).toBeGreaterThan(6 * 24 * 3600);
    expect(await store.redis.ttl(redisKeys.session(`${user}-s`))).toBeGreaterThan(0);
  });

  it('answers per user only what fold-in reads: weights summed per item, the vector tags', async () => {
    const known = `shape-known-${Date.now()}`;
    const fresh = `shape-new-${Date.now()}`;
    await store.redis.set(
      redisKeys.version(SEED_VERSION).topN(known),
      JSON.stringify(dramaTopN(known)),
    );
    await store.redis.set(
      redisKeys.userVector(known),
      JSON.stringify({ version: SEED_VERSION, vector: seedVector('i02'), updatedAt: 1, events: 4 }),
    );
    // An online vector of an older version: its count does not carry over.
    await store.redis.set(
      redisKeys.userVector(fresh),
      JSON.stringify({ version: 'vtest0', vector: seedVector('i02'), updatedAt: 1, events: 9 }),
    );
    const t = Date.UTC(2026, 0, 11);
    const event = (userId: string, itemId: string, minutes: number, weight: number) => ({
      id: `${userId}-${itemId}-${minutes}`,
      userId,
      itemId,
      type: weight === 0 ? 'dislike' : 'view',
      timestamp: t + minutes * 60_000,
      weight,
      categories: null,
    });
    const result = await store.ingest(
      [
        event(known, 'i01', 1, 2),
        event(known, 'i02', 2, 1),
        event(known, 'i03', 3, 0),
        event(known, 'i01', 4, 1.5),
        event(fresh, 'i30', 1, 1),
      ],
      {
        trendingHalfLifeMs: 3600_000,
        trendingCap: 100,
        consumedTtlSeconds: 60,
        returnUsers: true,
      },
    );
    expect(result.accepted).toBe(5);
    const { batchVector, recentWeights, ...rest } = result.users.get(known)!;
    // i01's two events summed; the dislike (weight 0) left out.
    expect(byItem(recentWeights)).toEqual([
      { itemId: 'i01', weight: 3.5 },
      { itemId: 'i02', weight: 1 },
    ]);
    expect(rest).toEqual({ online: { version: SEED_VERSION, events: 4 } });
    // Lua's cjson writes 14 significant digits.
    const expected = dramaTopN(known).vector;
    expect(batchVector).toHaveLength(expected.length);
    batchVector!.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 10));
    expect(result.users.get(fresh)).toEqual({
      recentWeights: [{ itemId: 'i30', weight: 1 }],
      online: null,
      batchVector: null,
    });
  });

  it('keeps the recent weights equal to the sums over the capped list, also for lists written before them', async () => {
    const user = `weights-${Date.now()}`;
    const t = Date.UTC(2026, 0, 12);
    // A list written before the weights existed: the first ingest rebuilds them from it.
    await store.redis.rpush(
      redisKeys.recent(user),
      JSON.stringify({ itemId: 'i07', type: 'view', weight: 2, timestamp: t - 2 }),
      JSON.stringify({ itemId: 'i08', type: 'view', weight: 1, timestamp: t - 1 }),
    );
    const settings = {
      trendingHalfLifeMs: 3600_000,
      trendingCap: 100,
      consumedTtlSeconds: 60,
      returnUsers: true,
    };
    const items = ['i01', 'i02', 'i03', 'i07'];
    // 60 events (50 kept): i07 and i08's old entries, then the oldest new ones, fall off the end.
    let last: Awaited<ReturnType<typeof store.ingest>> | undefined;
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 20 }, (_, j) => {
        const n = batch * 20 + j;
        return {
          id: `${user}-${n}`,
          userId: user,
          itemId: items[n % items.length]!,
          type: 'view',
          timestamp: t + n,
          weight: 1 + (n % 3) / 2,
          categories: null,
        };
      });
      last = await store.ingest(events, settings);
      const list = (await store.redis.lrange(redisKeys.recent(user), 0, -1)).map(
        (r) => JSON.parse(r) as { itemId: string; weight: number },
      );
      const sums = new Map<string, number>();
      for (const r of list) sums.set(r.itemId, (sums.get(r.itemId) ?? 0) + r.weight);
      const expected = byItem([...sums].map(([itemId, weight]) => ({ itemId, weight })));
      const got = byItem(last.users.get(user)!.recentWeights);
      expect(got.map((w) => w.itemId)).toEqual(expected.map((w) => w.itemId));
      got.forEach((w, i) => expect(w.weight).toBeCloseTo(expected[i]!.weight, 9));
      if (batch === 0) expect(got.find((w) => w.itemId === 'i08')?.weight).toBe(1);
    }
    expect(await store.redis.llen(redisKeys.recent(user))).toBe(50);
    // i08's only entry was trimmed: its weight is gone from the hash, not left at 0.
    expect(await store.redis.hexists(redisKeys.recentWeights(user), 'i08')).toBe(0);
  });
});

describe('the real-time loop, seen by the very next request', () => {
  it('removes a consumed item from the next answer', async () => {
    const before = await recommend('kv-rt');
    const top = before.items[0]!.itemId;
    await write.v1.events.$post({
      json: { events: [{ userId: 'kv-rt', itemId: top, type: 'purchase' }] },
    });
    const after = await recommend('kv-rt');
    expect(after.items.map((i) => i.itemId)).not.toContain(top);
    expect(after.items.length).toBe(10);
  });

  it('answers a new user from the first event: neighbours of the liked item, with their reason', async () => {
    const cold = await recommend('rt-new-user', { explain: 'true' });
    expect(cold.items.every((i) => !i.sources.includes('session'))).toBe(true);

    await write.v1.events.$post({
      json: { events: [{ userId: 'rt-new-user', itemId: 'i25', type: 'like' }] },
    });
    const warm = await recommend('rt-new-user', { explain: 'true' });
    const expected = seedNeighbours('i25').map((n) => n.itemId);
    const fromSession = warm.items.filter((i) => i.sources.includes('session'));
    expect(fromSession.length).toBeGreaterThan(0);
    for (const item of fromSession) {
      expect(expected).toContain(item.itemId);
      expect(item.reasons?.becauseOf).toBe('i25');
    }
    expect(warm.items.map((i) => i.itemId)).not.toContain('i25');
  });

  it("erases a user's data: the next answer is a cold start, the batch is told", async () => {
    const userId = 'erase-me';
    const topN = keysOf(SEED_VERSION, userId);
    await store.redis.set(topN.redis, JSON.stringify(dramaTopN(userId)));
    await env.RESULTS.put(topN.kv, JSON.stringify(dramaTopN(userId)));
    await write.v1.events.$post({
      json: { events: [{ userId, itemId: 'i25', type: 'like' }] },
    });
    const before = await recommend(userId);
    const sources = (answer: typeof before) => new Set(answer.items.flatMap((i) => i.sources));
    expect(sources(before)).toContain('topn');
    expect(sources(before)).toContain('session');

    const erase = await write.v1.users[':userId'].$delete({ param: { userId } });
    expect(erase.status).toBe(202);
    const body = await erase.json();
    expect(body).toMatchObject({ userId, events: 'pending' });
    expect(body.versions).toContain(SEED_VERSION);
    expect(body.keysDeleted).toBeGreaterThanOrEqual(4); // recent, weights, consumed, top-N (+ vector)

    const online = [redisKeys.recent(userId), redisKeys.recentWeights(userId), topN.redis];
    expect(await store.redis.exists(...online, redisKeys.userVector(userId))).toBe(0);
    expect(await env.RESULTS.get(topN.kv)).toBeNull();
    // Listed for the batch, up to the log's position at the erasure (the like above, at least).
    expect(await store.redis.hget(redisKeys.erasures, userId)).toMatch(/^\d+-\d+$/);
    // A fold-in finishing after the erasure does not write the vector back.
    await store.writeUserVectors(
      new Map([[userId, { version: SEED_VERSION, vector: [1], updatedAt: Date.now(), events: 1 }]]),
      60,
    );
    expect(await store.redis.exists(redisKeys.userVector(userId))).toBe(0);
    const after = await recommend(userId);
    expect(sources(after)).not.toContain('topn');
    expect(sources(after)).not.toContain('session');
    expect(after.items.map((i) => i.itemId)).toContain('i25');
  });

  it('uses the session of the request', async () => {
    await write.v1.events.$post({
      json: {
        events: [{ userId: 'rt-sess-user', itemId: 'i33', type: 'view', sessionId: 'sess-1' }],
      },
    });
    const res = await recommend('rt-other-user', { sessionId: 'sess-1' });
    expect(res.items.some((i) => i.sources.includes('session'))).toBe(true);
  });

  it('folds the event into the user vector, tagged with the served version', async () => {
    const user = 'kv-drama-2';
    await write.v1.events.$post({
      json: {
        events: [
          { userId: user, itemId: 'i30', type: 'like' },
          { userId: user, itemId: 'i31', type: 'like' },
        ],
      },
    });
    // Fold-in runs after the answer; poll briefly for the written vector.
    let raw: string | null = null;
    for (let i = 0; i < 50 && raw === null; i++) {
      raw = await store.redis.get<string>(redisKeys.userVector(user));
      if (raw === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(raw).not.toBeNull();
    const online = JSON.parse(raw!) as { version: string; vector: number[] };
    const batch = dramaTopN(user).vector;
    expect(online.version).toBe(dramaTopN(user).version);
    // Liking comedy items raises the predicted preference for them above the batch vector's.
    const dot = (u: number[], v: number[]) => u.reduce((s, x, i) => s + x * v[i]!, 0);
    for (const liked of ['i30', 'i31']) {
      expect(dot(online.vector, seedVector(liked))).toBeGreaterThan(dot(batch, seedVector(liked)));
    }
    // The next answer sees a user with fresh real-time state: the ANN source runs.
    const next = await recommend(user);
    expect(next.items.some((i) => i.sources.includes('ann'))).toBe(true);
  });

  it('ignores real-time state when EDGEREC_REALTIME=off, while still logging events', async () => {
    const app = createApp();
    const off = { ...testEnv, EDGEREC_REALTIME: 'off', EDGEREC_RATE_LIMIT_PER_MINUTE: '0' };
    const get = async () =>
      (await (
        await app.request(
          '/v1/users/kv-count/recommendations?k=3',
          { headers: { Authorization: 'Bearer test-read-key' } },
          off,
        )
      ).json()) as { items: { itemId: string }[] };
    const top = (await get()).items[0]!.itemId;
    const posted = await app.request(
      '/v1/events',
      {
        method: 'POST',
        headers: { Authorization: 'Bearer test-write-key', 'Content-Type': 'application/json' },
        body: JSON.stringify({
          events: [{ id: 'rt-off-1', userId: 'kv-count', itemId: top, type: 'purchase' }],
        }),
      },
      off,
    );
    expect(posted.status).toBe(202);
    expect((await loggedIds()).includes('rt-off-1')).toBe(true);
    expect((await get()).items[0]!.itemId).toBe(top);
  });
});

describe('GET /v1/trending', () => {
  it('ranks by time-decayed event weight, per category', async () => {
    const cat = `trend-${Date.now()}`;
    for (const itemId of ['tr-a', 'tr-b']) {
      const res = await write.v1.items.$post({
        json: { itemId: `${itemId}-${cat}`, categories: [cat] },
      });
      expect(res.status).toBe(201);
    }
    const now = Date.now();
    await write.v1.events.$post({
      json: {
        events: [
          { userId: 'tr-u1', itemId: `tr-a-${cat}`, type: 'view', timestamp: now - 1000 },
          { userId: 'tr-u2', itemId: `tr-b-${cat}`, type: 'view', timestamp: now - 1000 },
          { userId: 'tr-u3', itemId: `tr-b-${cat}`, type: 'view', timestamp: now - 500 },
        ],
      },
    });
    const res = await read.v1.trending.$get({ query: { category: cat, k: '5' } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.scope).toBe(`cat:${cat}`);
    expect(body.items.map((i) => i.itemId)).toEqual([`tr-b-${cat}`, `tr-a-${cat}`]);
    expect(body.items[0]!.score).toBeGreaterThan(1.9);
    expect(body.items[0]!.score).toBeLessThanOrEqual(2);

    // A deleted item leaves the trending list at once.
    await write.v1.items[':itemId'].$delete({ param: { itemId: `tr-b-${cat}` } });
    const after = await (await read.v1.trending.$get({ query: { category: cat, k: '5' } })).json();
    expect(after.items.map((i) => i.itemId)).toEqual([`tr-a-${cat}`]);
  });
});
