/**
 * Recall measurement of the ANN server: seeded random vectors, exact brute-force top-k with the
 * same score formulas, and recall@k. Shared by the conformance test and `measure-recall.ts`.
 */
import { createRng } from '../../shared/training/random';
import { exactScorer, norm } from './similarity';
import type { SimilarityFunction } from './similarity';

/** `count` vectors of `dimension` standard-normal values, fully determined by `seed`. */
export function randomVectors(count: number, dimension: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: dimension }, () => rng.normal()));
}

/** Indices of the `k` best vectors of `data` for `query`, best first (ties: lower index first). */
export function bruteForceTopK(
  data: number[][],
  query: number[],
  k: number,
  similarity: SimilarityFunction,
): number[] {
  const q = Float64Array.from(query);
  const score = exactScorer(similarity, { values: q, norm: norm(q) });
  return data
    .map((v, i) => {
      const values = Float64Array.from(v);
      return { i, s: score({ values, norm: norm(values) }) };
    })
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k)
    .map((e) => e.i);
}

/** Mean over queries of |found ∩ exact| / |exact|. */
export function recallAtK(found: string[][], exact: string[][]): number {
  let sum = 0;
  exact.forEach((truth, q) => {
    const got = new Set(found[q] ?? []);
    sum += truth.length === 0 ? 1 : truth.filter((id) => got.has(id)).length / truth.length;
  });
  return exact.length === 0 ? 1 : sum / exact.length;
}

/** The median of `values` (0 for none). */
export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** The `q`-quantile of `values` by linear interpolation (0 for none). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
