/** One namespace of the local vector server: ANN vs exact paths, deletions, updates, range order. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFilter } from './filter';
import type { FilterPredicate } from './filter';
import { DEFAULT_ANN_OPTIONS, NamespaceIndex } from './namespace-index';
import type { RecordInput } from './namespace-index';
import { bruteForceTopK, randomVectors } from './recall';
import { norm } from './similarity';

const DIM = 16;

function input(id: string, vector: number[], metadata?: Record<string, unknown>): RecordInput {
  const rec: RecordInput = { id, values: Float64Array.from(vector) };
  if (metadata !== undefined) rec.metadata = metadata;
  return rec;
}

function q(vector: number[]) {
  const values = Float64Array.from(vector);
  return { values, norm: norm(values) };
}

function filter(text: string): FilterPredicate {
  const predicate = compileFilter(text);
  if (predicate === undefined) throw new Error('empty filter');
  return predicate;
}

/** ANN everywhere: these namespaces are small enough that the defaults would scan them. */
const ANN_ONLY = { ...DEFAULT_ANN_OPTIONS, exactScanMax: 0 };

function populated(count: number, seed = 7) {
  const data = randomVectors(count, DIM, seed);
  const ns = new NamespaceIndex(DIM, 'COSINE', ANN_ONLY);
  ns.upsert(data.map((v, i) => input(`id-${i}`, v, { bucket: i % 100, even: i % 2 === 0 })));
  return { ns, data };
}

