import { beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from './api-client';
import { dramaTopN, SEED_VERSION, seedVersion, topNPart } from './seed-version';

const read = clientFor('read');

beforeAll(async () => {
  await seedVersion();
});

describe('GET /v1/users/{userId}/recommendations', () => {
  it('answers a cached user from the top-N in the model order, without seen items', async () => {
    const res = await read.v1.users[':userId'].recommendations.$get({
      param: { userId: 'kv-drama' },
      query: { k: '5' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.userId).toBe('kv-drama');
    expect(body.modelVersion).toBe(SEED_VERSION);
    expect(body.degraded).toEqual([]);
    const { got, want } = topNPart(
      body.items.map((i) => i.itemId),
      'kv-drama',
    );
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got).toEqual(want);
    expect(body.items[0]!.sources).toContain('topn');
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
    expect(res.headers.get('Vary')).toContain('Authorization');
    const timing = res.headers.get('Server-Timing') ?? '';
    for (const stage of ['kv', 'redis', 'scoring', 'ranking', 'total'])
      expect(timing).toContain(stage);
  });
});

describe('GET /v1/users/{userId}/recommendations?offset=', () => {
  const page = async (query: Record<string, string>) =>
    read.v1.users[':userId'].recommendations.$get({ param: { userId: 'kv-drama-2' }, query });

  it('answers the next page of the same ranking', async () => {
    const whole = (await (await page({ k: '9' })).json()).items.map((i) => i.itemId);
    expect(whole).toHaveLength(9);
    const second = (await (await page({ k: '3', offset: '3' })).json()).items;
    const third = (await (await page({ k: '3', offset: '6' })).json()).items;
    expect([...second, ...third].map((i) => i.itemId)).toEqual(whole.slice(3));
  });

  it('refuses a page beyond the ranking depth (offset + k ≤ 200)', async () => {
    const res = await page({ k: '10', offset: '195' });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as unknown as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toEqual(['query.offset']);
    expect((await page({ k: '10', offset: '190' })).status).toBe(200);
  });
});

describe('POST /v1/users/{userId}/rank', () => {
  const write = clientFor('write');
  const rank = (userId: string, json: { items: string[]; explain?: boolean; sessionId?: string }) =>
    read.v1.users[':userId'].rank.$post({ param: { userId }, json });

  it("orders the caller's items by the user's model scores, consumed ones included", async () => {
    // Comedy first, drama after, in an order unlike the model's; i16 is the user's seen item.
    const asked = ['i25', 'i03', 'i16', 'nope-item', 'i12', 'i01', 'i33'];
    const res = await rank('kv-drama-2', { items: asked });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.userId).toBe('kv-drama-2');
    expect(body.modelVersion).toBe(SEED_VERSION);
    expect(body.degraded).toEqual([]);
    const ids = body.items.map((i) => i.itemId);
    expect(new Set(ids)).toEqual(new Set(asked.filter((id) => id !== 'nope-item')));
    expect(body.unranked).toEqual([{ itemId: 'nope-item', reason: 'unscored' }]);
    // The listed items come in the model's order; scores never rise down the list.
    const order = dramaTopN('kv-drama-2').items.map(([id]) => id);
    const inTopN = ids.filter((id) => order.includes(id));
    expect(inTopN).toEqual(order.filter((id) => inTopN.includes(id)));
    expect(inTopN).toHaveLength(5);
    expect(ids.indexOf('i03')).toBeLessThan(ids.indexOf('i25'));
    const scores = body.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(body.items.find((i) => i.itemId === 'i03')!.sources).toContain('topn');
    expect(res.headers.get('Cache-Control')).toBe('private, no-store');
    // The same reads as a recommendation, less the vector query.
    expect(res.headers.get('X-Edgerec-Round-Trips')).toMatch(/redis=1, vector=0/);
    expect(res.headers.get('Server-Timing')).toContain('ranking');
  });

  it('ranks an item added since the batch and sets deleted ones apart', async () => {
    const added = await write.v1.items[':itemId'].$put({
      param: { itemId: 'rank-fresh' },
      json: { categories: ['drama'], createdAt: Date.now() },
    });
    expect(added.status).toBe(200);
    await write.v1.items[':itemId'].$put({
      param: { itemId: 'rank-gone' },
      json: { categories: ['drama'] },
    });
    expect(
      (await write.v1.items[':itemId'].$delete({ param: { itemId: 'rank-gone' } })).status,
    ).toBe(204);
    const res = await rank('kv-drama-2', {
      items: ['rank-gone', 'i30', 'rank-fresh'],
      explain: true,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.items.map((i) => i.itemId).sort()).toEqual(['i30', 'rank-fresh']);
    expect(body.unranked).toEqual([{ itemId: 'rank-gone', reason: 'hidden' }]);
    const fresh = body.items.find((i) => i.itemId === 'rank-fresh')!;
    expect(fresh.sources).toContain('fresh');
    expect(fresh.reasons?.rules).toContain('freshness-boost');
    expect(body.items.every((i) => i.reasons !== undefined)).toBe(true);
  });

  it('ranks an item added since the batch that the fresh list no longer reaches', async () => {
    // The fresh list is ordered by creation time: an item dated 1970 behind 50 hidden ones dated
    // just after it is out of the newest 50 every request reads, and pushes no other test's out.
    const early = `rank-early-${Date.now()}`;
    const put = await write.v1.items[':itemId'].$put({
      param: { itemId: early },
      json: { categories: ['drama'], createdAt: 1 },
    });
    expect(put.status).toBe(200);
    const later = await write.v1.items.$post({
      json: {
        items: Array.from({ length: 50 }, (_, i) => ({
          itemId: `${early}-later-${i}`,
          categories: ['comedy'],
          createdAt: 2 + i,
          hidden: true,
        })),
      },
    });
    expect(later.status).toBe(200);
    const res = await rank('kv-drama-2', { items: [early, 'i30', 'nope-either'] });
    const body = await res.json();
    expect(body.items.map((i) => i.itemId).sort()).toEqual([early, 'i30'].sort());
    expect(body.unranked).toEqual([{ itemId: 'nope-either', reason: 'unscored' }]);
    expect(res.headers.get('X-Edgerec-Round-Trips')).toMatch(/redis=1, vector=0/);
  });

  it('ranks for a user the batch never saw (a cold start), not an error', async () => {
    const res = await rank('rank-cold-user', { items: ['i05', 'i35'] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.items.map((i) => i.itemId).sort()).toEqual(['i05', 'i35']);
    expect(body.unranked).toEqual([]);
  });

  it('refuses an empty, oversized or repeating list with a problem naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ items: [] }, 'body.items'],
      [{ items: Array.from({ length: 501 }, (_, i) => `x${i}`) }, 'body.items'],
      [{ items: ['i01', 'i02', 'i01'] }, 'body.items.2'],
      [{ items: ['bad id!'] }, 'body.items.0'],
      [{ items: ['i01'], k: 3 }, 'body'],
    ];
    for (const [json, path] of cases) {
      const res = await read.v1.users[':userId'].rank.$post({
        param: { userId: 'kv-drama-2' },
        json: json as { items: string[] },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
      const body = (await res.json()) as unknown as { errors: { path: string }[] };
      expect(body.errors.map((e) => e.path)).toContain(path);
    }
  });
});

describe('promoted slots (/v1/admin/promotions)', () => {
  const admin = clientFor('admin');
  const promotions = admin.v1.admin.promotions;
  const put = (promotionId: string, json: Record<string, unknown>) =>
    promotions[':promotionId'].$put({
      param: { promotionId },
      json: json as { items: string[]; slots: number[] },
    });
  const remove = (promotionId: string) =>
    promotions[':promotionId'].$delete({ param: { promotionId } });
  const recommend = (explain = false) =>
    read.v1.users[':userId'].recommendations.$get({
      param: { userId: 'kv-promo' },
      query: { k: '5', ...(explain ? { explain: 'true' } : {}) },
    });
  // Every recommendation of every test file reads the promotions: each test removes what it stored,
  // and active ones end within a minute whatever happens.
  const soon = () => Date.now() + 60_000;

  it('puts the best-scored promoted item for the user at its slot, until it is deleted', async () => {
    const before = await (await recommend()).json();
    expect(before.items.map((i) => i.itemId)).not.toContain('i31');
    try {
      const created = await put('comedy-week', {
        items: ['i30', 'i31'],
        slots: [1],
        endsAt: soon(),
        description: 'two comedies first',
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({
        promotionId: 'comedy-week',
        items: ['i30', 'i31'],
        slots: [1],
        active: true,
      });

      const res = await recommend(true);
      expect(res.status).toBe(200);
      expect(res.headers.get('X-Edgerec-Round-Trips')).toMatch(/redis=1/);
      const body = await res.json();
      // Which of the two: the one the user's model ranks higher.
      const ranked = await read.v1.users[':userId'].rank.$post({
        param: { userId: 'kv-promo' },
        json: { items: ['i30', 'i31'] },
      });
      const best = (await ranked.json()).items[0]!.itemId;
      expect(body.items).toHaveLength(5);
      expect(body.items[0]).toMatchObject({ itemId: best, promotion: 'comedy-week' });
      expect(body.items[0]!.reasons?.rules).toEqual(['promoted:comedy-week']);
      // The organic answer follows, one position down.
      expect(body.items.slice(1).map((i) => i.itemId)).toEqual(
        before.items.slice(0, 4).map((i) => i.itemId),
      );
      expect(body.items.slice(1).every((i) => i.promotion === undefined)).toBe(true);

      const listed = await (await promotions.$get()).json();
      expect(listed.promotions.map((p) => p.promotionId)).toContain('comedy-week');

      // Replaced: a later slot, now met by nothing organic either.
      const replaced = await put('comedy-week', { items: ['i30'], slots: [3], endsAt: soon() });
      expect(replaced.status).toBe(200);
      const moved = await (await recommend()).json();
      expect(moved.items[2]).toMatchObject({ itemId: 'i30', promotion: 'comedy-week' });
    } finally {
      await remove('comedy-week');
    }
    const after = await (await recommend()).json();
    expect(after.items.map((i) => i.itemId)).toEqual(before.items.map((i) => i.itemId));
    expect((await remove('comedy-week')).status).toBe(404);
  });

  it('refuses bad promotions with a problem naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ items: [], slots: [1] }, 'body.items'],
      [{ items: ['i30', 'i30'], slots: [1] }, 'body.items.1'],
      [{ items: ['i30'], slots: [3, 2] }, 'body.slots.1'],
      [{ items: ['i30'], slots: [0] }, 'body.slots.0'],
      [{ items: ['i30'], slots: [1], startsAt: 2000, endsAt: 1000 }, 'body.endsAt'],
      [{ items: ['i30'], slots: [1], priority: 1 }, 'body'],
    ];
    for (const [json, path] of cases) {
      const res = await put('bad-promo', json);
      expect(res.status).toBe(400);
      expect(res.headers.get('Content-Type')).toBe('application/problem+json');
      const problem = (await res.json()) as unknown as { code: string; errors: { path: string }[] };
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors.map((e) => e.path)).toContain(path);
    }
    expect((await promotions.$get()).status).toBe(200);
    const stored = await (await promotions.$get()).json();
    expect(stored.promotions.map((p) => p.promotionId)).not.toContain('bad-promo');
  });

  it('deletes ended promotions at the next write, and refuses one that has ended', async () => {
    const now = Date.now();
    const later = { items: ['i30'], slots: [1], startsAt: now + 86_400_000 };
    try {
      const brief = { items: ['i30'], slots: [1], startsAt: now + 100, endsAt: now + 1000 };
      expect((await put('brief', brief)).status).toBe(201);
      const ids = async () =>
        (await (await promotions.$get()).json()).promotions.map((p) => p.promotionId);
      expect(await ids()).toContain('brief');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await ids()).toContain('brief'); // ended, still stored until a write
      expect((await put('later', later)).status).toBe(201);
      expect(await ids()).not.toContain('brief');
      const ended = await put('ended', { ...later, startsAt: now - 2000, endsAt: now - 1000 });
      expect(ended.status).toBe(400);
    } finally {
      for (const id of ['brief', 'later']) await remove(id);
    }
  });

  it('keeps at most 20 promotions, counting those that have not started', async () => {
    const ids = Array.from({ length: 21 }, (_, i) => `later-${i}`);
    const later = { items: ['i30'], slots: [1], startsAt: Date.now() + 86_400_000 };
    try {
      const existing = (await (await promotions.$get()).json()).promotions.length;
      const statuses: number[] = [];
      for (const id of ids.slice(0, 20 - existing)) statuses.push((await put(id, later)).status);
      expect(statuses.every((s) => s === 201)).toBe(true);
      const refused = await put(ids[20]!, later);
      expect(refused.status).toBe(409);
      // Replacing one is still allowed when full.
      expect((await put(ids[0]!, later)).status).toBe(200);
      const listed = (await (await promotions.$get()).json()).promotions;
      expect(listed.filter((p) => p.promotionId.startsWith('later-')).every((p) => !p.active)).toBe(
        true,
      );
    } finally {
      for (const id of ids) await remove(id);
    }
  });
});
