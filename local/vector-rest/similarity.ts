/**
 * The three similarity functions of Upstash Vector and their scores normalised to 0…1
 * (docs/upstash-vector-rest.md §6, after Upstash's "Vector Similarity Functions" page).
 */

export const SIMILARITY_FUNCTIONS = ['COSINE', 'EUCLIDEAN', 'DOT_PRODUCT'] as const;
export type SimilarityFunction = (typeof SIMILARITY_FUNCTIONS)[number];

/** A stored vector with its Euclidean norm precomputed (cosine needs it on every comparison). */
export interface NormedVector {
  values: Float64Array;
  norm: number;
}

/** Euclidean norm, in float64. */
export function norm(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] as number) ** 2;
  return Math.sqrt(sum);
}

/**
 * Returns a function scoring stored vectors against `query` exactly, in float64:
 * COSINE `(1 + cos) / 2`, EUCLIDEAN `1 / (1 + ‖a − b‖²)` (squared distance), DOT_PRODUCT
 * `(1 + a·b) / 2`. Cosine is clamped to [-1, 1] so rounding error cannot push a score past 1.
 */
export function exactScorer(
  similarity: SimilarityFunction,
  query: NormedVector,
): (stored: NormedVector) => number {
  const q = query.values;
  const dim = q.length;
  switch (similarity) {
    case 'COSINE':
      return (stored) => {
        const v = stored.values;
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += (q[i] as number) * (v[i] as number);
        const cos = Math.min(1, Math.max(-1, dot / (query.norm * stored.norm)));
        return (1 + cos) / 2;
      };
    case 'EUCLIDEAN':
      return (stored) => {
        const v = stored.values;
        let sq = 0;
        for (let i = 0; i < dim; i++) sq += ((q[i] as number) - (v[i] as number)) ** 2;
        return 1 / (1 + sq);
      };
    case 'DOT_PRODUCT':
      return (stored) => {
        const v = stored.values;
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += (q[i] as number) * (v[i] as number);
        return (1 + dot) / 2;
      };
  }
}

/**
 * The score sent on the wire: rounded to float32, as upstream's 8-significant-digit scores
 * suggest. This also makes a vector queried against itself score exactly 1 where float64
 * yields 0.9999999999999998 (§6, numerical advice).
 */
export function wireScore(score: number): number {
  return Math.fround(score);
}
