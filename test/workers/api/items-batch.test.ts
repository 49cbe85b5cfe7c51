/**
 * `POST /v1/items` with a batch `{items:[...]}`: written in one Redis read, one Redis transaction
 * and one vector upsert (round trips counted by wrapping the global `fetch` the Upstash clients
 * use); validated whole before anything is written; re-posting it changes nothing; bounded in
 * size.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstashVectorIndex } from '../../../shared/adapters/upstash-vector-index';
import { MAX_ITEMS_PER_REQUEST } from '../../../shared/domain/items';
import { redisKeys, vectorNamespace } from '../../../shared/keys';
import { createApp } from '../../../workers/api/app';
import { TEST_API_KEYS, TEST_BINDINGS, TEST_URLS } from '../../setup/test-ports';
import { clientFor, testEnv } from './api-client';
import { SEED_VERSION, seedVersion, testStateStore } from './seed-version';

const write = clientFor('write');
const store = testStateStore();
const vectors = new UpstashVectorIndex({
  url: TEST_BINDINGS.UPSTASH_VECTOR_REST_URL,
  token: TEST_BINDINGS.UPSTASH_VECTOR_REST_TOKEN,
});

beforeAll(async () => {
  await seedVersion();
});

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/**
 * An app whose outbound Redis and vector requests are counted (rate limiting off: it is its own
 * call). Items are created long ago (`createdAt: 0`) so that they stay below other test files'
 * fresh items.
 */
function countingApp() {
  const byOrigin = new Map<string, number>();
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const { origin } = new URL(input instanceof Request ? input.url : String(input));
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + 1);
    return realFetch(input, init);
  }) as typeof fetch;
  const sent = (url: string) => byOrigin.get(new URL(url).origin) ?? 0;
  const counts = () => ({ redis: sent(TEST_URLS.redisRest), vector: sent(TEST_URLS.vectorRest) });
  const app = createApp();
  const bindings = { ...testEnv, EDGEREC_RATE_LIMIT_PER_MINUTE: '0' };
  const post = (body: unknown) =>
    app.request(
      '/v1/items',
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TEST_API_KEYS.write}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(body),
      },
      bindings,
    );
  return { counts, post, reset: () => byOrigin.clear() };
}

const rawRecords = async (ids: string[]) =>
  (await store.redis.mget<(string | null)[]>(...ids.map((id) => redisKeys.item(id)))).map(
    (r) => r ?? null,
  );

interface BatchAnswer {
  modelVersion: string | null;
  created: number;
  replaced: number;
  existing: number;
  items: { itemId: string; outcome: string; provisionalVector: boolean }[];
}

interface Problem {
  type: string;
  status: number;
  errors?: { path: string; message: string }[];
}

