/**
 * `trainAll`: the whole training stage of the batch as one pure function (no I/O, no clock of
 * its own, seeded): hyper-parameter selection on a validation slice carved from the training
 * data, the base model (ALS-CG, EASE or their blend; ALS item factors always), top-N lists, item
 * neighbours, popularity, and the learned scorer.
 */
import type { ItemFacts, RankingMetrics, ScoredItem, ScorerModel } from '../domain/artefacts';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams, type ConfidenceScaling } from './als';
import { blendModel, constantModel, factorModel, maskSeen, type BaseModel } from './base-model';
import { fitBaseScoreCalibration, IDENTITY_CALIBRATION } from './base-score-scale';
import { gramOf } from './dense';
import { easeModel, trainEase, type EaseParams } from './ease';
import { evaluateBaseModel, relevantSets } from './evaluate-model';
import { rankingMetrics } from './metrics';
import { cosineNeighbours, matrixRowNeighbours, type NeighbourFinder } from './neighbours';
import { itemPopularity } from './popularity';
import { createRng, type Rng } from './random';
import { chooseScorer, datasetGroups, scoreDataset, type ScorerDataset } from './scorer';
import { TRENDING_HALF_LIFE_DAYS } from './cache-hit-pool';
import { buildScorerDataset, scorerRowsPerUser } from './scorer-data';
import { itemMajor, userMajor } from './sparse';
import { selectTopK } from './top-k';
import { searchAls, searchEase, type TrialCallback } from './tuning';
import type { Interactions, TrainAll, TrainConfig, TrainOutputs } from './types';
import { splitPerItem } from './validation-split';

export type { Interactions, TrainAll, TrainConfig, TrainOutputs, TrainProgress } from './types';
export { interactionsFromColumns, interactionsFromEvents } from './interactions';
export type { InteractionWeighting } from './interactions';
export { averagePrecisionAtK, ndcgAtK, precisionAtK, rankingMetrics, recallAtK } from './metrics';
export { applyScorer } from './apply-scorer';
export { rankCachedCandidates } from './rank-cached';
export {
  categoryAffinityOf,
  categoryShares,
  itemItemScores,
  topNCandidateFacts,
  RECENT_ITEMS_FOR_ITEM_ITEM,
} from './candidate-facts';
export type { Candidate, CandidateContext } from './candidate-facts';
export { itemPopularity } from './popularity';

/**
 * Defaults of `TrainConfig`. EASE is attempted up to 2,500 items: its dense items × items
 * Float64 matrix is 8·n² bytes (50 MB at 2,500) and at most one is alive at any time, while
 * tuning too (the search refits its winner rather than keeping it); its inverse costs ≈ n³ flops
 * (≈ 10 s at 2,500 items in V8). In a Worker the batch lowers the cap to what its memory allows.
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  dims: 64,
  seed: 42,
  topN: 200,
  neighbours: 50,
  tune: 'auto',
  model: 'auto',
  easeMaxItems: 2500,
};

/** Share of each item's training interactions held out as the validation slice. */
export const VALIDATION_FRACTION = 0.2;
/**
 * Largest scorer training set (rows × 16 Float64 features ≈ 13 MB, twice while comparing); users
 * are sampled so that their pools (top-N, session and trending candidates) fit in it.
 */
const MAX_SCORER_ROWS = 100_000;
const ALS_SEARCH_TRIALS = 7;
const EASE_SEARCH_TRIALS = 5;
/**
 * ALS starting point: binary confidence (every interaction counts as relevant) with λ/α ≈ 10,
 * the best region on MovieLens validation slices.
 */
const ALS_START = { scaling: 'binary', alpha: 5, lambda: 50, iterations: 10 } as const;
/**
 * EASE starting point: λ = 250 and a 10-minute co-occurrence kernel (items rated in the same
 * sitting), the best region on MovieLens validation slices.
 */