describe('NamespaceIndex', () => {
  it('keeps the range position of a replaced record and gives a re-inserted one a new position', () => {
    const ns = new NamespaceIndex(2, 'COSINE');
    ns.upsert(['a', 'b', 'c'].map((id, i) => input(id, [1, i])));
    ns.upsert([input('a', [0, 1], { x: 1 })]);
    expect([...ns.inOrder()].map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(ns.get('a')?.metadata).toEqual({ x: 1 });
    ns.delete(['b']);
    ns.upsert([input('b', [1, 1])]);
    expect([...ns.inOrder()].map((r) => [r.id, r.seq])).toEqual([
      ['a', 0],
      ['c', 2],
      ['b', 3],
    ]);
  });

  it('pages by position and never returns a cursor that leads to an empty page', () => {
    const ns = new NamespaceIndex(2, 'COSINE');
    ns.upsert(['p1', 'x', 'p2', 'p3', 'p4'].map((id) => input(id, [1, 1])));
    const first = ns.range(0, 2, 'p');
    expect(first.records.map((r) => r.id)).toEqual(['p1', 'p2']);
    expect(first.next).toBe(3);
    const second = ns.range(first.next as number, 2, 'p');
    expect(second.records.map((r) => r.id)).toEqual(['p3', 'p4']);
    expect(second.next).toBeUndefined();
    ns.reset();
    ns.upsert([input('z', [1, 0])]);
    expect(ns.range(0, 5).records.map((r) => r.seq)).toEqual([0]);
  });

  it('finds the exact top 10 for most queries through the ANN path', () => {
    const { ns, data } = populated(3000);
    const queries = randomVectors(30, DIM, 99);
    let hits = 0;
    for (const query of queries) {
      const exact = new Set(bruteForceTopK(data, query, 10, 'COSINE').map((i) => `id-${i}`));
      for (const hit of ns.query(q(query), 10)) if (exact.has(hit.record.id)) hits++;
    }
    expect(hits / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('answers a small namespace exactly, for every similarity, with its changes seen at once', () => {
    const data = randomVectors(600, DIM, 11);
    const queries = randomVectors(10, DIM, 12);
    for (const similarity of ['COSINE', 'EUCLIDEAN', 'DOT_PRODUCT'] as const) {
      const ns = new NamespaceIndex(DIM, similarity);
      ns.upsert(data.map((v, i) => input(`id-${i}`, v)));
      for (const query of queries) {
        const ids = ns.query(q(query), 10).map((h) => h.record.id);
        expect(ids).toEqual(bruteForceTopK(data, query, 10, similarity).map((i) => `id-${i}`));
      }
      // The best record of the first query, moved away and then deleted: not found again.
      const [best] = ns.query(q(queries[0]!), 1);
      ns.update(best!.record.id, {
        values: Float64Array.from(queries[0]!.map((x) => -x)),
        metadataMode: 'OVERWRITE',
      });
      expect(ns.query(q(queries[0]!), 10).map((h) => h.record.id)).not.toContain(best!.record.id);
      ns.delete([best!.record.id]);
      expect(ns.query(q(queries[0]!), 600).map((h) => h.record.id)).not.toContain(best!.record.id);
    }
  });

  it('breaks ties of an exact scan by position even when more records tie than it shortlists', () => {
    const ns = new NamespaceIndex(DIM, 'COSINE');
    const same = Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0));
    const other = randomVectors(200, DIM, 5);
    // 30 equal vectors after 200 others: the top 10 are the first 10 of them by position.
    ns.upsert([
      ...other.map((v, i) => input(`o-${i}`, v)),
      ...Array.from({ length: 30 }, (_, i) => input(`same-${i}`, same)),
    ]);
    const ids = ns.query(q(same), 10).map((h) => h.record.id);
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `same-${i}`));
  });

  it('answers a selective filter exactly and a broad one with topK matching hits', () => {
    const { ns, data } = populated(3000);
    const [query] = randomVectors(1, DIM, 5) as [number[]];
    const inBucket = data.map((_, i) => i).filter((i) => i % 100 === 42);
    const exact = bruteForceTopK(
      inBucket.map((i) => data[i] as number[]),
      query,
      10,
      'COSINE',
    ).map((j) => `id-${inBucket[j]}`);
    expect(ns.query(q(query), 10, filter('bucket = 42')).map((h) => h.record.id)).toEqual(exact);

    const broad = ns.query(q(query), 50, filter('even = true'));
    expect(broad).toHaveLength(50);
    expect(broad.every((h) => h.record.metadata?.even === true)).toBe(true);
    expect(ns.query(q(query), 10, filter('bucket = 1000'))).toEqual([]);
  });

  it('never returns deleted records and finds updated vectors at their new place', () => {
    const { ns, data } = populated(2000);
    const target = data[17] as number[];
    expect(ns.query(q(target), 1)[0]?.record.id).toBe('id-17');
    ns.delete(['id-17']);
    expect(ns.query(q(target), 50).some((h) => h.record.id === 'id-17')).toBe(false);
    ns.update('id-18', { values: Float64Array.from(target), metadataMode: 'OVERWRITE' });
    const top = ns.query(q(target), 1)[0];
    expect(top?.record.id).toBe('id-18');
    expect(top?.score).toBeCloseTo(1, 12);
  });

  it('rebuilds the graph after heavy deletion and keeps answering from live records only', () => {
    const { ns, data } = populated(3000);
    const doomed = Array.from({ length: 2500 }, (_, i) => `id-${i}`);
    expect(ns.delete(doomed)).toBe(2500);
    expect(ns.size).toBe(500);
    const survivors = data.slice(2500);
    for (const query of randomVectors(5, DIM, 11)) {
      const exact = bruteForceTopK(survivors, query, 10, 'COSINE').map((i) => `id-${i + 2500}`);
      const got = ns.query(q(query), 10).map((h) => h.record.id);
      expect(got.every((id) => Number(id.slice(3)) >= 2500)).toBe(true);
      expect(got.filter((id) => exact.includes(id)).length).toBeGreaterThanOrEqual(9);
    }
  });

  it('merges metadata with PATCH and replaces it with OVERWRITE', () => {
    const ns = new NamespaceIndex(2, 'COSINE');
    ns.upsert([input('a', [1, 0], { x: 1, y: 1, keep: { a: 1, b: 2 } })]);
    ns.update('a', { metadata: { x: null, y: 2, keep: { b: null } }, metadataMode: 'PATCH' });
    expect(ns.get('a')?.metadata).toEqual({ y: 2, keep: { a: 1 } });
    ns.update('a', { metadata: { only: true }, metadataMode: 'OVERWRITE' });
    expect(ns.get('a')?.metadata).toEqual({ only: true });
    expect(ns.update('missing', { data: 'x', metadataMode: 'OVERWRITE' })).toBe(false);
  });

  it('restores from a saved graph, and rebuilds when the graph does not match the records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ns-index-test-'));
    try {
      const { ns, data } = populated(1500);
      ns.delete(['id-3']);
      const graphPath = join(dir, 'g.usearch');
      expect(ns.saveGraph(graphPath)).toBe(true);
      const records = [...ns.inOrder()];
      const inputs = records.map((r) => input(r.id, Array.from(r.values), r.metadata));
      const saved = { path: graphPath, slots: records.map((r) => r.slot) };
      const seqs = records.map((r) => r.seq);

      const restored = new NamespaceIndex(DIM, 'COSINE', ANN_ONLY);
      expect(restored.restore(inputs, seqs, ns.sequence, saved)).toBe(true);
      const query = q(data[10] as number[]);
      expect(restored.query(query, 5).map((h) => h.record.id)).toEqual(
        ns.query(query, 5).map((h) => h.record.id),
      );

      // A graph of other records (usearch itself would crash on bytes it did not write, which
      // the persister prevents with a digest).
      expect(populated(100, 3).ns.saveGraph(graphPath)).toBe(true);
      const rebuilt = new NamespaceIndex(DIM, 'COSINE', ANN_ONLY);
      expect(rebuilt.restore(inputs, seqs, ns.sequence, saved)).toBe(false);
      expect(rebuilt.query(query, 1)[0]?.record.id).toBe('id-10');
      expect(rebuilt.size).toBe(1499);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
