/**
 * Builds the scorer's training set from the validation slice: for each validation user, the pool
 * of a cache hit (cache-hit-pool.ts: the base model's top-N fitted on the slice's fitting part,
 * neighbours of recent items, trending items), the facts serving would compute for them
 * (candidate-facts.ts, candidates outside the top-N on its scale), and label 1 when the candidate
 * is among the user's held-out items.
 */
import type { BaseScoreCalibration, ItemFacts, ScoredItem } from '../domain/artefacts';
import { buildFeatures, FEATURE_COUNT } from '../domain/features';
import { DEFAULT_SOURCE_LIMITS } from '../pipeline/recommend';
import { maskSeen, type BaseModel } from './base-model';
import { cacheHitPool, cacheHitPoolCapacity, trendingList } from './cache-hit-pool';
import {
  categoryShares,
  pooledCandidateFacts,
  RECENT_ITEMS_FOR_ITEM_ITEM,
  type Candidate,
} from './candidate-facts';
import type { NeighbourFinder, NeighbourList } from './neighbours';
import type { ScorerDataset } from './scorer';
import type { Csr } from './sparse';
import { selectTopK } from './top-k';

export interface ScorerDataInput {
  /** Base model fitted on the validation slice's fitting part. */
  model: BaseModel;
  /** ALS fitted on the same part (dot products of candidates outside the top-N)... */
  als: BaseModel;
  /** ...and the map of those onto `model`'s scale. */
  calibration: BaseScoreCalibration;
  /** Time-decayed popularity of the fitting part, by item index (the trending source). */
  trending: Float64Array;
  /** The fitting part by user (seen items, recency by timestamp, category history). */
  fit: Csr;
  relevant: Map<number, Set<number>>;
  /** Users to include (validation users), in a deterministic order. */
  users: readonly number[];
  /** Neighbours of the fitted model, by item index. */
  neighbours: NeighbourFinder;
  itemIds: readonly string[];
  /** Catalogue facts by item index (popularity is replaced by `popularity`). */
  items: readonly (ItemFacts | undefined)[];
  /** Popularity of the fitting part, by item index (what serving's manifest would hold). */
  popularity: Float64Array;
  /** "Now" of the training data (latest interaction), for item ages. */
  now: number;
  topN: number;
}

/** Rows one user may contribute (top-N, session and trending limits). */
export function scorerRowsPerUser(topN: number): number {
  return cacheHitPoolCapacity({ ...DEFAULT_SOURCE_LIMITS, topN });
}

/**
 * Candidate lists, features and labels of `input.users` (each user one group). A group's rows are
 * in base-score order: the top-N in rank order, then the other candidates, whose scores are capped
 * at the list's last score, best first.
 */
export function buildScorerDataset(input: ScorerDataInput): ScorerDataset {
  const { model, fit, itemIds, topN } = input;
  const nItems = model.items;
  const factsById = new Map<string, ItemFacts>();
  itemIds.forEach((id, i) => {
    const f = input.items[i];
    factsById.set(id, {
      categories: f?.categories ?? [],
      createdAt: f?.createdAt ?? null,
      popularity: input.popularity[i]!,
    });
  });
  // Typed lists are cached (recent items repeat across users); objects only per user, briefly.
  const neighbourCache = new Map<number, NeighbourList>();
  const neighboursOf = (item: number): ScoredItem[] => {
    let list = neighbourCache.get(item);
    if (!list) neighbourCache.set(item, (list = input.neighbours(item)));
    const { items, scores } = list;
    return Array.from(items, (j, k) => ({ itemId: itemIds[j]!, score: scores[k]! }));
  };
  const scores = new Float64Array(nItems);
  const dots = new Float64Array(nItems);
  const idx = new Int32Array(topN);
  const sc = new Float64Array(topN);
  const indexOf = new Map(itemIds.map((id, i) => [id, i]));
  const limits = { ...DEFAULT_SOURCE_LIMITS, topN };
  const trending = trendingList(input.trending, itemIds, limits.trending);
  // Preallocated for the largest possible set (no growing arrays: Worker memory).
  const capacity = input.users.length * scorerRowsPerUser(topN);
  const features = new Float64Array(capacity * FEATURE_COUNT);
  const rowItems = new Int32Array(capacity);
  const labels = new Uint8Array(capacity);
  const groupStart = [0];
  const relevantCount: number[] = [];
  let rows = 0;
  for (const u of input.users) {
    const relevant = input.relevant.get(u);
    if (!relevant) continue;
    model.scoreUser(u, scores);
    maskSeen(fit, u, scores);
    const count = selectTopK(scores, nItems, topN, idx, sc);
    const a = fit.indptr[u]!;
    const b = fit.indptr[u + 1]!;
    // The user's most recent items by timestamp seed the session source and the item-item
    // feature (as the edge's recent items do).
    const history = Array.from({ length: b - a }, (_, k) => a + k);
    const seeds = history
      .sort((x, y) => fit.timestamps[y]! - fit.timestamps[x]! || fit.indices[x]! - fit.indices[y]!)
      .slice(0, RECENT_ITEMS_FOR_ITEM_ITEM)
      .map((e) => itemIds[fit.indices[e]!]!);
    const seedNeighbours = new Map(seeds.map((id) => [id, neighboursOf(indexOf.get(id)!)]));
    const shares = categoryShares(
      history.map((e) => factsById.get(itemIds[fit.indices[e]!]!)?.categories ?? []),
    );
    const list: [string, number][] = [];
    for (let k = 0; k < count; k++) list.push([itemIds[idx[k]!]!, sc[k]!]);
    const blocked = new Set<string>();
    for (let e = a; e < b; e++) blocked.add(itemIds[fit.indices[e]!]!);
    const pool = cacheHitPool({
      topN: list,
      seeds,
      neighbours: seedNeighbours,
      trending,
      blocked,
      limits,
    });
    input.als.scoreUser(u, dots);
    const candidates = pooledCandidateFacts(
      pool,
      list,
      (id) => dots[indexOf.get(id)!]!,
      input.calibration,
      {
        itemFacts: (id) => factsById.get(id),
        categoryAffinity: shares,
        recentNeighbours: [...seedNeighbours.values()],
        now: input.now,
        hour: 12,
        device: 'unknown',
      },
    );
    for (const c of baseScoreOrder(candidates)) {
      const item = indexOf.get(c.itemId)!;
      buildFeatures(c.facts, features.subarray(rows * FEATURE_COUNT, (rows + 1) * FEATURE_COUNT));
      rowItems[rows] = item;
      labels[rows] = relevant.has(item) ? 1 : 0;
      rows++;
    }
    groupStart.push(rows);
    relevantCount.push(relevant.size);
  }
  return {
    features: features.subarray(0, rows * FEATURE_COUNT),
    items: rowItems.subarray(0, rows),
    labels: labels.subarray(0, rows),
    groupStart: Int32Array.from(groupStart),
    relevantCount: Int32Array.from(relevantCount),
  };
}

/** Top-N rows in rank order, then the others by base score, best first (stable). */
function baseScoreOrder(candidates: readonly Candidate[]): Candidate[] {
  const inList = candidates.filter((c) => c.facts.topNRank !== null);
  const others = candidates.filter((c) => c.facts.topNRank === null);
  inList.sort((x, y) => x.facts.topNRank! - y.facts.topNRank!);
  others.sort((x, y) => (y.facts.baseScore ?? -Infinity) - (x.facts.baseScore ?? -Infinity));
  return [...inList, ...others];
}
