/** Item-to-item neighbour lists: cosine of item factors (ALS) or the rows of EASE's B matrix. */
import { selectTopK } from './top-k';

/** Neighbours of one item index: item indices and similarities, best first. */
export interface NeighbourList {
  items: Int32Array;
  scores: Float64Array;
}

/** Computes a neighbour list on demand (lists are written once by the batch, so nothing is cached). */
export type NeighbourFinder = (item: number) => NeighbourList;

/**
 * Cosine similarity of item factor rows: the same geometry the ANN index serves, so "similar
 * items" agrees with vector search. Items with zero vectors get no neighbours.
 */
export function cosineNeighbours(
  itemFactors: Float32Array,
  items: number,
  dims: number,
  k: number,
): NeighbourFinder {
  const unit = new Float32Array(items * dims);
  for (let i = 0; i < items; i++) {
    let norm = 0;
    for (let a = 0; a < dims; a++) norm += itemFactors[i * dims + a]! ** 2;
    if (norm === 0) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let a = 0; a < dims; a++) unit[i * dims + a] = itemFactors[i * dims + a]! * inv;
  }
  const sims = new Float64Array(items);
  return (item) => {
    const o = item * dims;
    let zero = true;
    for (let a = 0; a < dims && zero; a++) zero = unit[o + a] === 0;
    if (zero) return { items: new Int32Array(0), scores: new Float64Array(0) };
    for (let j = 0; j < items; j++) {
      const jo = j * dims;
      // Four accumulators: this O(items² · dims) loop dominates for large catalogues.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let a = 0;
      for (; a + 3 < dims; a += 4) {
        s0 += unit[o + a]! * unit[jo + a]!;
        s1 += unit[o + a + 1]! * unit[jo + a + 1]!;
        s2 += unit[o + a + 2]! * unit[jo + a + 2]!;
        s3 += unit[o + a + 3]! * unit[jo + a + 3]!;
      }
      for (; a < dims; a++) s0 += unit[o + a]! * unit[jo + a]!;
      const s = s0 + s1 + s2 + s3;
      // Only positive similarities count as neighbours.
      sims[j] = s > 0 ? s : -Infinity;
    }
    sims[item] = -Infinity;
    return topOf(sims, items, k);
  };
}

/**
 * Neighbours from a dense items × items weight matrix (EASE's B, Steck 2019): row i holds how
 * much an interaction with item i raises each other item's score, which is exactly what the
 * session source asks ("users who just took i").
 */
export function matrixRowNeighbours(b: Float64Array, items: number, k: number): NeighbourFinder {
  const row = new Float64Array(items);
  return (item) => {
    row.set(b.subarray(item * items, (item + 1) * items));
    row[item] = -Infinity;
    // Non-positive weights are not neighbours.
    for (let j = 0; j < items; j++) if (!(row[j]! > 0)) row[j] = -Infinity;
    return topOf(row, items, k);
  };
}

function topOf(scores: Float64Array, n: number, k: number): NeighbourList {
  const idx = new Int32Array(k);
  const sc = new Float64Array(k);
  const count = selectTopK(scores, n, k, idx, sc);
  return { items: idx.slice(0, count), scores: sc.slice(0, count) };
}
