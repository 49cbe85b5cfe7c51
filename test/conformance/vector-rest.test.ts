/**
 * Conformance of the local Upstash Vector REST server with the unmodified `@upstash/vector`
 * client: the checklist of docs/upstash-vector-rest.md §10.2, raw-HTTP status codes and content
 * types, bad input, loopback binding, persistence across restarts and ANN recall.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index } from '@upstash/vector';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bruteForceTopK, randomVectors, recallAtK } from '../../local/vector-rest/recall';
import { startVectorRestServer } from '../../local/vector-rest/server';
import type { VectorRestServer, VectorRestServerOptions } from '../../local/vector-rest/server';
import { TEST_TOKENS, TEST_URLS } from '../setup/test-ports';

const TOKEN = 'conformance-token';

type Metadata = Record<string, unknown>;

interface Started {
  server: VectorRestServer;
  index: Index<Metadata>;
}

const running: VectorRestServer[] = [];

async function start(options: Partial<VectorRestServerOptions> = {}): Promise<Started> {
  const server = await startVectorRestServer({ port: 0, token: TOKEN, dimension: 2, ...options });
  running.push(server);
  return { server, index: new Index<Metadata>({ url: server.url, token: TOKEN }) };
}

afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
});

interface RawResponse {
  status: number;
  contentType: string | null;
  body: unknown;
}

/** A raw request, to check what the client hides: status codes, content types, error bodies. */
async function raw(
  baseUrl: string,
  path: string,
  body: unknown = [],
  init: { token?: string | null; method?: string; rawBody?: string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'POST',
    headers,
    body: init.rawBody ?? JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text: the assertions on it will fail with the body visible.
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: parsed };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to reject');
}

function expectJsonError(res: RawResponse, status: number): void {
  expect(res.status).toBe(status);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: expect.any(String), status });
}

describe('envelope, auth and routing', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start();
  });
  beforeEach(async () => {
    await s.index.reset({ all: true });
  });

  it('rejects a wrong token with UpstashError and a JSON 401', async () => {
    const wrong = new Index({ url: s.server.url, token: 'wrong' });
    const error = await rejection(wrong.info());
    expect(error.name).toBe('UpstashError');
    expect(error.message).toBe('Unauthorized: Invalid auth token');
    expectJsonError(await raw(s.server.url, '/info', [], { token: 'wrong' }), 401);
    expectJsonError(await raw(s.server.url, '/info', [], { token: null }), 401);
  });

  it('answers POST /info with body [] and unknown paths with a JSON 404', async () => {
    const info = await raw(s.server.url, '/info', []);
    expect(info.status).toBe(200);
    expect(info.contentType).toMatch(/^application\/json/);
    expect(info.body).toMatchObject({ result: { dimension: 2, pendingVectorCount: 0 } });
    expectJsonError(await raw(s.server.url, '/no-such-endpoint'), 404);
    expectJsonError(await raw(s.server.url, '/'), 404);
    expectJsonError(await raw(s.server.url, '/info/some-namespace'), 404);
  });

  it('answers every error path with a JSON error body carrying the status', async () => {
    const url = s.server.url;
    const cases: [RawResponse, number][] = [
      [await raw(url, '/upsert', { id: 'a', vector: [1] }), 422],
      [await raw(url, '/upsert', null, { rawBody: '{"id": ' }), 400],
      [await raw(url, '/upsert', { vector: [1, 2] }), 400],
      [await raw(url, '/upsert', { id: 'a', vector: [1, 'x'] }), 400],
      [await raw(url, '/upsert', { id: 'a', vector: [1, 2], metadata: [1] }), 400],
      [await raw(url, '/upsert', 'just a string'), 400],
      [await raw(url, '/upsert', { id: 'a', vector: [0, 0] }), 422],
      [await raw(url, '/upsert', { id: 'a', vector: [1, 2], sparseVector: {} }), 422],
      [await raw(url, '/upsert-data', { id: 'a', data: 'x' }), 422],
      [await raw(url, '/query-data', { data: 'x' }), 422],
      [await raw(url, '/resumable-query-data', { data: 'x' }), 422],
      [await raw(url, '/query', { vector: [1, 0], filter: 'a =' }), 400],
      [await raw(url, '/query', { vector: [1, 0], topK: 0 }), 400],
      [await raw(url, '/query', { topK: 1 }), 400],
      [await raw(url, '/fetch', { ids: ['a'], prefix: 'a' }), 400],
      [await raw(url, '/delete', {}), 400],
      [await raw(url, '/range', { cursor: 'abc', limit: 1 }), 400],
      [await raw(url, '/range', { cursor: 0 }), 400],
      [await raw(url, '/update', { id: 'a', metadataUpdateMode: 'MERGE', data: 'x' }), 400],
      [await raw(url, '/delete-namespace/nope'), 404],
      [await raw(url, '/delete-namespace'), 400],
      [await raw(url, '/resumable-query-next', { uuid: 'nope', additionalK: 1 }), 404],
      [await raw(url, '/upsert/%E0%A4%A', { id: 'a', vector: [1, 1] }), 400],
      [await raw(url, '/info', undefined, { method: 'PATCH', rawBody: '[]' }), 405],
    ];
    for (const [res, status] of cases) expectJsonError(res, status);
    expect(await s.index.info()).toMatchObject({ vectorCount: 0 });
  });

  it('routes namespaces, including ones that need percent-encoding', async () => {
    await s.index.namespace('a').upsert({ id: 'in-a', vector: [1, 0] });
    await s.index.namespace('b').upsert({ id: 'in-b', vector: [1, 0] });
    const inA = await s.index.namespace('a').query({ vector: [1, 0], topK: 5 });
    const inB = await s.index.namespace('b').query({ vector: [1, 0], topK: 5 });
    expect(inA.map((h) => h.id)).toEqual(['in-a']);
    expect(inB.map((h) => h.id)).toEqual(['in-b']);
    expect(await s.index.query({ vector: [1, 0], topK: 5 })).toEqual([]);

    for (const name of ['with space', 'ns 1/é']) {
      await s.index.namespace(name).upsert({ id: 'x', vector: [0, 1], metadata: { name } });
      const [hit] = await s.index
        .namespace(name)
        .fetch(['x'], { includeMetadata: true, includeVectors: true });
      expect(hit).toEqual({ id: 'x', vector: [0, 1], metadata: { name } });
    }
    expect(new Set(await s.index.listNamespaces())).toEqual(
      new Set(['', 'a', 'b', 'with space', 'ns 1/é']),
    );
  });

  it('ignores the telemetry headers and serves concurrent requests on kept-alive connections', async () => {
    await s.index.upsert(Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, vector: [1, i] })));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => s.index.query({ vector: [1, i], topK: 1 })),
    );
    results.forEach((hits, i) => expect(hits[0]?.id).toBe(`c${i}`));
  });
});