const EASE_START: EaseParams = { lambda: 250, binary: true, timeScaleMs: 10 * 60 * 1000 };
/** EASE weights of the EASE + ALS blends tried on the validation slice. */
const BLEND_WEIGHTS = [0.3, 0.5, 0.7];
/** Users (evenly spaced) whose scores fit the ALS → served-scale calibration. */
const CALIBRATION_USERS = 200;
/** Half-life of the time-decayed popularity baseline. */
const POPULARITY_HALF_LIFE_DAYS = 30;
/** `hyperParameters.als_scaling` as a number in `TrainConfig.hyperParameters` (0, 1, 2). */
const SCALING_CODES: ConfidenceScaling[] = ['linear', 'log', 'binary'];

type BaseName = 'als' | 'ease' | 'ease+als';

/** What the validation stage decides; small, so the slice's models can be freed after it. */
interface Selection {
  als: AlsParams;
  ease: EaseParams | null;
  chosen: BaseName;
  easeWeight: number;
  scorer: ScorerModel;
  validation: RankingMetrics | null;
}

/** Trains every model of one batch run; see `TrainAll` in ./types. */
export const trainAll: TrainAll = (data, items, config, onProgress) => {
  const clock = config.clock;
  const timings: Record<string, number> = {};
  let mark = clock?.() ?? 0;
  const lap = (stage: string) => {
    if (!clock) return;
    const t = clock();
    timings[stage] = (timings[stage] ?? 0) + (t - mark);
    mark = t;
  };
  const progress = (stage: string, done: number, total: number) =>
    onProgress?.({ stage, done, total });
  const hp: Record<string, number | string> = {};

  // 1–3. Choose models, hyper-parameters and the scorer on a slice of the training data.
  const selection = selectOnValidationSlice(data, items, config, hp, progress, lap);

  // 4. Final models on all the training data.
  const nUsers = data.userIds.length;
  const nItems = data.itemIds.length;
  const byUser = userMajor(data);
  const byItem = itemMajor(data);
  const popularity = itemPopularity(data);
  const { als, ease, chosen, easeWeight } = selection;
  const alsStarted = clock?.() ?? 0;
  const final = trainAls(byUser, byItem, als, (done, total) => progress('als', done, total));
  const alsMs = (clock?.() ?? 0) - alsStarted;
  lap('als');
  const alsFinal = factorModel('als', final.userFactors, final.itemFactors, als.dims, nItems);
  let base: BaseModel = alsFinal;
  let neighbours: NeighbourFinder = cosineNeighbours(
    final.itemFactors,
    nItems,
    als.dims,
    config.neighbours,
  );
  if ((chosen === 'ease' || chosen === 'ease+als') && ease) {
    progress('ease', 0, 1);
    const b = trainEase(byUser, ease);
    const easeFinal = easeModel(b, byUser, ease.binary);
    base = chosen === 'ease' ? easeFinal : blendModel(chosen, easeFinal, base, easeWeight);
    neighbours = matrixRowNeighbours(b, nItems, config.neighbours);
    progress('ease', 1, 1);
    lap('ease');
  }
  // Candidates outside the top-N are scored by the ALS dot product: map it onto this model's scale.
  const baseScoreCalibration =
    base === alsFinal
      ? IDENTITY_CALIBRATION
      : fitBaseScoreCalibration(
          base,
          alsFinal,
          byUser,
          spacedUsers(nUsers, CALIBRATION_USERS),
          config.topN,
        );
  hp.calibration_scale = baseScoreCalibration.scale;
  hp.calibration_offset = baseScoreCalibration.offset;

  Object.assign(hp, {
    model: chosen,
    als_dims: als.dims,
    als_lambda: als.lambda,
    als_alpha: als.alpha,
    als_scaling: als.scaling,
    als_iterations: als.iterations,
    als_cg_steps: als.cgSteps,
  });
  if (ease) {
    Object.assign(hp, {
      ease_lambda: ease.lambda,
      ease_binary: ease.binary ? 1 : 0,
      ease_time_scale_s: ease.timeScaleMs / 1000,
      ease_weight: easeWeight,
    });
  }

  const scores = new Float64Array(nItems);
  const idx = new Int32Array(config.topN);
  const sc = new Float64Array(config.topN);
  return {
    model: chosen,
    dims: als.dims,
    itemFactors: final.itemFactors,
    userFactors: final.userFactors,
    gram: gramOf(final.itemFactors, nItems, als.dims),
    // Fold-in solves against the ALS item factors with the ALS λ, α and confidence scaling
    // (HKV 2008); the batch vector is the prior (weight 1: the ridge pulls towards it).
    foldIn: {
      lambda: als.lambda,
      alpha: als.alpha,
      priorWeight: 1,
      confidence: als.scaling,
      epsilon: als.epsilon,
    },
    topN(user) {
      if (user < 0 || user >= nUsers) return [];
      base.scoreUser(user, scores);
      maskSeen(byUser, user, scores);
      const count = selectTopK(scores, nItems, config.topN, idx, sc);
      const out: ScoredItem[] = new Array(count);
      for (let k = 0; k < count; k++) out[k] = { itemId: data.itemIds[idx[k]!]!, score: sc[k]! };
      return out;
    },
    neighbours(item) {
      if (item < 0 || item >= nItems) return [];
      const list = neighbours(item);
      return Array.from(list.items, (j, k) => ({
        itemId: data.itemIds[j]!,
        score: list.scores[k]!,
      }));
    },
    popularity,
    scorer: selection.scorer,
    baseScoreCalibration,
    hyperParameters: hp,
    validation: selection.validation,
    timings,
    alsThroughput: clock && alsMs > 0 ? (final.nonZeros * final.iterations * 1000) / alsMs : null,
  } satisfies TrainOutputs;
};

