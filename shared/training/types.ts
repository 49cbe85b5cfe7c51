/**
 * The contract between the training code (pure, shared/training) and the batch stages (batch/):
 * the batch builds an `Interactions` matrix from the event log, calls `trainAll`, and writes the
 * `TrainOutputs` under a new version. Implemented in shared/training/index.ts.
 */
import type {
  BaseScoreCalibration,
  FoldInParameters,
  ItemFacts,
  RankingMetrics,
  ScoredItem,
  ScorerModel,
} from '../domain/artefacts';

/** A user × item matrix in coordinate form, one entry per (user, item) pair (duplicates summed). */
export interface Interactions {
  userIds: string[];
  itemIds: string[];
  /** Entry e: user index rows[e], item index cols[e], confidence weight values[e] (> 0). */
  rows: Int32Array;
  cols: Int32Array;
  values: Float32Array;
  /** Latest timestamp (ms) of each entry, for time-aware validation slices and recency. */
  timestamps: Float64Array;
}

export interface TrainConfig {
  /** Embedding dimensions (default 64). */
  dims: number;
  /** Seed of every random choice (initialisation, validation slice). */
  seed: number;
  /** Candidate list length per user (default 200) and neighbour list length (default 50). */
  topN: number;
  neighbours: number;
  /** 'auto' tunes on a validation slice carved from the training data; or fixed values. */
  tune: 'auto' | 'off';
  /** Which base models may be used; 'auto' picks the best on the validation slice. */
  model: 'auto' | 'als' | 'ease';
  /** Largest item count for which EASE (an items × items dense inverse) is attempted. */
  easeMaxItems: number;
  /** Fixed hyper-parameters (used as given when tune is 'off', as the starting point otherwise). */
  hyperParameters?: Record<string, number>;
  /**
   * Monotonic milliseconds, used only to fill `timings` and `alsThroughput` (training itself reads
   * no clock); without it both report 0 / null.
   */
  clock?: () => number;
}

export interface TrainProgress {
  stage: string;
  done: number;
  total: number;
}

export interface TrainOutputs {
  model: string;
  dims: number;
  /** Item factors, row-major `itemIds.length × dims` (ANN vectors and fold-in). */
  itemFactors: Float32Array;
  /** User factors, row-major `userIds.length × dims`. */
  userFactors: Float32Array;
  /** YᵀY of itemFactors, row-major dims × dims. */
  gram: Float64Array;
  foldIn: FoldInParameters;
  /** Top-N per user index (seen items removed), best first. */
  topN: (userIndex: number) => ScoredItem[];
  /** Top neighbours per item index, best first. */
  neighbours: (itemIndex: number) => ScoredItem[];
  /** Popularity per item index (weighted count) and the global ranking. */
  popularity: Float64Array;
  scorer: ScorerModel;
  /** ALS dot product → the top-N's score scale (shared/training/base-score-scale.ts). */
  baseScoreCalibration: BaseScoreCalibration;
  hyperParameters: Record<string, number | string>;
  /** Metrics on the validation slice, of the final pipeline (base model + scorer). */
  validation: RankingMetrics | null;
  timings: Record<string, number>;
  /** Alternating least squares throughput: non-zeros × iterations per second (null if not ALS). */
  alsThroughput: number | null;
}

export type TrainAll = (
  data: Interactions,
  items: ItemFacts[],
  config: TrainConfig,
  onProgress?: (p: TrainProgress) => void,
) => TrainOutputs;
