/**
 * `trainAll`: the whole training stage of the batch as one pure function (no I/O, no clock,
 * seeded): base models, hyper-parameter selection on a validation slice of the training data,
 * top-N lists, item neighbours, popularity and the scorer.
 */
import type { ScoredItem } from '../domain/artefacts';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from './als';
import { factorModel, maskSeen } from './base-model';
import { gramOf } from './dense';
import { evaluateBaseModel, relevantSets } from './evaluate-model';
import { cosineNeighbours } from './neighbours';
import { itemPopularity } from './popularity';
import { itemMajor, userMajor } from './sparse';
import { selectTopK } from './top-k';
import type { TrainAll, TrainConfig, TrainOutputs } from './types';
import { splitPerItem } from './validation-split';

export type { TrainAll, TrainConfig, TrainOutputs, TrainProgress, Interactions } from './types';
export { interactionsFromEvents, interactionsFromColumns } from './interactions';
export { rankingMetrics, ndcgAtK, precisionAtK, recallAtK, averagePrecisionAtK } from './metrics';

/** Defaults of `TrainConfig` (EASE up to 2,500 items: one n² Float64 matrix ≈ 50 MB in a 128 MB Worker). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  dims: 64,
  seed: 42,
  topN: 200,
  neighbours: 50,
  tune: 'auto',
  model: 'auto',
  easeMaxItems: 2500,
};

/** Share of each item's training interactions held out for validation. */
const VALIDATION_FRACTION = 0.2;

/** Trains every model of one batch run; see `TrainAll` in ./types. */
export const trainAll: TrainAll = (data, _items, config, onProgress) => {
  const timings: Record<string, number> = {};
  const nUsers = data.userIds.length;
  const nItems = data.itemIds.length;
  const byUser = userMajor(data);
  const byItem = itemMajor(data);
  const hp = config.hyperParameters ?? {};
  const als: AlsParams = {
    ...DEFAULT_ALS_PARAMS,
    dims: config.dims,
    seed: config.seed,
    lambda: hp.als_lambda ?? DEFAULT_ALS_PARAMS.lambda,
    alpha: hp.als_alpha ?? DEFAULT_ALS_PARAMS.alpha,
    iterations: hp.als_iterations ?? DEFAULT_ALS_PARAMS.iterations,
  };

  // Validation: fit on the slice, rank its held-out interactions.
  const split = splitPerItem(data, VALIDATION_FRACTION, config.seed);
  const fitByUser = userMajor(split.fit);
  const fitModel = trainAls(fitByUser, itemMajor(split.fit), als);
  const validation = evaluateBaseModel(
    factorModel('als', fitModel.userFactors, fitModel.itemFactors, als.dims, nItems),
    fitByUser,
    relevantSets(userMajor(split.holdout)),
    10,
  );

  onProgress?.({ stage: 'als', done: 0, total: als.iterations });
  const model = trainAls(byUser, byItem, als, (done, total) =>
    onProgress?.({ stage: 'als', done, total }),
  );
  const base = factorModel('als', model.userFactors, model.itemFactors, als.dims, nItems);
  const popularity = itemPopularity(data);
  const scores = new Float64Array(nItems);
  const idx = new Int32Array(config.topN);
  const sc = new Float64Array(config.topN);
  const neighbourFinder = cosineNeighbours(model.itemFactors, nItems, als.dims, config.neighbours);

  const outputs: TrainOutputs = {
    model: 'als',
    dims: als.dims,
    itemFactors: model.itemFactors,
    userFactors: model.userFactors,
    gram: gramOf(model.itemFactors, nItems, als.dims),
    foldIn: { lambda: als.lambda, alpha: als.alpha, priorWeight: 1 },
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
      const list = neighbourFinder(item);
      return Array.from(list.items, (j, k) => ({
        itemId: data.itemIds[j]!,
        score: list.scores[k]!,
      }));
    },
    popularity,
    scorer: { kind: 'identity' },
    hyperParameters: {
      model: 'als',
      als_lambda: als.lambda,
      als_alpha: als.alpha,
      als_iterations: als.iterations,
    },
    validation,
    timings,
    alsThroughput: null,
  };
  return outputs;
};