/**
 * Steps 1–3 on the validation slice: split per item, search ALS and EASE, try blends (popularity
 * is measured as a baseline), then train and judge the scorer on the chosen model's candidate
 * lists. Everything fitted here is garbage once it returns (the Worker's memory holds one EASE
 * matrix at a time).
 */
function selectOnValidationSlice(
  data: Interactions,
  items: readonly (ItemFacts | undefined)[],
  config: TrainConfig,
  hp: Record<string, number | string>,
  progress: (stage: string, done: number, total: number) => void,
  lap: (stage: string) => void,
): Selection {
  const nItems = data.itemIds.length;
  const hpIn = config.hyperParameters ?? {};
  const trials =
    (stage: string): TrialCallback =>
    (_t, done, total) =>
      progress(stage, done, Math.max(done, total));

  // 1. Validation slice, carved from the training data only.
  progress('validation-split', 0, 1);
  const split = splitPerItem(data, VALIDATION_FRACTION, config.seed);
  const fitByUser = userMajor(split.fit);
  const fitByItem = itemMajor(split.fit);
  const relevant = relevantSets(userMajor(split.holdout));
  const fitPopularity = itemPopularity(split.fit);
  hp.validation_fraction = VALIDATION_FRACTION;
  hp.validation_users = relevant.size;
  progress('validation-split', 1, 1);
  lap('validation-split');
  const ndcgOf = (m: BaseModel) => evaluateBaseModel(m, fitByUser, relevant, 10).ndcg;

  // 2. Models. ALS always: its item factors serve ANN and fold-in whatever ranks the top-N.
  const alsSearch = searchAls(
    fitByUser,
    fitByItem,
    relevant,
    {
      ...DEFAULT_ALS_PARAMS,
      scaling: SCALING_CODES[hpIn.als_scaling ?? 2] ?? ALS_START.scaling,
      alpha: hpIn.als_alpha ?? ALS_START.alpha,
      lambda: hpIn.als_lambda ?? ALS_START.lambda,
      iterations: hpIn.als_iterations ?? ALS_START.iterations,
      cgSteps: hpIn.als_cg_steps ?? DEFAULT_ALS_PARAMS.cgSteps,
      dims: config.dims,
      seed: config.seed,
    },
    config.tune === 'auto' ? ALS_SEARCH_TRIALS : 1,
    trials('tune-als'),
  );
  const als = alsSearch.params;
  hp.validation_ndcg_als = alsSearch.ndcg;
  hp.als_trials = alsSearch.trials.length;
  const alsFit = factorModel(
    'als',
    alsSearch.model.userFactors,
    alsSearch.model.itemFactors,
    als.dims,
    nItems,
  );
  let chosen: BaseName = 'als';
  let best = alsSearch.ndcg;
  let fitModel: BaseModel = alsFit;
  let fitNeighbours: NeighbourFinder = cosineNeighbours(
    alsSearch.model.itemFactors,
    nItems,
    als.dims,
    config.neighbours,
  );
  lap('tune-als');

  // Baselines, reported next to the models (never served: see the choice below).
  hp.validation_ndcg_popularity = ndcgOf(constantModel('popularity', fitPopularity));
  hp.validation_ndcg_popularity_decayed = ndcgOf(
    constantModel('popularity', itemPopularity(split.fit, POPULARITY_HALF_LIFE_DAYS)),
  );

  let ease: EaseParams | null = null;
  let easeWeight = 0;
  const easeAllowed = config.model !== 'als' && nItems > 0 && nItems <= config.easeMaxItems;
  if (easeAllowed) {
    const search = searchEase(
      fitByUser,
      relevant,
      {
        lambda: hpIn.ease_lambda ?? EASE_START.lambda,
        binary: (hpIn.ease_binary ?? 1) !== 0,
        timeScaleMs:
          hpIn.ease_time_scale_s === undefined
            ? EASE_START.timeScaleMs
            : hpIn.ease_time_scale_s * 1000,
      },
      EASE_START.timeScaleMs,
      config.tune === 'auto' ? EASE_SEARCH_TRIALS : 1,
      trials('tune-ease'),
    );
    ease = search.params;
    hp.validation_ndcg_ease = search.ndcg;
    hp.ease_trials = search.trials.length;
    const fitEase = easeModel(search.model, fitByUser, ease.binary);
    const easeNeighbours = matrixRowNeighbours(search.model, nItems, config.neighbours);
    // 'auto' keeps ALS in the served model: the API scores candidates outside the cached top-N
    // (session, ANN, neighbours, fresh) by the user vector · ALS item factors, and the real-time
    // loop folds users into ALS factors. EASE alone (or popularity alone) puts the top-N on another
    // scale, so those candidates outranked it: served nDCG 0.036 vs 0.386 offline on a 50-user
    // slice. EASE alone stays available when asked for.
    if (config.model === 'ease') {
      chosen = 'ease';
      best = search.ndcg;
      easeWeight = 1;
      fitModel = fitEase;
      fitNeighbours = easeNeighbours;
    }
    if (config.model === 'auto') {
      // EASE (full rank, item–item) and ALS (low rank) err differently; a blend of their raw
      // scores (both estimate the same 0/1 preference) is tried at a few weights.
      for (const w of BLEND_WEIGHTS) {
        const blend = blendModel('ease+als', fitEase, alsFit, w);
        const ndcg = ndcgOf(blend);
        hp[`validation_ndcg_blend_${w}`] = ndcg;
        if (ndcg > best) {
          chosen = 'ease+als';
          best = ndcg;
          easeWeight = w;
          fitModel = blend;
          fitNeighbours = easeNeighbours;
        }
      }
    }
  } else if (config.model === 'ease') {
    hp.ease_skipped = `items ${nItems} > easeMaxItems ${config.easeMaxItems}`;
  }

  lap('tune-ease');

  // 3. Scorer, on validation users' candidate lists: half of the users fit it, half judge it.
  progress('scorer', 0, 1);
  const rng = createRng(config.seed ^ 0x5c0e);
  const validationUsers = [...relevant.keys()].sort((a, b) => a - b);
  const maxUsers = Math.max(1, Math.floor(MAX_SCORER_ROWS / scorerRowsPerUser(config.topN)));
  const scorerUsers =
    validationUsers.length <= maxUsers
      ? validationUsers
      : sample(validationUsers, maxUsers, rng).sort((a, b) => a - b);
  // The slice's own calibration, fitted as the final one is (see trainAll).
  const fitCalibration =
    fitModel === alsFit
      ? IDENTITY_CALIBRATION
      : fitBaseScoreCalibration(
          fitModel,
          alsFit,
          fitByUser,
          spacedUsers(scorerUsers.length, CALIBRATION_USERS).map((i) => scorerUsers[i]!),
          config.topN,
        );
  const dataset = buildScorerDataset({
    model: fitModel,
    als: alsFit,
    calibration: fitCalibration,
    trending: itemPopularity(split.fit, TRENDING_HALF_LIFE_DAYS),
    fit: fitByUser,
    relevant,
    users: scorerUsers,
    neighbours: fitNeighbours,
    itemIds: data.itemIds,
    items,
    popularity: fitPopularity,
    now: latest(data),
    topN: config.topN,
  });
  const half = new Uint8Array(datasetGroups(dataset));
  for (let g = 0; g < half.length; g++) half[g] = rng.next() < 0.5 ? 1 : 0;
  const choice = chooseScorer(dataset, (g) => half[g] === 1);
  Object.assign(hp, {
    scorer: choice.model.kind,
    scorer_users: datasetGroups(dataset),
    scorer_ndcg_base: choice.baseNdcg,
    scorer_ndcg_logistic: choice.logisticNdcg,
    scorer_ndcg_gbdt: choice.gbdtNdcg,
    scorer_ndcg_gain: Math.max(choice.logisticNdcg, choice.gbdtNdcg) - choice.baseNdcg,
    scorer_gain_t_logistic: choice.logisticGainT,
    scorer_gain_t_gbdt: choice.gbdtGainT,
  });
  const validation = pipelineMetrics(dataset, choice.model, nItems);
  progress('scorer', 1, 1);
  lap('scorer');
  return { als, ease, chosen, easeWeight, scorer: choice.model, validation };
}