describe('upsert, fetch, update and delete', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start();
  });
  beforeEach(async () => {
    await s.index.reset({ all: true });
  });

  it('stores numeric ids as strings and returns vectors exactly as given', async () => {
    expect(await s.index.upsert({ id: 1, vector: [0.1, 0.5] })).toBe('Success');
    expect(await s.index.fetch([1], { includeVectors: true })).toEqual([
      { id: '1', vector: [0.1, 0.5] },
    ]);
    const [hit] = await s.index.query({ vector: [0.1, 0.5], topK: 1, includeVectors: true });
    expect(hit).toEqual({ id: '1', score: 1, vector: [0.1, 0.5] });
  });

  it('rejects a wrong dimension with a message naming it, and stores nothing of the batch', async () => {
    const error = await rejection(
      s.index.upsert([
        { id: 'ok', vector: [1, 2] },
        { id: 'bad', vector: [1, 2, 3] },
      ]),
    );
    expect(error.name).toBe('UpstashError');
    expect(error.message).toBe('Invalid vector dimension: 3, expected: 2');
    expect(await s.index.fetch(['ok', 'bad'])).toEqual([null, null]);
    const queryError = await rejection(s.index.query({ vector: [1, 2, 3], topK: 1 }));
    expect(queryError.message).toContain('dimension');
  });

  it('rejects data-only upserts with the embedding error (422)', async () => {
    const error = await rejection(s.index.upsert({ id: 'x', data: 'some text' }));
    expect(error.message).toBe(
      'Embedding data for this index is not allowed. The index must be created with an embedding model to use it.',
    );
    expectJsonError(await raw(s.server.url, '/upsert-data', { id: 'x', data: 'y' }), 422);
  });

  it('fetches by ids in order with null for missing ones, and by prefix', async () => {
    await s.index.upsert([
      { id: 'a', vector: [1, 0] },
      { id: 'pre-1', vector: [1, 1] },
      { id: 'pre-2', vector: [0, 1] },
    ]);
    expect(await s.index.fetch(['a', 'missing'])).toEqual([{ id: 'a' }, null]);
    expect(await s.index.fetch({ prefix: 'pre-' })).toEqual([{ id: 'pre-1' }, { id: 'pre-2' }]);
    const error = await rejection(
      s.index.fetch({ ids: ['a'], prefix: 'pre-' } as unknown as { ids: string[] }),
    );
    expect(error.message).toBe('Only one of ids or prefix must be provided.');
    expect(await s.index.namespace('unknown').fetch(['a'])).toEqual([null]);
  });

  it('returns exactly the requested keys for every combination of include flags', async () => {
    await s.index.upsert({ id: 'full', vector: [1, 0], metadata: { m: 1 }, data: 'text' });
    await s.index.upsert({ id: 'bare', vector: [0, 1] });
    for (const includeMetadata of [false, true]) {
      for (const includeVectors of [false, true]) {
        for (const includeData of [false, true]) {
          const flags = { includeMetadata, includeVectors, includeData };
          const full: Record<string, unknown> = { id: 'full' };
          if (includeVectors) full.vector = [1, 0];
          if (includeMetadata) full.metadata = { m: 1 };
          if (includeData) full.data = 'text';
          const bare: Record<string, unknown> = { id: 'bare' };
          if (includeVectors) bare.vector = [0, 1];

          expect(await s.index.fetch(['full', 'bare'], flags)).toEqual([full, bare]);
          const page = await s.index.range({ cursor: 0, limit: 10, ...flags });
          expect(page.vectors).toEqual([full, bare]);
          const hits = await s.index.query({ vector: [1, 0], topK: 2, ...flags });
          expect(hits).toEqual([
            { ...full, score: 1 },
            { ...bare, score: 0.5 },
          ]);
        }
      }
    }
  });

  it('replaces the whole record on re-upsert', async () => {
    await s.index.upsert({ id: 'a', vector: [1, 0], metadata: { old: true }, data: 'old' });
    await s.index.upsert({ id: 'a', vector: [0, 1] });
    expect(
      await s.index.fetch(['a'], {
        includeMetadata: true,
        includeData: true,
        includeVectors: true,
      }),
    ).toEqual([{ id: 'a', vector: [0, 1] }]);
  });

  it('updates metadata (OVERWRITE and PATCH), data and vectors', async () => {
    await s.index.upsert({ id: 'a', vector: [1, 0], metadata: { x: 1, y: 1, z: 1 }, data: 'd' });
    await s.index.upsert({ id: 'b', vector: [0.9, 0.1] });
    const all = { includeMetadata: true, includeData: true, includeVectors: true };

    expect(await s.index.update({ id: 'a', metadata: { only: 1 } })).toEqual({ updated: 1 });
    expect((await s.index.fetch(['a'], all))[0]?.metadata).toEqual({ only: 1 });

    await s.index.update({ id: 'a', metadata: { x: 1, y: 1, z: 1 } });
    await s.index.update({
      id: 'a',
      metadata: { x: null, y: 2 },
      metadataUpdateMode: 'PATCH',
    });
    expect((await s.index.fetch(['a'], all))[0]?.metadata).toEqual({ y: 2, z: 1 });

    await s.index.update({ id: 'a', data: 'new text' });
    expect((await s.index.fetch(['a'], all))[0]).toEqual({
      id: 'a',
      vector: [1, 0],
      metadata: { y: 2, z: 1 },
      data: 'new text',
    });

    expect((await s.index.query({ vector: [0, 1], topK: 1 }))[0]?.id).toBe('b');
    await s.index.update({ id: 'a', vector: [0, 1] });
    expect((await s.index.query({ vector: [0, 1], topK: 1 }))[0]).toEqual({ id: 'a', score: 1 });
    expect((await s.index.fetch(['a'], all))[0]?.metadata).toEqual({ y: 2, z: 1 });

    expect(await s.index.update({ id: 'missing', data: 'x' })).toEqual({ updated: 0 });
    expect(await s.index.fetch(['missing'])).toEqual([null]);
    const error = await rejection(s.index.update({ id: 'a', vector: [1, 2, 3] }));
    expect(error.message).toContain('dimension');
  });

  it('deletes by id, prefix and filter with exact counts', async () => {
    await s.index.upsert([
      { id: 'a', vector: [1, 0] },
      { id: 'p-1', vector: [1, 1] },
      { id: 'p-2', vector: [1, 2] },
      { id: 'f-1', vector: [1, 3], metadata: { kind: 'f' } },
      { id: 'f-2', vector: [1, 4], metadata: { kind: 'f' } },
      { id: 'g', vector: [1, 5], metadata: { kind: 'g' } },
    ]);
    expect(await s.index.delete('a')).toEqual({ deleted: 1 });
    expect(await s.index.delete('a')).toEqual({ deleted: 0 });
    expect(await s.index.delete({ prefix: 'p-' })).toEqual({ deleted: 2 });
    expect(await s.index.delete({ filter: "kind = 'f'" })).toEqual({ deleted: 2 });
    expect(await s.index.delete(['g', 'nope'])).toEqual({ deleted: 1 });
    const error = await rejection(
      s.index.delete({ ids: ['a'], prefix: 'p' } as unknown as { ids: string[] }),
    );
    expect(error.message).toBe('Only and only one of the ids, prefix, or filter must be provided.');
    expect((await s.index.info()).vectorCount).toBe(0);
  });
});

