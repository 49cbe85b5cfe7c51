/** The outputs of one batch run, as the batch writes them and the edge reads them. */

/** An item with a score; lists of these are sorted by score, highest first. */
export interface ScoredItem {
  itemId: string;
  score: number;
}

/** Per-user precomputed candidates of one version (Redis `version.topN`, KV `topN`). */
export interface TopNRecord {
  version: string;
  userId: string;
  /** Up to `LIMITS.topN` candidates, seen items removed, best first: `[itemId, baseScore]`. */
  items: [string, number][];
  /** The user's batch embedding (length `manifest.dims`), the prior for fold-in and the ANN query. */
  vector: number[];
  /** Item ids the user had interacted with in the training data (never recommended again). */
  seen: string[];
  /** Share of the user's training interactions per category (category affinity feature). */
  categoryAffinity: Record<string, number>;
}

/** Online user vector refreshed by fold-in between batches (Redis `userVector`). */
export interface OnlineUserVector {
  /** The version whose item factors it was solved against; ignored once another version is served. */
  version: string;
  vector: number[];
  updatedAt: number;
  /** Number of events folded in since the batch. */
  events: number;
}

/** Per-item facts the serving path needs, indexed like `ModelManifest.itemIds`. */
export interface ItemFacts {
  categories: string[];
  /** ms since epoch, or null when unknown. */
  createdAt: number | null;
  /** Weighted interaction count in the training window. */
  popularity: number;
  /** Provider or supplier, for exposure caps (optional). */
  provider?: string;
}

/** A trained scorer: a versioned artefact evaluated in the worker (see shared/training/scorer.ts). */
export type ScorerModel =
  | { kind: 'identity' }
  | {
      kind: 'logistic';
      features: string[];
      weights: number[];
      bias: number;
      mean: number[];
      scale: number[];
    }
  | {
      kind: 'gbdt';
      features: string[];
      base: number;
      learningRate: number;
      /** Flat trees: node i has feature[i] (-1 for a leaf), threshold[i], left[i], right[i], value[i]. */
      trees: {
        feature: number[];
        threshold: number[];
        left: number[];
        right: number[];
        value: number[];
      }[];
    };

/** Offline metrics at k (precision, recall, nDCG, MAP) plus catalogue coverage. */
export interface RankingMetrics {
  k: number;
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
}

/**
 * How fold-in turns a summed event weight w into confidence, as the batch's ALS did:
 * c = 1 + alpha·f(w) with f(w) = w ('linear', the default when `confidence` is absent),
 * log(1 + w/epsilon) ('log'), or 1 ('binary': any interaction counts the same).
 */
export interface FoldInParameters {
  lambda: number;
  alpha: number;
  priorWeight: number;
  confidence?: 'linear' | 'log' | 'binary';
  epsilon?: number;
}

/**
 * Affine map from the ALS dot product (user vector · item factors) to the served base model's
 * score scale: `scale · dot + offset`. Candidates outside the cached top-N are scored by the dot
 * product; without this map a blend or EASE top-N and those candidates sit on different scales.
 */
export interface BaseScoreCalibration {
  scale: number;
  offset: number;
}

/** Everything the edge needs of one version besides per-user and per-item lists. */
export interface ModelManifest {
  version: string;
  createdAt: number;
  /** The base model that produced top-N lists and item vectors: 'als', 'ease', 'ease+als', ... */
  model: string;
  dims: number;
  itemIds: string[];
  items: ItemFacts[];
  /** YᵀY of the item factors (dims × dims, row-major): fold-in solves against it. */
  gram: number[];
  /** Regularisation and confidence scaling the fold-in must use (Hu, Koren, Volinsky 2008). */
  foldIn: FoldInParameters;
  /** Weight per event type used to build training confidence; the real-time loop uses the same. */
  eventWeights: Record<string, number>;
  scorer: ScorerModel;
  hyperParameters: Record<string, number | string>;
  metrics: RankingMetrics | null;
  /**
   * Puts candidates outside the cached top-N on the top-N's scale (shared/training/base-score-scale.ts).
   * Absent in manifests written before it existed: the raw dot product is used, as then.
   */
  baseScoreCalibration?: BaseScoreCalibration;
}
