import { describe, expect, it } from 'vitest';
import {
  buildFeatures,
  FEATURE_COUNT,
  FEATURE_NAMES,
  type CandidateFacts,
} from '../../../shared/domain/features';
import { createRng } from '../../../shared/training/random';
import {
  applyScorer,
  chooseScorer,
  datasetNdcg,
  pairedGainT,
  scoreDataset,
  trainGbdt,
  trainLogistic,
  type ScorerDataset,
} from '../../../shared/training/scorer';

const col = (name: string) => FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number]);
const ITEM_ITEM = col('item_item');
const AFFINITY = col('category_affinity');
const BASE = col('base_score');

/**
 * `groups` lists of `size` candidates with random features; `label(features)` decides relevance.
 * The base order (row order) is random, so only the features can rank well.
 */
function toyDataset(
  seed: number,
  label: (f: Float64Array) => boolean,
  groups = 60,
  size = 20,
): ScorerDataset {
  const rng = createRng(seed);
  const n = groups * size;
  const features = new Float64Array(n * FEATURE_COUNT);
  const labels = new Uint8Array(n);
  const groupStart = new Int32Array(groups + 1);
  const relevantCount = new Int32Array(groups);
  for (let r = 0; r < n; r++) {
    const f = features.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT);
    for (let j = 0; j < FEATURE_COUNT; j++) f[j] = rng.next();
    labels[r] = label(f) ? 1 : 0;
    relevantCount[Math.floor(r / size)] = relevantCount[Math.floor(r / size)]! + labels[r]!;
  }
  for (let g = 0; g <= groups; g++) groupStart[g] = g * size;
  return {
    features,
    items: Int32Array.from({ length: n }, (_, r) => r),
    labels,
    groupStart,
    relevantCount,
  };
}

describe('scorer', () => {
  it('logistic regression learns a linearly separable problem', () => {
    const rule = (f: Float64Array) => f[ITEM_ITEM]! + f[AFFINITY]! > 1;
    const train = toyDataset(1, rule);
    const test = toyDataset(2, rule);
    const model = trainLogistic(train);
    expect(model.weights[ITEM_ITEM]!).toBeGreaterThan(0);
    expect(model.weights[AFFINITY]!).toBeGreaterThan(0);
    const scores = scoreDataset(model, test);
    let correct = 0;
    for (let r = 0; r < test.labels.length; r++)
      correct += (scores[r]! > 0 ? 1 : 0) === test.labels[r] ? 1 : 0;
    expect(correct / test.labels.length).toBeGreaterThan(0.95);
    expect(datasetNdcg(test, scores, 10)).toBeGreaterThan(0.95);
    expect(datasetNdcg(test, null, 10)).toBeLessThan(0.8);
  });

  it('boosted trees learn an interaction that a linear model cannot (XOR)', () => {
    const rule = (f: Float64Array) => f[ITEM_ITEM]! > 0.5 !== f[AFFINITY]! > 0.5;
    const train = toyDataset(3, rule, 100);
    const test = toyDataset(4, rule, 100);
    const gbdt = trainGbdt(train);
    const logistic = trainLogistic(train);
    const gbdtNdcg = datasetNdcg(test, scoreDataset(gbdt, test), 10);
    expect(gbdtNdcg).toBeGreaterThan(0.95);
    expect(gbdtNdcg).toBeGreaterThan(datasetNdcg(test, scoreDataset(logistic, test), 10) + 0.1);
  });

  it('keeps the identity scorer when nothing beats the base order', () => {
    // Relevant candidates already come first in every list: no re-ranking can do better.
    const d = toyDataset(5, () => false);
    for (let g = 0; g < d.relevantCount.length; g++) {
      for (let k = 0; k < 3; k++) d.labels[d.groupStart[g]! + k] = 1;
      d.relevantCount[g] = 3;
    }
    const choice = chooseScorer(d, (g) => g % 2 === 0);
    expect(choice.model).toEqual({ kind: 'identity' });
    expect(choice.baseNdcg).toBe(1);
  });

  it('serves a re-ranker whose gain stands out of the noise, not one that is noise', () => {
    const strong = chooseScorer(
      toyDataset(3, (f) => f[ITEM_ITEM]! + f[AFFINITY]! > 1.2),
      (g) => g % 2 === 0,
    );
    expect(strong.model.kind).not.toBe('identity');
    expect(Math.max(strong.logisticGainT, strong.gbdtGainT)).toBeGreaterThan(2);
    // Labels independent of every feature: any gain on the judging half is luck.
    const rng = createRng(4);
    const noise = chooseScorer(
      toyDataset(4, () => rng.next() < 0.1),
      (g) => g % 2 === 0,
    );
    expect(noise.model).toEqual({ kind: 'identity' });
  });

  it('pairedGainT: mean gain over its standard error, 0 without a gain', () => {
    const a = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
    expect(pairedGainT(a, Float64Array.from([0.2, 0.3, 0.4, 0.5]))).toBe(1e9);
    // Gains 0.1, 0.3, 0.1, 0.3: mean 0.2, sd 0.1155, se 0.0577, t = 3.46.
    expect(pairedGainT(a, Float64Array.from([0.2, 0.5, 0.4, 0.7]))).toBeCloseTo(3.4641, 3);
    expect(pairedGainT(a, a)).toBe(0);
    expect(pairedGainT(a, Float64Array.from([0, 0.1, 0.2, 0.3]))).toBe(0);
  });

  it('applyScorer: identity returns the base score; logistic and gbdt match their definitions', () => {
    const facts: CandidateFacts = {
      baseScore: 0.7,
      topNRank: 2,
      itemItem: 0.4,
      popularity: 10,
      ageDays: null,
      categoryAffinity: 0.25,
      sources: new Set(['topn']),
      hour: 12,
      device: 'unknown',
    };
    const f = buildFeatures(facts);
    expect(applyScorer({ kind: 'identity' }, f)).toBe(0.7);
    const weights = new Array(FEATURE_COUNT).fill(0);
    weights[BASE] = 2;
    weights[ITEM_ITEM] = -1;
    const mean = new Array(FEATURE_COUNT).fill(0);
    const scale = new Array(FEATURE_COUNT).fill(1);
    scale[ITEM_ITEM] = 2;
    expect(
      applyScorer(
        { kind: 'logistic', features: [...FEATURE_NAMES], weights, bias: 0.5, mean, scale },
        f,
      ),
    ).toBeCloseTo(0.5 + 2 * 0.7 - 0.4 / 2, 12);
    const tree = {
      feature: [ITEM_ITEM, -1, -1],
      threshold: [0.5, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      value: [0, 3, -3],
    };
    const gbdt = {
      kind: 'gbdt' as const,
      features: [...FEATURE_NAMES],
      base: 1,
      learningRate: 0.5,
      trees: [tree, tree],
    };
    expect(applyScorer(gbdt, f)).toBe(1 + 0.5 * 3 * 2);
  });
});