describe('query and scores', () => {
  it('scores a stored 384-d integer vector queried with itself exactly 1', async () => {
    const { index } = await start({ dimension: 384 });
    const vectors = Array.from({ length: 20 }, (_, v) =>
      Array.from({ length: 384 }, (_, i) => ((i * 7919 + v * 104729) % 201) - 100),
    );
    await index.upsert(vectors.map((vector, i) => ({ id: `v${i}`, vector })));
    for (const [i, vector] of vectors.entries()) {
      const [first] = await index.query({ vector, topK: 1, includeVectors: true });
      expect(first).toEqual({ id: `v${i}`, score: 1, vector });
    }
  });

  it('normalises COSINE, EUCLIDEAN and DOT_PRODUCT scores as upstream does', async () => {
    const cosine = (await start({ similarity: 'COSINE' })).index;
    await cosine.upsert([
      { id: 'y', vector: [0, 1] },
      { id: 'neg', vector: [-1, 0] },
    ]);
    const cos = await cosine.query({ vector: [1, 0], topK: 2 });
    expect(cos).toEqual([
      { id: 'y', score: 0.5 },
      { id: 'neg', score: 0 },
    ]);

    const euclidean = (await start({ similarity: 'EUCLIDEAN' })).index;
    await euclidean.upsert([{ id: 'one', vector: [1, 1] }]);
    const [e] = await euclidean.query({ vector: [0, 0], topK: 1 });
    expect(Math.abs((e?.score ?? 0) - 1 / 3)).toBeLessThan(1e-6);
    expect((await euclidean.query({ vector: [1, 1], topK: 1 }))[0]?.score).toBe(1);

    const dot = (await start({ similarity: 'DOT_PRODUCT' })).index;
    await dot.upsert([
      { id: 'x', vector: [1, 0] },
      { id: 'y', vector: [0, 1] },
    ]);
    expect(await dot.query({ vector: [1, 0], topK: 2 })).toEqual([
      { id: 'x', score: 1 },
      { id: 'y', score: 0.5 },
    ]);
    expect((await dot.info()).similarityFunction).toBe('DOT_PRODUCT');
  });

  it('sorts by score, honours topK and defaults topK to 10', async () => {
    const { server, index } = await start();
    await index.upsert(Array.from({ length: 15 }, (_, i) => ({ id: `r${i}`, vector: [1, i / 3] })));
    const hits = await index.query({ vector: [1, 0.5], topK: 7 });
    expect(hits).toHaveLength(7);
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const res = await raw(server.url, '/query', { vector: [1, 0.5] });
    expect(res.status).toBe(200);
    expect((res.body as { result: unknown[] }).result).toHaveLength(10);
    expect(await index.query({ vector: [1, 0], topK: 100 })).toHaveLength(15);
  });

  it('answers queryMany in order, and one query as a nested array', async () => {
    const { server, index } = await start();
    await index.upsert([
      { id: 'x', vector: [1, 0] },
      { id: 'y', vector: [0, 1] },
    ]);
    const two = await index.queryMany([
      { vector: [1, 0], topK: 1 },
      { vector: [0, 1], topK: 1, filter: 'HAS NOT FIELD z' },
    ]);
    expect(two).toEqual([[{ id: 'x', score: 1 }], [{ id: 'y', score: 1 }]]);
    expect(await index.queryMany([{ vector: [0, 1], topK: 1 }])).toEqual([[{ id: 'y', score: 1 }]]);
    const rawBatch = await raw(server.url, '/query', [{ vector: [0, 1], topK: 1 }]);
    expect(rawBatch.body).toEqual({ result: [[{ id: 'y', score: 1 }]] });
  });

  it('never returns deleted vectors and finds updated ones at their new place', async () => {
    const { index } = await start({ dimension: 8 });
    const data = randomVectors(300, 8, 21);
    await index.upsert(data.map((vector, i) => ({ id: `d${i}`, vector })));
    const deleted = Array.from({ length: 100 }, (_, i) => `d${i * 3}`);
    await index.delete(deleted);
    for (const query of randomVectors(10, 8, 22)) {
      const hits = await index.query({ vector: query, topK: 50 });
      expect(hits.filter((h) => deleted.includes(String(h.id)))).toEqual([]);
    }
    await index.update({ id: 'd1', vector: data[2] as number[] });
    await index.delete('d2');
    expect((await index.query({ vector: data[2] as number[], topK: 1 }))[0]?.id).toBe('d1');
  });

  it('runs resumable queries without repeating hits', async () => {
    const { index } = await start();
    await index.upsert(Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, vector: [1, i] })));
    const { result, fetchNext, stop } = await index.resumableQuery({
      vector: [1, 0],
      topK: 2,
      maxIdle: 60,
    });
    const next = await fetchNext(3);
    expect([...result, ...next].map((h) => h.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect((await fetchNext(5)).map((h) => h.id)).toEqual(['r5']);
    expect(await stop()).toBe('Success');
  });
});

