/** Scores a base model on held-out interactions with the benchmark protocol (full ranking, seen removed). */
import type { RankingMetrics } from '../domain/artefacts';
import { maskSeen, type BaseModel } from './base-model';
import { rankingMetrics, type UserRanking } from './metrics';
import type { Csr } from './sparse';
import { selectTopK } from './top-k';

/** Relevant item indices per user index, from a holdout CSR (users × items). */
export function relevantSets(holdout: Csr): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (let u = 0; u < holdout.rows; u++) {
    const a = holdout.indptr[u]!;
    const b = holdout.indptr[u + 1]!;
    if (a === b) continue;
    out.set(u, new Set(holdout.indices.subarray(a, b)));
  }
  return out;
}

/**
 * Ranks every item for every user with held-out items, removes the user's fitting items, and
 * computes the metrics at k over those users.
 */
export function evaluateBaseModel(
  model: BaseModel,
  seen: Csr,
  relevant: Map<number, Set<number>>,
  k: number,
): RankingMetrics {
  const scores = new Float64Array(model.items);
  const idx = new Int32Array(k);
  const sc = new Float64Array(k);
  const rankings: UserRanking<number>[] = [];
  for (const [u, rel] of relevant) {
    model.scoreUser(u, scores);
    maskSeen(seen, u, scores);
    const count = selectTopK(scores, model.items, k, idx, sc);
    rankings.push({ recommended: idx.slice(0, count), relevant: rel });
  }
  return rankingMetrics(rankings, k, model.items);
}
