/** The binary snapshot format of the local vector server. */
import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, SnapshotFormatError } from './snapshot';
import { VectorStore } from './vector-store';

describe('snapshot', () => {
  it('round-trips records, positions, metadata, data and exact float64 values', () => {
    const store = new VectorStore({ dimension: 3, similarity: 'EUCLIDEAN' });
    store.getOrCreate('').upsert([
      { id: 'a', values: Float64Array.from([0.1, 0.2, 0.3]), metadata: { k: [1, { n: null }] } },
      { id: 'b', values: Float64Array.from([1, 2, 3]), data: 'text' },
    ]);
    store.getOrCreate('f32').upsert([{ id: 'x', values: Float64Array.from([0.5, -2, 8]) }]);
    store.getOrCreate('empty');
    store.getOrCreate('').delete(['a']);
    store
      .getOrCreate('')
      .upsert([
        { id: 'a', values: Float64Array.from([0.1, 0.2, 0.3]), metadata: { k: [1, { n: null }] } },
      ]);

    const decoded = decodeSnapshot(
      encodeSnapshot(store, new Map([['', { file: 'hnsw-x-0.usearch', sha256: 'ab' }]])),
    );
    expect(decoded.dimension).toBe(3);
    expect(decoded.similarity).toBe('EUCLIDEAN');
    const [main, f32, empty] = decoded.namespaces;
    expect(main?.records.map((r) => [r.id, Array.from(r.values), r.metadata, r.data])).toEqual([
      ['b', [1, 2, 3], undefined, 'text'],
      ['a', [0.1, 0.2, 0.3], { k: [1, { n: null }] }, undefined],
    ]);
    expect(main?.seqs).toEqual([1, 2]);
    expect(main?.nextSeq).toBe(3);
    expect(main?.graph).toEqual({ file: 'hnsw-x-0.usearch', sha256: 'ab', slots: [1, 2] });
    expect(f32?.records[0]?.values).toEqual(Float64Array.from([0.5, -2, 8]));
    expect(f32?.graph).toBeUndefined();
    expect(empty).toMatchObject({ name: 'empty', records: [] });
  });

  it('stores float32-exact namespaces at half the size', () => {
    const make = (x: number) => {
      const store = new VectorStore({ dimension: 64, similarity: 'COSINE' });
      store.getOrCreate('').upsert(
        Array.from({ length: 100 }, (_, i) => ({
          id: String(i),
          values: Float64Array.from({ length: 64 }, (_, j) => i + j + x),
        })),
      );
      return encodeSnapshot(store).length;
    };
    const exact = make(0.5);
    const inexact = make(0.1);
    expect(inexact - exact).toBe(100 * 64 * 4);
  });

  it('rejects bytes that are not a complete snapshot', () => {
    const store = new VectorStore({ dimension: 2, similarity: 'COSINE' });
    store.getOrCreate('').upsert([{ id: 'a', values: Float64Array.from([0.1, 0.7]) }]);
    const bytes = encodeSnapshot(store);
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow(SnapshotFormatError);
    expect(() => decodeSnapshot(Buffer.from('hello world'))).toThrow(SnapshotFormatError);
    expect(() => decodeSnapshot(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(
      SnapshotFormatError,
    );
  });
});