describe('ANN recall against brute force', () => {
  it('matches brute force exactly for ≥ 99 % of 50 queries on 2,000 vectors', async () => {
    const data = randomVectors(2000, 64, 31);
    const queries = randomVectors(50, 64, 32);
    const exact = queries.map((q) => bruteForceTopK(data, q, 10, 'COSINE').map((i) => `v${i}`));
    // The default configuration scans a namespace this small; the second forces the HNSW graph.
    for (const ann of [{}, { exactScanMax: 0 }]) {
      const { index } = await start({ dimension: 64, ann });
      await index.upsert(data.map((vector, i) => ({ id: `v${i}`, vector })));
      const found: string[][] = [];
      for (const query of queries) {
        found.push((await index.query({ vector: query, topK: 10 })).map((h) => String(h.id)));
      }
      if (ann.exactScanMax === 0) {
        expect(recallAtK(found, exact)).toBeGreaterThanOrEqual(0.98);
      } else {
        const equal = found.filter((ids, q) => JSON.stringify(ids) === JSON.stringify(exact[q]));
        expect(equal.length / queries.length).toBeGreaterThanOrEqual(0.99);
      }
    }
  });

  it('reaches recall@10 ≥ 0.95 on 10,000 × 64-d and is exact on the filtered scan path', async () => {
    const { index } = await start({ dimension: 64 });
    const data = randomVectors(10_000, 64, 41);
    for (let i = 0; i < data.length; i += 1000) {
      await index.upsert(
        data.slice(i, i + 1000).map((vector, j) => ({
          id: `v${i + j}`,
          vector,
          metadata: { bucket: (i + j) % 20 },
        })),
      );
    }
    const queries = randomVectors(100, 64, 42);
    const found: string[][] = [];
    const exact: string[][] = [];
    for (const query of queries) {
      found.push((await index.query({ vector: query, topK: 10 })).map((h) => String(h.id)));
      exact.push(bruteForceTopK(data, query, 10, 'COSINE').map((i) => `v${i}`));
    }
    expect(recallAtK(found, exact)).toBeGreaterThanOrEqual(0.95);

    // One bucket in twenty (500 records): the server scans the matches exactly.
    const inBucket = data.map((_, i) => i).filter((i) => i % 20 === 7);
    const subset = inBucket.map((i) => data[i] as number[]);
    for (const query of queries.slice(0, 20)) {
      const hits = await index.query({ vector: query, topK: 10, filter: 'bucket = 7' });
      const truth = bruteForceTopK(subset, query, 10, 'COSINE').map((j) => `v${inBucket[j]}`);
      expect(hits.map((h) => h.id)).toEqual(truth);
    }
  });
});

