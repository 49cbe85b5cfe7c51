import { describe, expect, it } from 'vitest';
import type { ScorerModel } from '../../../shared/domain/artefacts';
import { FEATURE_COUNT } from '../../../shared/domain/features';
import { compileScorer } from '../../../shared/pipeline/compiled-scorer';
import { applyScorer } from '../../../shared/training/apply-scorer';
import { createRng } from '../../../shared/training/random';

/** Random full binary trees of `depth`, thresholds drawn where the features live. */
function randomGbdt(seed: number, trees: number, depth: number): ScorerModel {
  const rng = createRng(seed);
  const nodes = 2 ** (depth + 1) - 1;
  const internal = 2 ** depth - 1;
  return {
    kind: 'gbdt',
    features: [],
    base: rng.normal(),
    learningRate: 0.1,
    trees: Array.from({ length: trees }, () => ({
      feature: Array.from({ length: nodes }, (_, i) =>
        i < internal ? rng.int(FEATURE_COUNT) : -1,
      ),
      threshold: Array.from({ length: nodes }, (_, i) => (i < internal ? rng.next() : 0)),
      left: Array.from({ length: nodes }, (_, i) => (i < internal ? 2 * i + 1 : -1)),
      right: Array.from({ length: nodes }, (_, i) => (i < internal ? 2 * i + 2 : -1)),
      value: Array.from({ length: nodes }, (_, i) => (i < internal ? 0 : rng.normal())),
    })),
  };
}

describe('compileScorer', () => {
  it('scores exactly like applyScorer for tree ensembles, including ties at thresholds', () => {
    const model = randomGbdt(11, 40, 4);
    const score = compileScorer(model);
    const rng = createRng(5);
    for (let n = 0; n < 500; n++) {
      const x = Float64Array.from({ length: FEATURE_COUNT }, () => rng.next());
      if (n % 10 === 0 && model.kind === 'gbdt')
        x[model.trees[0]!.feature[0]!] = model.trees[0]!.threshold[0]!;
      expect(score(x)).toBeCloseTo(applyScorer(model, x), 12);
    }
  });

  it('delegates identity and logistic scorers to applyScorer', () => {
    const x = Float64Array.from({ length: FEATURE_COUNT }, (_, i) => i / 10);
    expect(compileScorer({ kind: 'identity' })(x)).toBe(0);
    const logistic: ScorerModel = {
      kind: 'logistic',
      features: [],
      weights: Array.from({ length: FEATURE_COUNT }, (_, i) => i % 3),
      bias: 0.5,
      mean: new Array(FEATURE_COUNT).fill(0.1),
      scale: new Array(FEATURE_COUNT).fill(2),
    };
    expect(compileScorer(logistic)(x)).toBe(applyScorer(logistic, x));
  });
});
