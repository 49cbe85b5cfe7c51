/** Sampling an index in proportion to fixed weights (inverse transform over the cumulative sums). */

/** Draws index i with probability weights[i] / Σweights from a uniform number u in [0, 1). */
export type WeightedSampler = (u: number) => number;

/**
 * Builds a sampler over `weights` (non-negative, not all zero). Binary search over the cumulative
 * sums: O(log n) per draw, which is plenty for a few thousand items and keeps the code obvious.
 */
export function createWeightedSampler(weights: readonly number[]): WeightedSampler {
  if (weights.length === 0) throw new RangeError('a weighted sampler needs at least one weight');
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => {
    if (!(w >= 0) || !Number.isFinite(w))
      throw new RangeError(`weight ${i} is not a finite >= 0 number`);
    total += w;
    cumulative[i] = total;
  });
  if (total <= 0) throw new RangeError('a weighted sampler needs a positive total weight');
  return (u: number) => {
    const target = u * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/**
 * Zipf weights 1 / rank^s for ranks 1..n: the classic model of popularity in catalogues
 * (a few items take most of the traffic, a long tail takes the rest).
 */
export function zipfWeights(n: number, exponent: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, exponent));
}