describe('POST /v1/items with a batch', () => {
  it('writes every item in one Redis read, one Redis transaction and one vector upsert', async () => {
    const prefix = `batch-${Date.now()}`;
    const items = Array.from({ length: 30 }, (_, i) => ({
      itemId: `${prefix}-${i}`,
      title: `Batch item ${i}`,
      categories: [i % 2 === 0 ? 'drama' : 'comedy'],
      createdAt: i === 5 ? '1990-01-01T00:00:00Z' : 0,
      hidden: i === 7,
    }));
    const { counts, post, reset } = countingApp();
    // The isolate loads the served model once; warm it so that the count is the batch's own.
    const warm = { itemId: `${prefix}-warm`, createdAt: 0, hidden: true };
    expect((await post({ items: [warm] })).status).toBe(200);
    reset();

    const res = await post({ items });
    expect(res.status).toBe(200);
    const body = (await res.json()) as BatchAnswer;
    expect(counts()).toEqual({ redis: 2, vector: 1 });
    expect(body).toMatchObject({ modelVersion: SEED_VERSION, created: 30, replaced: 0 });
    expect(body.existing).toBe(0);
    expect(body.items.map((i) => i.itemId)).toEqual(items.map((i) => i.itemId));
    expect(body.items.every((i) => i.outcome === 'created')).toBe(true);
    // Hidden items get no provisional vector; every other new item does.
    expect(body.items.filter((i) => i.provisionalVector)).toHaveLength(29);
    expect(body.items[7]!.provisionalVector).toBe(false);

    const ids = items.map((i) => i.itemId);
    const records = (await rawRecords(ids)).map((r) => JSON.parse(r!) as Record<string, unknown>);
    expect(records[0]).toMatchObject({ title: 'Batch item 0', categories: ['drama'] });
    expect(records[5]!.createdAt).toBe(Date.parse('1990-01-01T00:00:00Z'));
    for (const id of ids) expect(await store.redis.zscore(redisKeys.freshItems, id)).not.toBeNull();
    expect(await store.redis.sismember(redisKeys.hiddenItems, ids[7]!)).toBe(1);
    expect(await store.redis.sismember(redisKeys.hiddenItems, ids[8]!)).toBe(0);
    const stored = await vectors.fetch(vectorNamespace(SEED_VERSION), ids);
    expect(stored[7]).toBeNull();
    expect(stored[0]?.metadata).toMatchObject({ provisional: true, categories: ['drama'] });
    // The drama centroid points along the drama axis, the comedy one along the comedy axis.
    expect(stored[0]!.vector[0]).toBeGreaterThan(0.9);
    expect(stored[1]!.vector[1]).toBeGreaterThan(0.9);

    // Hidden from here on, so that other files' answers are not crowded by these items.
    const hide = items.map(({ itemId }) => ({ itemId, hidden: true, createdAt: 0 }));
    const hidden = await post({ items: hide, onExisting: 'replace' });
    expect(((await hidden.json()) as BatchAnswer).replaced).toBe(30);
  });

  it('is idempotent: re-posting a batch writes nothing; new ids in it are created, replace replaces', async () => {
    const prefix = `idem-${Date.now()}`;
    const items = Array.from({ length: 10 }, (_, i) => ({
      itemId: `${prefix}-${i}`,
      categories: ['comedy'],
      createdAt: 1000 + i,
    }));
    const ids = items.map((i) => i.itemId);
    const first = await write.v1.items.$post({ json: { items } });
    expect(first.status).toBe(200);
    const before = await rawRecords(ids);
    const freshBefore = await Promise.all(
      ids.map((id) => store.redis.zscore(redisKeys.freshItems, id)),
    );
    const vectorsBefore = await vectors.fetch(vectorNamespace(SEED_VERSION), ids);

    const again = await write.v1.items.$post({ json: { items } });
    expect(again.status).toBe(200);
    const body = (await again.json()) as BatchAnswer;
    expect(body).toMatchObject({ created: 0, replaced: 0, existing: 10 });
    expect(body.items.every((i) => i.outcome === 'existing' && !i.provisionalVector)).toBe(true);
    // Byte for byte the same records (not even `updatedAt` moved), index entries and vectors.
    expect(await rawRecords(ids)).toEqual(before);
    expect(
      await Promise.all(ids.map((id) => store.redis.zscore(redisKeys.freshItems, id))),
    ).toEqual(freshBefore);
    expect(await vectors.fetch(vectorNamespace(SEED_VERSION), ids)).toEqual(vectorsBefore);

    // A batch that repeats some ids and adds others creates only the new ones.
    const extended = [...items.slice(0, 3), { itemId: `${prefix}-new`, categories: ['comedy'] }];
    const mixed = (await (
      await write.v1.items.$post({ json: { items: extended } })
    ).json()) as BatchAnswer;
    expect(mixed).toMatchObject({ created: 1, existing: 3, replaced: 0 });
    expect(mixed.items.map((i) => i.outcome)).toEqual([
      'existing',
      'existing',
      'existing',
      'created',
    ]);

    // `onExisting: replace` replaces live items (creation time kept unless given); a deleted one is
    // created anew. Hiding them here also keeps them out of other files' answers.
    expect((await write.v1.items[':itemId'].$delete({ param: { itemId: ids[9]! } })).status).toBe(
      204,
    );
    const hide = items.map(({ itemId }) => ({ itemId, title: 'renamed', hidden: true }));
    const replaced = (await (
      await write.v1.items.$post({ json: { items: hide, onExisting: 'replace' } })
    ).json()) as BatchAnswer;
    expect(replaced).toMatchObject({ created: 1, replaced: 9, existing: 0 });
    expect(replaced.items[9]!.outcome).toBe('created');
    const after = (await rawRecords(ids)).map((r) => JSON.parse(r!) as Record<string, unknown>);
    expect(after[0]).toMatchObject({ title: 'renamed', hidden: true, createdAt: 1000 });
    expect(after[9]).not.toHaveProperty('deleted');
  });

  it('validates the whole batch first: one problem naming each bad index and field, nothing written', async () => {
    const prefix = `invalid-${Date.now()}`;
    const items: Record<string, unknown>[] = Array.from({ length: 10 }, (_, i) => ({
      itemId: `${prefix}-${i}`,
      categories: ['drama'],
    }));
    items[3] = { itemId: `${prefix}-3`, categories: 'drama' };
    items[6] = { title: 'no id' };
    items[8] = { itemId: `${prefix}-1` };
    const res = await write.v1.items.$post({ json: { items } as never });
    expect(res.status).toBe(400);
    expect(res.headers.get('Content-Type')).toContain('application/problem+json');
    const problem = (await res.json()) as unknown as Problem;
    expect(problem.type).toMatch(/\/validation-failed$/);
    expect(problem.errors?.map((e) => e.path)).toEqual([
      'body.items.3.categories',
      'body.items.6.itemId',
      'body.items.8.itemId',
    ]);
    expect(problem.errors?.[2]?.message).toContain('items.1');
    const valid = [0, 1, 2, 4, 5, 7, 9].map((i) => `${prefix}-${i}`);
    expect(await rawRecords(valid)).toEqual(valid.map(() => null));

    // The shape itself: unknown members, an empty list, an unknown policy.
    for (const [json, path] of [
      [{ items: [{ itemId: `${prefix}-x` }], extra: 1 }, 'body'],
      [{ items: [] }, 'body.items'],
      [{ items: [{ itemId: `${prefix}-y` }], onExisting: 'merge' }, 'body.onExisting'],
    ] as const) {
      const bad = await write.v1.items.$post({ json: json as never });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      const p = (await bad.json()) as unknown as Problem;
      expect(p.errors?.map((e) => e.path)).toContain(path);
    }
    // A single item's errors still name its own fields.
    const single = await write.v1.items.$post({
      json: { itemId: `${prefix}-s`, categories: 'drama' as unknown as string[] },
    });
    expect(((await single.json()) as unknown as Problem).errors?.map((e) => e.path)).toEqual([
      'body.categories',
    ]);
  });

  it(`takes up to ${MAX_ITEMS_PER_REQUEST} items in one request; more, or a body over the limit, is refused whole`, async () => {
    const prefix = `size-${Date.now()}`;
    const batch = (n: number, extra: Record<string, unknown> = {}) =>
      Array.from({ length: n }, (_, i) => ({
        itemId: `${prefix}-${i}`,
        categories: ['size-test'],
        createdAt: 0,
        // Hidden: a thousand provisional vectors would crowd other files' ANN answers.
        hidden: true,
        ...extra,
      }));

    const tooMany = await write.v1.items.$post({
      json: { items: batch(MAX_ITEMS_PER_REQUEST + 1) },
    });
    expect(tooMany.status).toBe(400);
    const problem = (await tooMany.json()) as unknown as Problem;
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.items']);
    expect(await rawRecords([`${prefix}-0`])).toEqual([null]);

    // Over EDGEREC_BODY_LIMIT_BYTES (1 MiB by default): 413 before anything is parsed.
    const huge = await write.v1.items.$post({
      json: { items: batch(MAX_ITEMS_PER_REQUEST, { attributes: { note: 'x'.repeat(1200) } }) },
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('Content-Type')).toContain('application/problem+json');
    expect(await rawRecords([`${prefix}-0`])).toEqual([null]);

    const { counts, post, reset } = countingApp();
    reset();
    const full = await post({ items: batch(MAX_ITEMS_PER_REQUEST) });
    expect(full.status).toBe(200);
    expect((await full.json()) as BatchAnswer).toMatchObject({
      created: MAX_ITEMS_PER_REQUEST,
      existing: 0,
    });
    // One Redis read and one transaction for the whole batch (no vectors: the items are hidden).
    expect(counts()).toEqual({ redis: 2, vector: 0 });
    const last = `${prefix}-${MAX_ITEMS_PER_REQUEST - 1}`;
    const score = await store.redis.zscore(redisKeys.items, last);
    expect(score).not.toBeNull();
    expect(Number(score)).toBe(0);
  });

  it('documents the batch form in /openapi.json', async () => {
    const res = await clientFor('read')['openapi.json'].$get();
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const op = doc.paths['/v1/items']!.post! as {
      requestBody: { content: { 'application/json': { schema: { anyOf: unknown[] } } } };
      responses: Record<string, unknown>;
    };
    const branches = op.requestBody.content['application/json'].schema.anyOf as {
      properties: Record<string, { maxItems?: number }>;
    }[];
    expect(branches.some((b) => b.properties.itemId !== undefined)).toBe(true);
    expect(branches.find((b) => b.properties.items)?.properties.items?.maxItems).toBe(
      MAX_ITEMS_PER_REQUEST,
    );
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '201']));
  });
});