describe('range, reset, info and namespaces', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start();
  });
  beforeEach(async () => {
    await s.index.reset({ all: true });
  });

  it('pages through 20 vectors in insertion order until the cursor is empty', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `id-${i}`);
    // Not lexicographic: id-10 sorts before id-2, so order proves insertion order.
    await s.index.upsert(ids.map((id, i) => ({ id, vector: [1, i] })));
    const first = await s.index.range({ cursor: 0, limit: 5 });
    expect(first.vectors.map((v) => v.id)).toEqual(ids.slice(0, 5));
    expect(first.nextCursor).toBe('5');
    const seen = first.vectors.map((v) => String(v.id));
    let cursor = first.nextCursor;
    for (const limit of [8, 8]) {
      const page = await s.index.range({ cursor, limit });
      seen.push(...page.vectors.map((v) => String(v.id)));
      cursor = page.nextCursor;
    }
    expect(cursor).toBe('');
    expect(seen).toEqual(ids);
  });

  it('counts only prefix matches toward the limit and ends on an exactly full page', async () => {
    await s.index.upsert(
      ['doc-1', 'other', 'doc-2', 'doc-3', 'doc-4'].map((id) => ({ id, vector: [1, 1] })),
    );
    const first = await s.index.range({ cursor: '0', limit: 2, prefix: 'doc-' });
    expect(first.vectors.map((v) => v.id)).toEqual(['doc-1', 'doc-2']);
    const second = await s.index.range({ cursor: first.nextCursor, limit: 2, prefix: 'doc-' });
    expect(second.vectors.map((v) => v.id)).toEqual(['doc-3', 'doc-4']);
    expect(second.nextCursor).toBe('');
  });

  it('resets the default namespace, one namespace, or all of them, keeping them listed', async () => {
    await s.index.upsert({ id: 'd', vector: [1, 0] });
    await s.index.namespace('ns-1').upsert({ id: 'n1', vector: [1, 0] });
    await s.index.namespace('ns-2').upsert({ id: 'n2', vector: [1, 0] });

    await s.index.reset();
    let info = await s.index.info();
    expect(info.namespaces['']?.vectorCount).toBe(0);
    expect(info.namespaces['ns-1']?.vectorCount).toBe(1);

    await s.index.reset({ namespace: 'ns-1' });
    info = await s.index.info();
    expect(info.namespaces['ns-1']?.vectorCount).toBe(0);
    expect(info.namespaces['ns-2']?.vectorCount).toBe(1);

    await s.index.reset({ all: true });
    info = await s.index.info();
    expect(info.namespaces).toEqual({
      '': { vectorCount: 0, pendingVectorCount: 0 },
      'ns-1': { vectorCount: 0, pendingVectorCount: 0 },
      'ns-2': { vectorCount: 0, pendingVectorCount: 0 },
    });
    const afterReset = await s.index.namespace('ns-2').range({ cursor: 0, limit: 5 });
    expect(afterReset).toEqual({ nextCursor: '', vectors: [] });
  });

  it('reports counts per namespace and in total', async () => {
    const fresh = await start();
    expect((await fresh.index.info()).namespaces).toEqual({
      '': { vectorCount: 0, pendingVectorCount: 0 },
    });
    await s.index.upsert([
      { id: 'a', vector: [1, 0] },
      { id: 'b', vector: [0, 1] },
    ]);
    await s.index.namespace('ns').upsert({ id: 'c', vector: [1, 1] });
    const info = await s.index.info();
    expect(info).toMatchObject({
      vectorCount: 3,
      pendingVectorCount: 0,
      dimension: 2,
      similarityFunction: 'COSINE',
      denseIndex: { dimension: 2, similarityFunction: 'COSINE' },
    });
    expect(info.indexSize).toBeGreaterThan(0);
    expect(info.namespaces['']?.vectorCount).toBe(2);
    expect(info.namespaces.ns?.vectorCount).toBe(1);
  });

  it('lists and deletes namespaces, refusing unknown ones and the default one', async () => {
    const s = await start();
    await s.index.namespace('ns').upsert({ id: 'a', vector: [1, 0] });
    await s.index.namespace('other').upsert({ id: 'a', vector: [1, 0] });
    expect(new Set(await s.index.listNamespaces())).toEqual(new Set(['', 'ns', 'other']));
    expect(await s.index.deleteNamespace('ns')).toBe('Success');
    expect(await s.index.listNamespaces()).not.toContain('ns');
    const again = await rejection(s.index.deleteNamespace('ns'));
    expect(again.message).toBe('Namespace ns for the index local does not exist');
    expectJsonError(await raw(s.server.url, '/delete-namespace/ns'), 404);
    const def = await rejection(s.index.deleteNamespace(''));
    expect(def.name).toBe('UpstashError');
    expect(await s.index.listNamespaces()).toContain('');
  });
});

