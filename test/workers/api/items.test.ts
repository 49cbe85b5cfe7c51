import { beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, vectorNamespace } from '../../../shared/keys';
import { UpstashVectorIndex } from '../../../shared/adapters/upstash-vector-index';
import { TEST_BINDINGS } from '../../setup/test-ports';
import { clientFor } from './api-client';
import { SEED_VERSION, seedNeighbours, seedVersion, testStateStore } from './seed-version';

const write = clientFor('write');
const read = clientFor('read');
const store = testStateStore();

beforeAll(async () => {
  await seedVersion();
});

describe('catalogue routes', () => {
  it('creates a cold-start item: record, fresh list, provisional vector in the served namespace', async () => {
    const itemId = `new-${Date.now()}`;
    const res = await write.v1.items.$post({
      json: { itemId, title: 'A new comedy', categories: ['comedy'], provider: 'acme' },
    });
    expect(res.status).toBe(201);
    // One item answers 201 with its record; the batch form answers 200 with outcomes.
    if (res.status !== 201) return;
    const body = await res.json();
    expect(body).toMatchObject({ provisionalVector: true, modelVersion: SEED_VERSION });
    expect(body.item).toMatchObject({
      itemId,
      categories: ['comedy'],
      hidden: false,
      provider: 'acme',
    });

    expect(await store.redis.zscore(redisKeys.freshItems, itemId)).not.toBeNull();
    const vectors = new UpstashVectorIndex({
      url: TEST_BINDINGS.UPSTASH_VECTOR_REST_URL,
      token: TEST_BINDINGS.UPSTASH_VECTOR_REST_TOKEN,
    });
    const [record] = await vectors.fetch(vectorNamespace(SEED_VERSION), [itemId]);
    expect(record?.metadata).toMatchObject({ provisional: true, categories: ['comedy'] });
    // The centroid of the comedy items points along the comedy axis.
    expect(record!.vector[1]).toBeGreaterThan(0.9);

    // Recommended before the next batch: a comedy request for a cold user proposes it as fresh.
    const recs = await (
      await read.v1.users[':userId'].recommendations.$get({
        param: { userId: 'cold-item-user' },
        query: { k: '30', category: 'comedy' },
      })
    ).json();
    const found = recs.items.find((i) => i.itemId === itemId);
    expect(found?.sources).toContain('fresh');

    // Similar items of a cold-start item come from an ANN query around its provisional vector.
    const similar = await (
      await read.v1.items[':itemId'].similar.$get({ param: { itemId }, query: { k: '3' } })
    ).json();
    expect(similar.items).toHaveLength(3);
    expect(similar.items.map((i) => i.itemId)).not.toContain(itemId);
  });

  it('refuses to create an existing item (409), replaces with PUT, and validates fields', async () => {
    const itemId = `dup-${Date.now()}`;
    expect((await write.v1.items.$post({ json: { itemId, categories: ['drama'] } })).status).toBe(
      201,
    );
    const again = await write.v1.items.$post({ json: { itemId, categories: ['drama'] } });
    expect(again.status).toBe(409);
    const put = await write.v1.items[':itemId'].$put({
      param: { itemId },
      json: { categories: ['comedy'], title: 'renamed' },
    });
    expect(put.status).toBe(200);
    expect((await put.json()).item).toMatchObject({ categories: ['comedy'], title: 'renamed' });
    // Read back with a read key, at once and uncached.
    const got = await read.v1.items[':itemId'].$get({ param: { itemId } });
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-store');
    if (got.status === 200) {
      expect(await got.json()).toMatchObject({
        itemId,
        categories: ['comedy'],
        title: 'renamed',
        hidden: false,
      });
    }
    const bad = await write.v1.items.$post({
      json: { itemId: 'x', categories: 'drama' as unknown as string[] },
    });
    expect(bad.status).toBe(400);
  });

  it('hides a deleted item from every answer, and answers 404 for an unknown one', async () => {
    const itemId = `del-${Date.now()}`;
    expect((await write.v1.items.$post({ json: { itemId, categories: ['drama'] } })).status).toBe(
      201,
    );
    const recs = async () =>
      (
        await (
          await read.v1.users[':userId'].recommendations.$get({
            param: { userId: 'redis-drama' },
            query: { k: '100' },
          })
        ).json()
      ).items.map((i) => i.itemId);
    expect(await recs()).toContain(itemId);
    const del = await write.v1.items[':itemId'].$delete({ param: { itemId } });
    expect(del.status).toBe(204);
    expect(await recs()).not.toContain(itemId);
    // A deleted item is gone for readers too (its tombstone is internal).
    for (const id of [itemId, 'never-was']) {
      const gone = await read.v1.items[':itemId'].$get({ param: { itemId: id } });
      expect(gone.status).toBe(404);
      expect(gone.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await write.v1.items[':itemId'].$delete({ param: { itemId } })).status).toBe(404);
    expect(
      (await write.v1.items[':itemId'].$delete({ param: { itemId: 'never-was' } })).status,
    ).toBe(404);
  });
});

