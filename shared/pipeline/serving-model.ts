/**
 * What the edge keeps in the isolate per served version: the manifest, the item factors, an
 * id → row index, the popularity ranking, per-category centroids (provisional vectors of new items)
 * and the version's scoring function. Built once per version, pure.
 */
import type { ItemFacts, ModelManifest, ScoredItem } from '../domain/artefacts';

/** Maps a feature vector to a score (the version's scorer, see shared/training/scorer.ts). */
export type ScoreFunction = (features: Float64Array) => number;

export interface ServingModel {
  version: string;
  manifest: ModelManifest;
  dims: number;
  /** Row-major `itemIds.length × dims`. */
  factors: Float32Array;
  rowOf: ReadonlyMap<string, number>;
  /** Every item by popularity, highest first (the last-resort source). */
  popular: ScoredItem[];
  /** Mean item vector per category, and over all items. */
  centroids: ReadonlyMap<string, Float32Array>;
  globalMean: Float32Array;
  /** Mean L2 norm of the item vectors (scale for bounds). */
  meanItemNorm: number;
  score: ScoreFunction;
}

/** Builds the serving model; throws a RangeError when the factors do not match the manifest. */
export function buildServingModel(
  manifest: ModelManifest,
  factors: Float32Array,
  score: ScoreFunction,
): ServingModel {
  const { dims, itemIds } = manifest;
  if (factors.length !== itemIds.length * dims) {
    throw new RangeError(
      `item factors hold ${factors.length} values, expected ${itemIds.length} × ${dims}`,
    );
  }
  const rowOf = new Map<string, number>();
  itemIds.forEach((id, row) => rowOf.set(id, row));
  const popular = itemIds
    .map((itemId, row) => ({ itemId, score: manifest.items[row]?.popularity ?? 0 }))
    .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));

  const sums = new Map<string, { sum: Float64Array; n: number }>();
  const global = new Float64Array(dims);
  let normSum = 0;
  for (let row = 0; row < itemIds.length; row++) {
    const facts: ItemFacts | undefined = manifest.items[row];
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const v = factors[row * dims + d]!;
      global[d]! += v;
      norm += v * v;
    }
    normSum += Math.sqrt(norm);
    for (const category of facts?.categories ?? []) {
      let entry = sums.get(category);
      if (!entry) sums.set(category, (entry = { sum: new Float64Array(dims), n: 0 }));
      entry.n++;
      for (let d = 0; d < dims; d++) entry.sum[d]! += factors[row * dims + d]!;
    }
  }
  const centroids = new Map<string, Float32Array>();
  for (const [category, { sum, n }] of sums) centroids.set(category, scaled(sum, 1 / n));
  const n = Math.max(1, itemIds.length);
  return {
    version: manifest.version,
    manifest,
    dims,
    factors,
    rowOf,
    popular,
    centroids,
    globalMean: scaled(global, 1 / n),
    meanItemNorm: normSum / n,
    score,
  };
}

/**
 * The provisional vector of an item the batch has not seen: the mean of its categories' centroids
 * (items of a category cluster in ALS space), or the global mean when none is known.
 */
export function provisionalVector(
  model: ServingModel,
  categories: readonly string[],
): Float32Array {
  // Most items carry one category: that vector is kept per model, as fresh items are proposed to
  // every request and each would otherwise build the same vector again. Shared, like globalMean:
  // read it, never write it.
  if (categories.length === 1) {
    let byCategory = SINGLE_CATEGORY.get(model);
    if (!byCategory) SINGLE_CATEGORY.set(model, (byCategory = new Map()));
    let vector = byCategory.get(categories[0]!);
    if (!vector) byCategory.set(categories[0]!, (vector = averageOfCentroids(model, categories)));
    return vector;
  }
  return averageOfCentroids(model, categories);
}

/** Provisional vectors of single-category items, per model (dropped with the model). */
const SINGLE_CATEGORY = new WeakMap<ServingModel, Map<string, Float32Array>>();

function averageOfCentroids(model: ServingModel, categories: readonly string[]): Float32Array {
  const known = categories.map((c) => model.centroids.get(c)).filter((v) => v !== undefined);
  if (known.length === 0) return model.globalMean;
  const out = new Float32Array(model.dims);
  for (const v of known) for (let d = 0; d < model.dims; d++) out[d]! += v[d]! / known.length;
  return out;
}

/** Dot product of a user vector with row `row` of the factors. */
export function dotRow(model: ServingModel, user: ArrayLike<number>, row: number): number {
  let s = 0;
  const base = row * model.dims;
  for (let d = 0; d < model.dims; d++) s += user[d]! * model.factors[base + d]!;
  return s;
}

function scaled(v: Float64Array, s: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * s;
  return out;
}
