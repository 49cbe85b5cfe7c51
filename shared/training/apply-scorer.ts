/**
 * Evaluates a trained `ScorerModel` on one feature vector (`buildFeatures`). Allocation-free and
 * branch-light: the edge calls it for every candidate of every request.
 */
import type { ScorerModel } from '../domain/artefacts';

/**
 * The scorer's score of `features` (higher is better). 'identity' returns the base score
 * (feature 0), so ranking by it keeps the base model's order; 'logistic' returns the logit
 * wᵀ((f − mean) / scale) + b (monotone in the probability, no exp needed); 'gbdt' the sum of the
 * leaf values times the learning rate plus the base (a logit as well).
 */
export function applyScorer(model: ScorerModel, features: Float64Array): number {
  switch (model.kind) {
    case 'identity':
      return features[0]!;
    case 'logistic': {
      const { weights, mean, scale } = model;
      let s = model.bias;
      for (let j = 0; j < weights.length; j++) {
        s += (weights[j]! * (features[j]! - mean[j]!)) / scale[j]!;
      }
      return s;
    }
    case 'gbdt': {
      let s = model.base;
      const trees = model.trees;
      for (let t = 0; t < trees.length; t++) {
        const tree = trees[t]!;
        let node = 0;
        let f = tree.feature[0]!;
        while (f >= 0) {
          node = features[f]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
          f = tree.feature[node]!;
        }
        s += model.learningRate * tree.value[node]!;
      }
      return s;
    }
  }
}
