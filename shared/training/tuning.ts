/**
 * Hyper-parameter selection on the validation slice: a small coordinate search (multiply or
 * divide one parameter at a time, move while nDCG@10 improves), since every trial is a full
 * model fit and the budget is a handful of fits.
 */
import { trainAls, type AlsModel, type AlsParams, type ConfidenceScaling } from './als';
import { factorModel } from './base-model';
import { easeModel, trainEase } from './ease';
import { evaluateBaseModel } from './evaluate-model';
import type { Csr } from './sparse';

/** One evaluated setting. */
export interface Trial {
  params: Record<string, number | string>;
  ndcg: number;
}

export interface SearchResult<P, M> {
  params: P;
  /** The model fitted on the validation slice with `params`. */
  model: M;
  ndcg: number;
  trials: Trial[];
}

export interface AlsSearchOptions {
  /** Most model fits (including the starting point). */
  maxTrials: number;
  /** Sweeps per trial fit (the final fit uses the same, so the chosen trial is the model). */
  iterations: number;
}

const SCALING_NEIGHBOURS: Record<ConfidenceScaling, ConfidenceScaling[]> = {
  binary: ['log'],
  log: ['binary', 'linear'],
  linear: ['log'],
};

/**
 * Coordinate search over ALS (λ, α, confidence scaling) from `start`; dims and the seed stay as
 * given. Moves: λ or α times or divided by 2, both together (the good region is a ridge of
 * roughly constant λ/α), and the neighbouring confidence scalings. Every trial is a cold fit
 * with the same seed, so a setting scores the same whichever path reached it.
 */
export function searchAls(
  fitByUser: Csr,
  fitByItem: Csr,
  relevant: Map<number, Set<number>>,
  start: AlsParams,
  options: AlsSearchOptions,
  onTrial?: (trial: Trial, done: number, total: number) => void,
): SearchResult<AlsParams, AlsModel> {
  const key = (p: AlsParams) => `${p.scaling}/${p.alpha}/${p.lambda}`;
  const trials: Trial[] = [];
  const seen = new Set<string>();
  const fit = (p: AlsParams) => {
    const model = trainAls(fitByUser, fitByItem, { ...p, iterations: options.iterations });
    const ndcg = evaluateBaseModel(
      factorModel('als', model.userFactors, model.itemFactors, p.dims, fitByUser.cols),
      fitByUser,
      relevant,
      10,
    ).ndcg;
    const trial: Trial = { params: { scaling: p.scaling, alpha: p.alpha, lambda: p.lambda }, ndcg };
    trials.push(trial);
    seen.add(key(p));
    onTrial?.(trial, trials.length, options.maxTrials);
    return { model, ndcg };
  };
  let best = { params: start, ...fit(start) };
  let improved = true;
  while (improved && trials.length < options.maxTrials) {
    improved = false;
    const p = best.params;
    const candidates: AlsParams[] = [
      { ...p, lambda: p.lambda * 2 },
      { ...p, lambda: p.lambda / 2 },
      { ...p, alpha: p.alpha * 2 },
      { ...p, alpha: p.alpha / 2 },
      { ...p, alpha: p.alpha * 2, lambda: p.lambda * 2 },
      { ...p, alpha: p.alpha / 2, lambda: p.lambda / 2 },
      ...SCALING_NEIGHBOURS[p.scaling].map((scaling) => ({ ...p, scaling })),
    ];
    let roundBest = best;
    for (const c of candidates) {
      if (seen.has(key(c)) || trials.length >= options.maxTrials) continue;
      const r = fit(c);
      if (r.ndcg > roundBest.ndcg) roundBest = { params: c, ...r };
    }
    if (roundBest !== best) {
      best = roundBest;
      improved = true;
    }
  }
  return { params: best.params, model: best.model, ndcg: best.ndcg, trials };
}

/** Memory allowed for keeping the best B while another is fitted (two n² Float64 matrices). */
const EASE_KEEP_BEST_BYTES = 64 * 1024 * 1024;

/**
 * Search over EASE's λ on a multiplicative grid (×2 / ÷2 from `startLambda`, following the
 * improving direction), each trial one dense inverse. When two B matrices would not fit the
 * Worker's budget, only one is alive at a time and the winner is refitted at the end.
 */
export function searchEase(
  fitByUser: Csr,
  relevant: Map<number, Set<number>>,
  startLambda: number,
  binary: boolean,
  maxTrials: number,
  onTrial?: (trial: Trial, done: number, total: number) => void,
): SearchResult<{ lambda: number; binary: boolean }, Float64Array> {
  const n = fitByUser.cols;
  const keepBest = 16 * n * n <= EASE_KEEP_BEST_BYTES;
  const trials: Trial[] = [];
  let best: { lambda: number; ndcg: number; b: Float64Array | null } | null = null;
  const fit = (lambda: number): boolean => {
    const b = trainEase(fitByUser, { lambda, binary });
    const ndcg = evaluateBaseModel(easeModel(b, fitByUser, binary), fitByUser, relevant, 10).ndcg;
    const trial: Trial = { params: { lambda }, ndcg };
    trials.push(trial);
    onTrial?.(trial, trials.length, maxTrials);
    if (best !== null && ndcg <= best.ndcg) return false;
    best = { lambda, ndcg, b: keepBest || trials.length === maxTrials ? b : null };
    return true;
  };
  fit(startLambda);
  // Upwards first; downwards only if upwards did not help.
  for (const factor of [2, 0.5]) {
    let improved = false;
    while (trials.length < maxTrials && fit(best!.lambda * factor)) improved = true;
    if (improved) break;
  }
  const winner = best! as { lambda: number; ndcg: number; b: Float64Array | null };
  const model = winner.b ?? trainEase(fitByUser, { lambda: winner.lambda, binary });
  return { params: { lambda: winner.lambda, binary }, model, ndcg: winner.ndcg, trials };
}
