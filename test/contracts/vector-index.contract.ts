/**
 * The contract every `VectorIndex` implementation passes (shared/ports/vector-index.ts): one
 * suite, run by each implementation's test file with its own factory, like hono's router tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ItemVectorMetadata,
  VectorIndex,
  VectorRecord,
} from '../../shared/ports/vector-index';
import { createRng } from '../../shared/training/random';

export interface VectorIndexContractOptions {
  /** Dimension of the index under test. */
  dimension: number;
  /** Builds the implementation under test (called once per suite). */
  makeIndex: () => VectorIndex | Promise<VectorIndex>;
  /** Records written in one `upsert` call to exercise batching (default 1,100). */
  bulkSize?: number;
}

/** Registers the contract suite under `name`. */
export function runVectorIndexContract(name: string, options: VectorIndexContractOptions): void {
  const { dimension } = options;
  const bulkSize = options.bulkSize ?? 1100;
  // A run-unique prefix: the index may be shared with other test files running at the same time.
  const run = `contract-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const ns = (suffix: string) => `${run}-${suffix}`;
  const used = new Set<string>();
  const rng = createRng(20240611);
  const randomVector = () => Array.from({ length: dimension }, () => rng.normal());
  const meta = (categories: string[], popularity: number): ItemVectorMetadata => ({
    categories,
    createdAt: 1_700_000_000_000 + popularity,
    popularity,
  });

  describe(`VectorIndex contract: ${name}`, () => {
    let index: VectorIndex;
    const namespace = (suffix: string) => {
      const full = ns(suffix);
      used.add(full);
      return full;
    };

    beforeAll(async () => {
      index = await options.makeIndex();
    });

    afterAll(async () => {
      for (const full of used) await index.dropNamespace(full);
    });

    it('upserts and fetches records in the order asked, with null for missing ids', async () => {
      const target = namespace('fetch');
      const records: VectorRecord[] = [
        { id: 'a', vector: randomVector(), metadata: meta(['drama'], 3) },
        { id: 'b', vector: randomVector() },
      ];
      await index.upsert(target, records);
      const fetched = await index.fetch(target, ['b', 'missing', 'a']);
      expect(fetched).toHaveLength(3);
      expect(fetched[0]?.id).toBe('b');
      expect(fetched[0]?.metadata).toBeUndefined();
      expect(fetched[1]).toBeNull();
      expect(fetched[2]?.metadata).toEqual(records[0]?.metadata);
      fetched[0]?.vector.forEach((x, i) => expect(x).toBeCloseTo(records[1]?.vector[i] ?? NaN, 6));
      expect(await index.fetch(target, [])).toEqual([]);
    });

    it('upserts more records than one request carries and counts them', async () => {
      const target = namespace('bulk');
      const records = Array.from({ length: bulkSize }, (_, i) => ({
        id: `bulk-${i}`,
        vector: randomVector(),
        metadata: meta([`c${i % 5}`], i),
      }));
      await index.upsert(target, records);
      expect(await index.count(target)).toBe(bulkSize);
      const [last] = await index.fetch(target, [`bulk-${bulkSize - 1}`]);
      expect(last?.metadata?.popularity).toBe(bulkSize - 1);
    });

    it('queries best first, finds a stored vector first, and honours topK', async () => {
      const target = namespace('query');
      const records = Array.from({ length: 40 }, (_, i) => ({
        id: `q-${i}`,
        vector: randomVector(),
        metadata: meta(i % 2 === 0 ? ['drama'] : ['comedy'], i),
      }));
      await index.upsert(target, records);
      const probe = records[17] as VectorRecord;
      const hits = await index.query(target, { vector: probe.vector, topK: 5 });
      expect(hits).toHaveLength(5);
      expect(hits[0]?.id).toBe('q-17');
      expect(hits[0]?.score).toBeCloseTo(1, 5);
      const scores = hits.map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(hits[0]?.metadata).toBeUndefined();
      const withMeta = await index.query(target, {
        vector: probe.vector,
        topK: 1,
        includeMetadata: true,
      });
      expect(withMeta[0]?.metadata).toEqual(probe.metadata);
    });

    it('filters queries with the Upstash filter language', async () => {
      const target = namespace('filter');
      const records = Array.from({ length: 30 }, (_, i) => ({
        id: `f-${i}`,
        vector: randomVector(),
        metadata: {
          ...meta(i % 3 === 0 ? ['drama', 'war'] : ['comedy'], i),
          ...(i === 4 ? { provisional: true } : {}),
        },
      }));
      await index.upsert(target, records);
      const vector = randomVector();
      const drama = await index.query(target, {
        vector,
        topK: 30,
        filter: "categories CONTAINS 'drama'",
        includeMetadata: true,
      });
      expect(drama.map((h) => h.id).sort()).toEqual(
        records
          .filter((_, i) => i % 3 === 0)
          .map((r) => r.id)
          .sort(),
      );
      const popular = await index.query(target, {
        vector,
        topK: 30,
        filter: "popularity >= 25 AND categories CONTAINS 'comedy'",
      });
      expect(popular.map((h) => h.id).sort()).toEqual(['f-25', 'f-26', 'f-28', 'f-29']);
      const provisional = await index.query(target, {
        vector,
        topK: 30,
        filter: 'provisional = true',
      });
      expect(provisional.map((h) => h.id)).toEqual(['f-4']);
      expect(
        await index.query(target, { vector, topK: 5, filter: "categories CONTAINS 'none'" }),
      ).toEqual([]);
    });

    it('replaces a record on re-upsert', async () => {
      const target = namespace('replace');
      const vector = randomVector();
      await index.upsert(target, [{ id: 'r', vector, metadata: meta(['old'], 1) }]);
      await index.upsert(target, [{ id: 'r', vector, metadata: meta(['new'], 2) }]);
      const [record] = await index.fetch(target, ['r']);
      expect(record?.metadata?.categories).toEqual(['new']);
      expect(await index.count(target)).toBe(1);
    });

    it('deletes records, counting only those that existed, and stops returning them', async () => {
      const target = namespace('delete');
      const records = Array.from({ length: 10 }, (_, i) => ({
        id: `d-${i}`,
        vector: randomVector(),
      }));
      await index.upsert(target, records);
      expect(await index.delete(target, ['d-1', 'd-2', 'nope'])).toBe(2);
      expect(await index.delete(target, ['d-1'])).toBe(0);
      expect(await index.delete(target, [])).toBe(0);
      expect(await index.count(target)).toBe(8);
      expect(await index.fetch(target, ['d-1'])).toEqual([null]);
      const hits = await index.query(target, { vector: records[1]?.vector ?? [], topK: 10 });
      expect(hits.map((h) => h.id)).not.toContain('d-1');
    });

    it('keeps namespaces apart and drops one idempotently', async () => {
      const one = namespace('one');
      const two = namespace('two');
      const vector = randomVector();
      await index.upsert(one, [{ id: 'x', vector }]);
      await index.upsert(two, [{ id: 'y', vector }]);
      expect((await index.query(one, { vector, topK: 5 })).map((h) => h.id)).toEqual(['x']);
      await index.dropNamespace(one);
      expect(await index.count(one)).toBe(0);
      expect(await index.query(one, { vector, topK: 5 })).toEqual([]);
      expect(await index.fetch(one, ['x'])).toEqual([null]);
      expect(await index.count(two)).toBe(1);
      await index.dropNamespace(one);
      await index.dropNamespace(ns('never-created'));
    });

    it('treats an unknown namespace as empty', async () => {
      const unknown = ns('unknown');
      expect(await index.count(unknown)).toBe(0);
      expect(await index.query(unknown, { vector: randomVector(), topK: 3 })).toEqual([]);
      expect(await index.delete(unknown, ['a'])).toBe(0);
    });

    it('rejects a vector of the wrong dimension and an invalid filter', async () => {
      const target = namespace('errors');
      await expect(
        index.upsert(target, [{ id: 'bad', vector: [1, 2, 3].slice(0, dimension - 1) }]),
      ).rejects.toThrow(/dimension/);
      await index.upsert(target, [{ id: 'ok', vector: randomVector() }]);
      await expect(
        index.query(target, { vector: randomVector(), topK: 1, filter: 'categories CONTAINS' }),
      ).rejects.toThrow(/filter/i);
    });
  });
}
