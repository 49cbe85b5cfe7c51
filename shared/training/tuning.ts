/**
 * Hyper-parameter selection on the validation slice: a small coordinate search (multiply or
 * divide one parameter at a time, move to the best neighbour while nDCG@10 improves), since
 * every trial is a full model fit and the budget is a handful of fits.
 */
import { trainAls, type AlsModel, type AlsParams, type ConfidenceScaling } from './als';
import { factorModel } from './base-model';
import { easeModel, trainEase, type EaseParams } from './ease';
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

export type TrialCallback = (trial: Trial, done: number, total: number) => void;

/**
 * Greedy coordinate search: evaluate `start`, then all unseen `moves` of the current best, move
 * to the best of them if it improves, repeat until no move improves or `maxTrials` fits were
 * made. `keepModels` false keeps at most one model alive (memory): the winner is refitted when a
 * later trial replaced it.
 */
export function coordinateSearch<P, M>(
  start: P,
  moves: (p: P) => P[],
  key: (p: P) => string,
  fit: (p: P) => M,
  score: (m: M) => number,
  describe: (p: P) => Record<string, number | string>,
  maxTrials: number,
  keepModels: boolean,
  onTrial?: TrialCallback,
): SearchResult<P, M> {
  const trials: Trial[] = [];
  const seen = new Set<string>();
  let lastParams: P | null = null;
  let lastModel: M | null = null;
  const run = (p: P): { params: P; ndcg: number; model: M | null } => {
    lastModel = null;
    const model = fit(p);
    const ndcg = score(model);
    lastParams = p;
    lastModel = model;
    const trial: Trial = { params: describe(p), ndcg };
    trials.push(trial);
    seen.add(key(p));
    onTrial?.(trial, trials.length, maxTrials);
    return { params: p, ndcg, model: keepModels ? model : null };
  };
  let best = run(start);
  let improved = true;
  while (improved && trials.length < maxTrials) {
    improved = false;
    let roundBest = best;
    for (const c of moves(best.params)) {
      if (seen.has(key(c)) || trials.length >= maxTrials) continue;
      const r = run(c);
      if (r.ndcg > roundBest.ndcg) roundBest = r;
    }
    if (roundBest !== best) {
      best = roundBest;
      improved = true;
    }
  }
  let model: M | null = best.model;
  if (model === null) {
    model = lastParams === best.params ? lastModel : null;
    // Release the last trial's model before refitting the winner: with `keepModels` false at most
    // one model is alive at any time, the refit included.
    lastModel = null;
    model ??= fit(best.params);
  }
  return { params: best.params, model, ndcg: best.ndcg, trials };
}

const SCALING_NEIGHBOURS: Record<ConfidenceScaling, ConfidenceScaling[]> = {
  binary: ['log'],
  log: ['binary', 'linear'],
  linear: ['log'],
};

/**
 * ALS over (λ, α, confidence scaling) from `start` (dims, iterations and seed as given). Moves,
 * most promising first: λ ×2 or ÷2, λ and α together (the good region is a ridge of roughly
 * constant λ/α), the neighbouring confidence scalings (binary vs weighted), α alone. Every
 * trial is a cold fit with the same seed, so a setting scores the same whichever path reached it.
 */
export function searchAls(
  fitByUser: Csr,
  fitByItem: Csr,
  relevant: Map<number, Set<number>>,
  start: AlsParams,
  maxTrials: number,
  onTrial?: TrialCallback,
): SearchResult<AlsParams, AlsModel> {
  return coordinateSearch<AlsParams, AlsModel>(
    start,
    (p) => [
      { ...p, lambda: p.lambda * 2 },
      { ...p, lambda: p.lambda / 2 },
      { ...p, alpha: p.alpha * 2, lambda: p.lambda * 2 },
      { ...p, alpha: p.alpha / 2, lambda: p.lambda / 2 },
      ...SCALING_NEIGHBOURS[p.scaling].map((scaling) => ({ ...p, scaling })),
      { ...p, alpha: p.alpha * 2 },
      { ...p, alpha: p.alpha / 2 },
    ],
    (p) => `${p.scaling}/${p.alpha}/${p.lambda}`,
    (p) => trainAls(fitByUser, fitByItem, p),
    (m) =>
      evaluateBaseModel(
        factorModel('als', m.userFactors, m.itemFactors, m.dims, fitByUser.cols),
        fitByUser,
        relevant,
        10,
      ).ndcg,
    (p) => ({ scaling: p.scaling, alpha: p.alpha, lambda: p.lambda }),
    maxTrials,
    true,
    onTrial,
  );
}

/**
 * EASE over (λ, time scale τ of the co-occurrence kernel). Moves: λ ×2 or ÷2, τ ×4 or ÷4, and
 * switching the kernel off (or on at `defaultTimeScaleMs`). Only one items × items matrix is
 * alive at a time (the memory model of the batch counts exactly one): the best B is not kept
 * while another is fitted, so the winner is refitted when a later trial replaced it (one more
 * fit at most, ≈ n³ flops).
 */
export function searchEase(
  fitByUser: Csr,
  relevant: Map<number, Set<number>>,
  start: EaseParams,
  defaultTimeScaleMs: number,
  maxTrials: number,
  onTrial?: TrialCallback,
): SearchResult<EaseParams, Float64Array> {
  return coordinateSearch<EaseParams, Float64Array>(
    start,
    (p) => [
      { ...p, lambda: p.lambda * 2 },
      { ...p, lambda: p.lambda / 2 },
      ...(p.timeScaleMs > 0
        ? [
            { ...p, timeScaleMs: 0 },
            { ...p, timeScaleMs: p.timeScaleMs * 4 },
            { ...p, timeScaleMs: p.timeScaleMs / 4 },
          ]
        : [{ ...p, timeScaleMs: defaultTimeScaleMs }]),
    ],
    (p) => `${p.lambda}/${p.timeScaleMs}/${p.binary}`,
    (p) => trainEase(fitByUser, p),
    (b) => evaluateBaseModel(easeModel(b, fitByUser, start.binary), fitByUser, relevant, 10).ndcg,
    (p) => ({ lambda: p.lambda, time_scale_s: p.timeScaleMs / 1000 }),
    maxTrials,
    false,
    onTrial,
  );
}
