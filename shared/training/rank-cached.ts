/**
 * The ranking of a cached answer: top-N candidates re-scored by the trained scorer, best first.
 * One function used by the edge and by offline evaluation, so the measured list is the served one.
 */
import type { ScoredItem, ScorerModel } from '../domain/artefacts';
import { buildFeatures, FEATURE_COUNT } from '../domain/features';
import { applyScorer } from './apply-scorer';
import type { Candidate } from './candidate-facts';

/**
 * Scores every candidate with `scorer` over `buildFeatures`, drops `exclude`d ids, and returns
 * the best `k` (ties keep the candidates' order, i.e. the base model's order).
 */
export function rankCachedCandidates(
  candidates: readonly Candidate[],
  scorer: ScorerModel,
  k: number,
  exclude?: ReadonlySet<string>,
): ScoredItem[] {
  const features = new Float64Array(FEATURE_COUNT);
  const scored: { itemId: string; score: number; order: number }[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (exclude?.has(c.itemId)) continue;
    buildFeatures(c.facts, features);
    scored.push({ itemId: c.itemId, score: applyScorer(scorer, features), order: i });
  }
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  return scored.slice(0, k).map(({ itemId, score }) => ({ itemId, score }));
}
