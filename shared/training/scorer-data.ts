/**
 * Builds the scorer's training set from the validation slice: for each validation user, the base
 * model's top-N (fitted on the slice's fitting part), the facts serving would compute for them
 * (candidate-facts.ts), and label 1 when the candidate is among the user's held-out items.
 */
import type { ItemFacts, ScoredItem } from '../domain/artefacts';
import { buildFeatures, FEATURE_COUNT } from '../domain/features';
import { maskSeen, type BaseModel } from './base-model';
import { categoryShares, RECENT_ITEMS_FOR_ITEM_ITEM, topNCandidateFacts } from './candidate-facts';
import type { NeighbourFinder, NeighbourList } from './neighbours';
import type { ScorerDataset } from './scorer';
import type { Csr } from './sparse';
import { selectTopK } from './top-k';

export interface ScorerDataInput {
  /** Base model fitted on the validation slice's fitting part. */
  model: BaseModel;
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

/** Candidate lists, features and labels of `input.users` (each user one group). */
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
  const idx = new Int32Array(topN);
  const sc = new Float64Array(topN);
  // Preallocated for the largest possible set (no growing arrays: Worker memory).
  const capacity = input.users.length * topN;
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
    // The user's most recent items by timestamp feed the item-item feature (as the session does).
    const history = Array.from({ length: b - a }, (_, k) => a + k);
    const recent = history
      .sort((x, y) => fit.timestamps[y]! - fit.timestamps[x]! || fit.indices[x]! - fit.indices[y]!)
      .slice(0, RECENT_ITEMS_FOR_ITEM_ITEM)
      .map((e) => neighboursOf(fit.indices[e]!));
    const shares = categoryShares(
      history.map((e) => factsById.get(itemIds[fit.indices[e]!]!)?.categories ?? []),
    );
    const list: [string, number][] = [];
    for (let k = 0; k < count; k++) list.push([itemIds[idx[k]!]!, sc[k]!]);
    const candidates = topNCandidateFacts(list, {
      itemFacts: (id) => factsById.get(id),
      categoryAffinity: shares,
      recentNeighbours: recent,
      now: input.now,
      hour: 12,
      device: 'unknown',
    });
    for (let k = 0; k < count; k++) {
      buildFeatures(
        candidates[k]!.facts,
        features.subarray(rows * FEATURE_COUNT, (rows + 1) * FEATURE_COUNT),
      );
      rowItems[rows] = idx[k]!;
      labels[rows] = relevant.has(idx[k]!) ? 1 : 0;
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
