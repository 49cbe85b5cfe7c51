/**
 * Offline ranking metrics at k, following the Microsoft Recommenders definitions
 * (recommenders/evaluation/python_evaluation.py: precision_at_k, recall_at_k, ndcg_at_k with
 * score_type="binary", map_at_k, catalog_coverage), so that our figures compare with the
 * published benchmark on the same protocol.
 */
import type { RankingMetrics } from '../domain/artefacts';

/** One user's ranked recommendations (best first) and the set of relevant (test) items. */
export interface UserRanking<T> {
  recommended: ArrayLike<T>;
  relevant: ReadonlySet<T>;
}

/** Hits in the first k recommendations, divided by k (precision_at_k: hit / k). */
export function precisionAtK<T>(r: UserRanking<T>, k: number): number {
  return hitsAtK(r, k) / k;
}

/** Hits in the first k divided by the number of relevant items (recall_at_k: hit / actual). */
export function recallAtK<T>(r: UserRanking<T>, k: number): number {
  return r.relevant.size === 0 ? 0 : hitsAtK(r, k) / r.relevant.size;
}

/**
 * Binary-relevance nDCG: DCG = Σ_{hits at rank ρ ≤ k} 1/log(1 + ρ); ideal DCG over the first
 * min(k, #relevant) ranks (ndcg_at_k takes `head(k)` of the ideal order of all true items). The
 * log base cancels in the ratio.
 */
export function ndcgAtK<T>(r: UserRanking<T>, k: number): number {
  const n = Math.min(k, r.recommended.length);
  let dcg = 0;
  for (let i = 0; i < n; i++) if (r.relevant.has(r.recommended[i]!)) dcg += 1 / Math.log(2 + i);
  let idcg = 0;
  const ideal = Math.min(k, r.relevant.size);
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log(2 + i);
  return idcg === 0 ? 0 : dcg / idcg;
}

/**
 * map_at_k (after Spark's RankingMetrics.meanAveragePrecisionAt): Σ over hits at rank ρ ≤ k of
 * (hits so far / ρ), divided by min(k, #relevant).
 */
export function averagePrecisionAtK<T>(r: UserRanking<T>, k: number): number {
  const n = Math.min(k, r.recommended.length);
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (r.relevant.has(r.recommended[i]!)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  const denom = Math.min(k, r.relevant.size);
  return denom === 0 ? 0 : sum / denom;
}

function hitsAtK<T>(r: UserRanking<T>, k: number): number {
  const n = Math.min(k, r.recommended.length);
  let hits = 0;
  for (let i = 0; i < n; i++) if (r.relevant.has(r.recommended[i]!)) hits++;
  return hits;
}

/**
 * Means over users of precision, recall, nDCG and MAP at k, plus catalogue coverage: distinct
 * recommended items (first k of each list) / `catalogueSize` (catalog_coverage divides by the
 * distinct items of the training data). Users are those given, i.e. the test users (the
 * benchmark averages over users present in both the truth and the predictions; we recommend for
 * every test user).
 */
export function rankingMetrics<T>(
  users: Iterable<UserRanking<T>>,
  k: number,
  catalogueSize: number,
): RankingMetrics {
  let count = 0;
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  let map = 0;
  const covered = new Set<T>();
  for (const r of users) {
    count++;
    precision += precisionAtK(r, k);
    recall += recallAtK(r, k);
    ndcg += ndcgAtK(r, k);
    map += averagePrecisionAtK(r, k);
    const n = Math.min(k, r.recommended.length);
    for (let i = 0; i < n; i++) covered.add(r.recommended[i]!);
  }
  const mean = (x: number) => (count === 0 ? 0 : x / count);
  return {
    k,
    users: count,
    precision: mean(precision),
    recall: mean(recall),
    ndcg: mean(ndcg),
    map: mean(map),
    coverage: catalogueSize === 0 ? 0 : covered.size / catalogueSize,
  };
}
