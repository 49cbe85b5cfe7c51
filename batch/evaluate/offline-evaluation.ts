/**
 * Offline evaluation on the Microsoft Recommenders protocol: train with `trainAll` on training
 * ratings (weight = rating value), write what the batch writes (every top-N list and neighbour
 * list), rank each test user's top 10 exactly as the edge ranks a cached answer (the top-N plus
 * session and trending candidates, re-ranked by the scorer), and score them (every test rating
 * relevant, k = 10).
 */
import type { ItemFacts, RankingMetrics, ScoredItem } from '../../shared/domain/artefacts';
import {
  cacheHitPool,
  TRENDING_HALF_LIFE_DAYS,
  trendingList,
} from '../../shared/training/cache-hit-pool';
import {
  pooledCandidateFacts,
  RECENT_ITEMS_FOR_ITEM_ITEM,
} from '../../shared/training/candidate-facts';
import { itemPopularity } from '../../shared/training/popularity';
import { trainAll } from '../../shared/training/index';
import { interactionsFromColumns } from '../../shared/training/interactions';
import { rankingMetrics } from '../../shared/training/metrics';
import { DEFAULT_SOURCE_LIMITS } from '../../shared/pipeline/recommend';
import { rankCachedCandidates } from '../../shared/training/rank-cached';
import type { TrainConfig, TrainOutputs, TrainProgress } from '../../shared/training/types';
import type { RatingColumns } from './read-ratings';

export const K = 10;

export interface OfflineEvaluation {
  metrics: RankingMetrics;
  outputs: TrainOutputs;
  /** Top 10 per test user, best first. */
  ranked: Map<string, ScoredItem[]>;
  nonZeros: number;
  /** Wall and CPU time (ms) of the whole batch: training, every top-N and neighbour list. */
  batchMs: number;
  batchCpuMs: number;
}

/** Trains on `train`, ranks and scores every user of `test`. */
export function evaluateOffline(
  train: RatingColumns,
  test: RatingColumns,
  config: TrainConfig,
  onProgress?: (p: TrainProgress) => void,
): OfflineEvaluation {
  const data = interactionsFromColumns(train.users, train.items, train.ratings, train.timestamps);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const outputs = trainAll(data, [], config, onProgress);
  // What the batch writes besides the model: every user's top-N and every item's neighbours.
  const listsStarted = performance.now();
  const topN = data.userIds.map((_, u) => outputs.topN(u));
  const topNDone = performance.now();
  const neighbours = data.itemIds.map((_, i) => outputs.neighbours(i));
  const done = performance.now();
  const cpu = process.cpuUsage(cpuStarted);
  outputs.timings.topN = topNDone - listsStarted;
  outputs.timings.neighbours = done - topNDone;

  const relevant = relevantByUser(test);
  const trending = trendingList(itemPopularity(data, TRENDING_HALF_LIFE_DAYS), data.itemIds);
  const ranked = rankTestUsers(
    outputs,
    trending,
    topN,
    neighbours,
    data.userIds,
    data.itemIds,
    relevant,
    train,
  );
  const metrics = rankingMetrics(
    [...ranked].map(([user, list]) => ({
      recommended: list.map((s) => s.itemId),
      relevant: relevant.get(user)!,
    })),
    K,
    data.itemIds.length,
  );
  return {
    metrics,
    outputs,
    ranked,
    nonZeros: data.values.length,
    batchMs: done - started,
    batchCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** Every test rating is relevant (the benchmark protocol). */
function relevantByUser(test: RatingColumns): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  test.users.forEach((u, r) => {
    let s = m.get(u);
    if (!s) m.set(u, (s = new Set()));
    s.add(test.items[r]!);
  });
  return m;
}

/**
 * Top 10 of every test user through the cached-answer ranking (`rankCachedCandidates`); the
 * user's most recent training items stand in for the session (item-item feature); a user unknown
 * to training gets the most popular items (the edge's cold-user fallback).
 */
function rankTestUsers(
  outputs: TrainOutputs,
  trending: readonly ScoredItem[],
  topN: ScoredItem[][],
  neighbours: ScoredItem[][],
  userIds: string[],
  itemIds: string[],
  relevant: Map<string, Set<string>>,
  train: RatingColumns,
): Map<string, ScoredItem[]> {
  const userIndex = new Map(userIds.map((u, i) => [u, i]));
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const facts = new Map<string, ItemFacts>(
    itemIds.map((id, i) => [
      id,
      { categories: [], createdAt: null, popularity: outputs.popularity[i]! },
    ]),
  );
  const history = new Map<string, { item: string; ts: number }[]>();
  train.users.forEach((u, r) => {
    let h = history.get(u);
    if (!h) history.set(u, (h = []));
    h.push({ item: train.items[r]!, ts: train.timestamps[r]! });
  });
  const popular = itemIds
    .map((itemId, i) => ({ itemId, score: outputs.popularity[i]! }))
    .sort((a, b) => b.score - a.score);
  const out = new Map<string, ScoredItem[]>();
  for (const user of relevant.keys()) {
    const u = userIndex.get(user);
    if (u === undefined) {
      out.set(user, popular.slice(0, K));
      continue;
    }
    const seen = history.get(user) ?? [];
    const seeds = [
      ...new Set(
        seen
          .slice()
          .sort((a, b) => b.ts - a.ts)
          .map((h) => h.item),
      ),
    ].slice(0, RECENT_ITEMS_FOR_ITEM_ITEM);
    const seedNeighbours = new Map(seeds.map((id) => [id, neighbours[itemIndex.get(id)!]!]));
    const list = topN[u]!.map((s) => [s.itemId, s.score] as const);
    const pool = cacheHitPool({
      topN: list,
      seeds,
      neighbours: seedNeighbours,
      trending,
      blocked: new Set(seen.map((h) => h.item)),
      limits: { ...DEFAULT_SOURCE_LIMITS, topN: list.length },
    });
    const candidates = pooledCandidateFacts(
      pool,
      list,
      (id) => dotProduct(outputs, u, itemIndex.get(id)!),
      outputs.baseScoreCalibration,
      {
        itemFacts: (id) => facts.get(id),
        categoryAffinity: {},
        recentNeighbours: [...seedNeighbours.values()],
        now: 0,
        hour: 12,
        device: 'unknown',
      },
    );
    out.set(user, rankCachedCandidates(candidates, outputs.scorer, K));
  }
  return out;
}

/** User `u`'s batch vector · item `i`'s factors (the edge's score of a candidate outside the top-N). */
function dotProduct(outputs: TrainOutputs, u: number, i: number): number {
  const d = outputs.dims;
  let s = 0;
  for (let k = 0; k < d; k++)
    s += outputs.userFactors[u * d + k]! * outputs.itemFactors[i * d + k]!;
  return s;
}