describe('metadata filters', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ dimension: 3 });
  });

  const fixture = [
    {
      id: 'c1',
      vector: [1, 0, 0],
      metadata: {
        name: 'Istanbul',
        population: 15460000,
        capital: false,
        geo: { continent: 'Asia', lat: 41.0082 },
        tags: ['historic', 'coastal', 'metro'],
        note: null,
      },
    },
    {
      id: 'c2',
      vector: [0, 1, 0],
      metadata: {
        name: 'Berlin',
        population: 3669495,
        capital: true,
        geo: { continent: 'Europe', lat: 52.52 },
        tags: ['historic', 'cultural', 'metro'],
      },
    },
    {
      id: 'c3',
      vector: [0, 0, 1],
      metadata: {
        name: 'San Francisco',
        population: 873965,
        capital: false,
        geo: { continent: 'North America', lat: 37.77 },
        tags: ['coastal', 'tech', 'metro'],
      },
    },
    {
      id: 'c4',
      vector: [1, 1, 1],
      metadata: {
        name: "Quote's Town",
        population: 0,
        capital: false,
        temp: -10,
        tags: ['nothing'],
        desc: 'has "quotes"',
      },
    },
  ];

  beforeEach(async () => {
    await s.index.reset({ all: true });
    await s.index.upsert(fixture);
  });

  it.each([
    ["name = 'Istanbul'", ['c1']],
    ["name != 'Berlin'", ['c1', 'c3', 'c4']],
    ["geo.continent != 'Asia'", ['c2', 'c3']],
    ['population > 1000000', ['c1', 'c2']],
    ['population <= 873965', ['c3', 'c4']],
    ["capital = false AND population > 100 OR name = 'Berlin'", ['c1', 'c2', 'c3']],
    ["capital = false AND (population > 100 OR name = 'Berlin')", ['c1', 'c3']],
    ['capital = true', ['c2']],
    ["tags CONTAINS 'tech'", ['c3']],
    ["tags NOT CONTAINS 'tech'", ['c1', 'c2', 'c4']],
    ["tags[0] = 'historic'", ['c1', 'c2']],
    ["tags[#-1] = 'metro'", ['c1', 'c2', 'c3']],
    ["geo.continent IN ('Asia', 'Europe')", ['c1', 'c2']],
    ["name NOT IN ('Berlin', 'Istanbul')", ['c3', 'c4']],
    ["name GLOB '*in'", ['c2']],
    ["name GLOB '?[se]*'", ['c1', 'c2']],
    ["name NOT GLOB '*bul'", ['c2', 'c3', 'c4']],
    ['HAS FIELD geo.lat', ['c1', 'c2', 'c3']],
    ['HAS NOT FIELD geo', ['c4']],
    ['HAS FIELD note', ['c1']],
    ['temp = -10', ['c4']],
    ['geo.lat = 41.0082', ['c1']],
    [`name = "Quote's Town"`, ['c4']],
    [`desc = 'has "quotes"'`, ['c4']],
    ['population > 1000000 and capital = TRUE', ['c2']],
    ["name = 'Nowhere'", []],
  ])('query with %s', async (filter, expected) => {
    const hits = await s.index.query({ vector: [1, 1, 1], topK: 10, filter });
    expect(hits.map((h) => h.id).sort()).toEqual(expected);
  });

  it('deletes by the same filter language', async () => {
    expect(await s.index.delete({ filter: 'capital = false' })).toEqual({ deleted: 3 });
    expect((await s.index.range({ cursor: 0, limit: 10 })).vectors.map((v) => v.id)).toEqual([
      'c2',
    ]);
  });

  it.each([
    'name =',
    "(name = 'x'",
    ".name = 'x'",
    "tags[] = 'x'",
    "tags[ = 'x'",
    "name = 'x' AND",
    "name == 'x'",
  ])('rejects the malformed filter %s', async (filter) => {
    const error = await rejection(s.index.query({ vector: [1, 0, 0], topK: 10, filter }));
    expect(error.name).toBe('UpstashError');
    expect(error.message).toMatch(/^Invalid filter/);
    const del = await rejection(s.index.delete({ filter }));
    expect(del.message).toMatch(/^Invalid filter/);
    expect((await s.index.info()).vectorCount).toBe(4);
  });
});