describe('GET /v1/items/{itemId}/similar', () => {
  it('answers the precomputed neighbours of a known item', async () => {
    const res = await read.v1.items[':itemId'].similar.$get({
      param: { itemId: 'i03' },
      query: { k: '4' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.items).toEqual(
      seedNeighbours('i03')
        .slice(0, 4)
        .map((s) => ({ ...s, source: 'neighbours' })),
    );
    expect(body.degraded).toEqual([]);
  });

  it('keeps the items of a category, filling a short list from the vector index', async () => {
    // i03's list is drama items but one (i19, drama and comedy): the rest comes from ANN.
    const res = await read.v1.items[':itemId'].similar.$get({
      param: { itemId: 'i03' },
      query: { k: '4', category: 'comedy' },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    const ids = body.items.map((i) => i.itemId);
    expect(ids).toHaveLength(4);
    expect(ids[0]).toBe('i19');
    expect(body.items.map((i) => i.source)).toEqual(['neighbours', 'ann', 'ann', 'ann']);
    expect(new Set(ids).size).toBe(4);
    expect(ids).not.toContain('i03');
    for (const id of ids) {
      const item = await read.v1.items[':itemId'].$get({ param: { itemId: id } });
      expect(((await item.json()) as { categories: string[] }).categories).toContain('comedy');
    }
    expect(body.degraded).toEqual([]);
  });

  it('leaves excluded items out', async () => {
    const res = await read.v1.items[':itemId'].similar.$get({
      param: { itemId: 'i03' },
      query: { k: '4', exclude: 'i11,i01' },
    });
    const want = seedNeighbours('i03').filter((s) => !['i11', 'i01'].includes(s.itemId));
    expect((await res.json()).items).toEqual(
      want.slice(0, 4).map((s) => ({ ...s, source: 'neighbours' })),
    );
  });

  it('fills from the vector index what exclusions or a large k leave the list short of', async () => {
    const listed = seedNeighbours('i03'); // 10 items
    const similar = async (query: { k: string; exclude?: string }) =>
      (await read.v1.items[':itemId'].similar.$get({ param: { itemId: 'i03' }, query })).json();
    const longer = await similar({ k: '13' });
    expect(longer.items).toHaveLength(13);
    expect(longer.items.slice(0, 10)).toEqual(listed.map((s) => ({ ...s, source: 'neighbours' })));
    expect(longer.items.slice(10).every((i) => i.source === 'ann')).toBe(true);
    const excluded = listed.slice(0, 8).map((s) => s.itemId);
    const filled = await similar({ k: '5', exclude: excluded.join(',') });
    const ids = filled.items.map((i) => i.itemId);
    expect(ids).toHaveLength(5);
    expect(ids.slice(0, 2)).toEqual(listed.slice(8).map((s) => s.itemId));
    expect(filled.items.slice(2).every((i) => i.source === 'ann')).toBe(true);
    for (const id of [...excluded, 'i03']) expect(ids).not.toContain(id);
    expect(new Set(ids).size).toBe(5);
    expect(filled.degraded).toEqual([]);
  });

  it('leaves hidden and deleted items out of similar lists', async () => {
    // Two new items of the same categories share one provisional vector (the centroids' mean);
    // no other test creates a new item that is both drama and comedy.
    const twin = `twin-${Date.now()}`;
    const [a, b] = [`${twin}-a`, `${twin}-b`];
    for (const itemId of [a, b]) {
      await write.v1.items.$post({ json: { itemId, categories: ['drama', 'comedy'] } });
    }
    const similar = async () =>
      (
        await (
          await read.v1.items[':itemId'].similar.$get({ param: { itemId: a }, query: { k: '5' } })
        ).json()
      ).items.map((i) => i.itemId);
    expect((await similar())[0]).toBe(b);
    // From the vector index (a new item has no list), `exclude` applies too.
    const excluded = await read.v1.items[':itemId'].similar.$get({
      param: { itemId: a },
      query: { k: '5', exclude: b },
    });
    const excludedIds = (await excluded.json()).items.map((i) => i.itemId);
    expect(excludedIds).toHaveLength(5);
    expect(excludedIds).not.toContain(b);
    await write.v1.items[':itemId'].$delete({ param: { itemId: b } });
    expect(await similar()).not.toContain(b);
  });

  it('answers an empty list for an unknown item (cold start, not an error)', async () => {
    const res = await read.v1.items[':itemId'].similar.$get({
      param: { itemId: 'nobody-knows' },
      query: {},
    });
    expect(res.status).toBe(200);
    expect((await res.json()).items).toEqual([]);
  });
});
