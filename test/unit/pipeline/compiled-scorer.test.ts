import { describe, expect, it } from 'vitest';
import type { ScorerModel } from '../../../shared/domain/artefacts';
import { FEATURE_COUNT } from '../../../shared/domain/features';
import { compileScorer, MAX_UNROLLED_DEPTH } from '../../../shared/pipeline/compiled-scorer';
import { applyScorer } from '../../../shared/training/apply-scorer';
import { createRng, type Rng } from '../../../shared/training/random';

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

/**
 * A tree grown like trainGbdt's (BFS node order, leaves at any level up to `depth`), or a chain
 * `depth` splits deep; `leafRoot` trees are a single leaf.
 */
function randomTree(rng: Rng, depth: number, shape: 'bushy' | 'chain' | 'leafRoot') {
  const tree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [rng.normal()] };
  if (shape === 'leafRoot') return tree;
  let frontier = [0];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: number[] = [];
    for (const node of frontier) {
      if (shape === 'bushy' && level > 0 && rng.next() < 0.3) continue;
      tree.feature[node] = rng.int(FEATURE_COUNT);
      tree.threshold[node] = rng.next();
      for (const side of ['left', 'right'] as const) {
        tree[side][node] = tree.feature.length;
        next.push(tree.feature.length);
        tree.feature.push(-1);
        tree.threshold.push(0);
        tree.left.push(-1);
        tree.right.push(-1);
        tree.value.push(rng.normal());
      }
    }
    frontier = shape === 'chain' ? next.slice(rng.int(2), 1 + rng.int(2)) : next;
  }
  return tree;
}

describe('compileScorer', () => {
  it('scores bit-identically to applyScorer for unbalanced, shallow, deep and single-leaf trees', () => {
    const rng = createRng(17);
    for (const depth of [0, 1, 3, 5, MAX_UNROLLED_DEPTH, MAX_UNROLLED_DEPTH + 3]) {
      const model: ScorerModel = {
        kind: 'gbdt',
        features: [],
        base: rng.normal(),
        learningRate: 0.05 + rng.next(),
        trees: Array.from({ length: 30 }, (_, t) =>
          randomTree(rng, depth, t % 7 === 0 ? 'leafRoot' : t % 3 === 0 ? 'chain' : 'bushy'),
        ),
      };
      const score = compileScorer(model);
      for (let n = 0; n < 300; n++) {
        const x = Float64Array.from({ length: FEATURE_COUNT }, () =>
          rng.next() < 0.2 ? Math.round(rng.next() * 4) / 4 : rng.next(),
        );
        // Values exactly at a threshold go left; NaN goes right in both.
        const tree = model.trees[n % model.trees.length]!;
        if (n % 5 === 0 && tree.feature[0]! >= 0) x[tree.feature[0]!] = tree.threshold[0]!;
        if (n % 11 === 0) x[rng.int(FEATURE_COUNT)] = NaN;
        expect(score(x)).toBe(applyScorer(model, x));
      }
    }
  });

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