describe('robustness and binding', () => {
  it('keeps serving after malformed and oversized requests', async () => {
    const { server, index } = await start({ maxBodyBytes: 4096 });
    expectJsonError(await raw(server.url, '/upsert', null, { rawBody: 'not json' }), 400);
    expectJsonError(await raw(server.url, '/upsert', null, { rawBody: '\u0000\u0001' }), 400);
    const big = Array.from({ length: 400 }, (_, i) => ({ id: `big-${i}`, vector: [1, 1] }));
    expectJsonError(await raw(server.url, '/upsert', big), 413);
    expectJsonError(
      await raw(server.url, '/query', { vector: [1, 0], filter: '('.repeat(1000) }),
      400,
    );
    expect(await index.upsert({ id: 'after', vector: [1, 0] })).toBe('Success');
    expect((await index.info()).vectorCount).toBe(1);
  });

  it('binds to loopback only', async () => {
    const { server } = await start();
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    await expect(
      startVectorRestServer({ host: '0.0.0.0', port: 0, token: TOKEN, dimension: 2 }),
    ).rejects.toThrow(/loopback/);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (external !== undefined) {
      await expect(
        fetch(`http://${external.address}:${server.port}/info`, { method: 'POST', body: '[]' }),
      ).rejects.toThrow();
    }
  });

  it('serves the shared test index of the global setup (64-d COSINE)', async () => {
    const index = new Index({ url: TEST_URLS.vectorRest, token: TEST_TOKENS.vectorRest });
    const info = await index.info();
    expect(info).toMatchObject({ dimension: 64, similarityFunction: 'COSINE' });
  });
});