/** At most `k` user indices spread evenly over 0..n (deterministic, every user when n ≤ k). */
function spacedUsers(n: number, k: number): number[] {
  const m = Math.min(n, k);
  return Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
}

/** Latest timestamp of the data ("now" for item ages; training reads no clock). */
function latest(data: Interactions): number {
  let t = 0;
  for (let e = 0; e < data.timestamps.length; e++) {
    if (data.timestamps[e]! > t) t = data.timestamps[e]!;
  }
  return t;
}

/** `k` distinct elements of `a` chosen with `rng` (partial Fisher–Yates on a copy). */
function sample<T>(a: readonly T[], k: number, rng: Rng): T[] {
  const copy = a.slice();
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}

/**
 * Metrics at 10 of the served pipeline (candidates re-ranked by `scorer`) on the scorer's
 * validation users (in-sample for a kept scorer; `scorer_ndcg_gain` is the out-of-sample check).
 */
function pipelineMetrics(
  d: ScorerDataset,
  scorer: ScorerModel,
  nItems: number,
): RankingMetrics | null {
  const groups = datasetGroups(d);
  if (groups === 0) return null;
  const score = scorer.kind === 'identity' ? null : scoreDataset(scorer, d);
  const users = [];
  for (let g = 0; g < groups; g++) {
    const a = d.groupStart[g]!;
    const b = d.groupStart[g + 1]!;
    const order = Array.from({ length: b - a }, (_, k) => a + k);
    if (score) order.sort((x, y) => score[y]! - score[x]! || x - y);
    const recommended = order.slice(0, 10).map((r) => d.items[r]!);
    // Relevant items outside the candidate list still count (recall, ideal DCG): stand-ins that
    // can never be recommended keep the set's size right.
    const relevant = new Set<number>();
    for (let r = a; r < b; r++) if (d.labels[r]) relevant.add(d.items[r]!);
    for (let extra = 0; relevant.size < d.relevantCount[g]!; extra++) relevant.add(-1 - extra);
    users.push({ recommended, relevant });
  }
  return rankingMetrics(users, 10, nItems);
}
