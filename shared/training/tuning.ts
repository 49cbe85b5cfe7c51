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
  /** Sweeps of a fit started from the current best factors (continuation). */
  warmIterations: number;
}

const SCALING_NEIGHBOURS: Record<ConfidenceScaling, ConfidenceScaling[]> = {
  binary: ['log'],
  log: ['binary', 'linear'],
  linear: ['log'],
};

/**
 * Coordinate search over ALS (λ, α, confidence scaling) from `start`; dims and the seed stay as
 * given. Each neighbour is fitted from the current best factors for `warmIterations` sweeps.
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
  const fit = (p: AlsParams, warm?: AlsModel) => {
    const model = warm
      ? trainAls(
          fitByUser,
          fitByItem,
          { ...p, iterations: options.warmIterations },
          undefined,
          warm,
        )
      : trainAls(fitByUser, fitByItem, p);
    const ndcg = evaluateBaseModel(
      factorModel('als', model.userFactors, model.itemFactors, p.dims, fitByUser.cols),
      fitByUser,
      relevant,
      10,
    ).ndcg;
    const trial: Trial = {
      params: { scaling: p.scaling, alpha: p.alpha, lambda: p.lambda },
      ndcg,
    };
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
      ...SCALING_NEIGHBOURS[p.scaling].map((scaling) => ({ ...p, scaling })),
    ];
    let roundBest = best;
    for (const c of candidates) {
      if (seen.has(key(c)) || trials.length >= options.maxTrials) continue;
      const r = fit(c, best.model);
      if (r.ndcg > roundBest.ndcg) roundBest = { params: c, ...r };
    }
    if (roundBest !== best) {
      best = roundBest;
      improved = true;
    }
  }
  return { params: best.params, model: best.model, ndcg: best.ndcg, trials };
}

/**
 * Search over EASE's λ on a multiplicative grid (×2 / ÷2 from `startLambda`, following the
 * improving direction), each trial one dense inverse. At most one B matrix is alive at a time
 * (the Worker's memory budget): the winner is refitted if a later trial replaced it.
 */
export function searchEase(
  fitByUser: Csr,
  relevant: Map<number, Set<number>>,
  startLambda: number,
  binary: boolean,
  maxTrials: number,
  onTrial?: (trial: Trial, done: number, total: number) => void,
): SearchResult<{ lambda: number; binary: boolean }, Float64Array> {
  const trials: Trial[] = [];
  let last: { lambda: number; b: Float64Array } | null = null;
  const fit = (lambda: number): number => {
    last = null;
    const b = trainEase(fitByUser, { lambda, binary });
    last = { lambda, b };
    const ndcg = evaluateBaseModel(easeModel(b, fitByUser, binary), fitByUser, relevant, 10).ndcg;
    const trial: Trial = { params: { lambda }, ndcg };
    trials.push(trial);
    onTrial?.(trial, trials.length, maxTrials);
    return ndcg;
  };
  let best = { lambda: startLambda, ndcg: fit(startLambda) };
  if (maxTrials > 1) {
    // Try upwards first; go downwards only if upwards did not help.
    for (const factor of [2, 0.5]) {
      let improved = false;
      while (trials.length < maxTrials) {
        const lambda = best.lambda * factor;
        const ndcg = fit(lambda);
        if (ndcg <= best.ndcg) break;
        best = { lambda, ndcg };
        improved = true;
      }
      if (improved) break;
    }
  }
  const kept = last as { lambda: number; b: Float64Array } | null;
  const model =
    kept !== null && kept.lambda === best.lambda
      ? kept.b
      : ((last = null), trainEase(fitByUser, { lambda: best.lambda, binary }));
  return { params: { lambda: best.lambda, binary }, model, ndcg: best.ndcg, trials };
}