describe('persistence', () => {
  let dataDir: string;
  const dataDirs: string[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vector-conformance-'));
    dataDirs.push(dataDir);
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps vectors, metadata, data, positions and namespaces across a restart', async () => {
    const first = await start({ dimension: 3, dataDir });
    const records = Array.from({ length: 30 }, (_, i) => ({
      id: `r${i}`,
      vector: [i + 0.1, 1 / (i + 1), -i],
      metadata: { i, tags: [`t${i % 3}`] },
      data: `text ${i}`,
    }));
    await first.index.upsert(records);
    await first.index.delete(['r3', 'r4']);
    await first.index.update({
      id: 'r5',
      metadata: { patched: true },
      metadataUpdateMode: 'PATCH',
    });
    await first.index.namespace('other').upsert({ id: 'o', vector: [0.5, 0.25, 1] });
    await first.index.namespace('emptied').upsert({ id: 'e', vector: [1, 1, 1] });
    await first.index.reset({ namespace: 'emptied' });
    const all = { includeMetadata: true, includeVectors: true, includeData: true };
    const before = await first.index.range({ cursor: 0, limit: 100, ...all });
    const infoBefore = await first.index.info();
    await first.server.close();

    const second = await start({ dimension: 3, dataDir });
    expect(second.server.restoredVectors).toBe(29);
    expect(await second.index.range({ cursor: 0, limit: 100, ...all })).toEqual(before);
    expect(await second.index.info()).toEqual(infoBefore);
    expect((await second.index.fetch(['r5'], all))[0]?.metadata).toEqual({
      i: 5,
      tags: ['t2'],
      patched: true,
    });
    const [hit] = await second.index.query({ vector: records[7]?.vector as number[], topK: 1 });
    expect(hit).toEqual({ id: 'r7', score: 1 });
    // Writes after a restart continue the insertion positions.
    await second.index.upsert({ id: 'new', vector: [1, 2, 3] });
    const tail = await second.index.range({ cursor: 29, limit: 5 });
    expect(tail.vectors.map((v) => v.id)).toEqual(['r29', 'new']);
    await second.server.close();
  });

  it('saves debounced writes without a close, and survives a corrupted graph file', async () => {
    const first = await start({ dimension: 8, dataDir, persistDebounceMs: 20 });
    const data = randomVectors(500, 8, 51);
    await first.index.upsert(data.map((vector, i) => ({ id: `v${i}`, vector })));
    let files: string[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      files = await readdir(dataDir);
      if (files.includes('vectors.snapshot') && files.some((f) => f.endsWith('.usearch'))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(files).toContain('vectors.snapshot');
    const graph = files.find((f) => f.endsWith('.usearch'));
    expect(graph).toBeDefined();
    await first.server.close();

    // Bytes usearch did not write must not reach it (it would crash); the index is rebuilt instead.
    await writeFile(join(dataDir, graph as string), 'garbage');
    const second = await start({ dimension: 8, dataDir });
    expect(second.server.restoredVectors).toBe(500);
    const [hit] = await second.index.query({ vector: data[123] as number[], topK: 1 });
    expect(hit?.id).toBe('v123');
    await second.server.close();
  });

  it('refuses to start on a snapshot of another dimension instead of losing it', async () => {
    const first = await start({ dimension: 3, dataDir });
    await first.index.upsert({ id: 'a', vector: [1, 2, 3] });
    await first.server.close();
    await expect(
      startVectorRestServer({ port: 0, token: TOKEN, dimension: 4, dataDir }),
    ).rejects.toThrow(/dimension 3/);
    const again = await start({ dimension: 3, dataDir });
    expect(await again.index.fetch(['a'], { includeVectors: true })).toEqual([
      { id: 'a', vector: [1, 2, 3] },
    ]);
  });
});
