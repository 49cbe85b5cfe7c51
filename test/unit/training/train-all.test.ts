import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../../shared/domain/features';
import type { TrainProgress } from '../../../shared/training/types';
import { topNCandidateFacts } from '../../../shared/training/candidate-facts';
import {
  DEFAULT_TRAIN_CONFIG,
  interactionsFromColumns,
  rankCachedCandidates,
  trainAll,
} from '../../../shared/training/index';
import { plantedData } from './fixtures';

const config = { ...DEFAULT_TRAIN_CONFIG, dims: 8, topN: 20, neighbours: 5 };
const planted = plantedData(11, 90, 50);
const data = planted.train;

describe('trainAll', () => {
  const progress: TrainProgress[] = [];
  let tick = 0;
  const out = trainAll(data, [], { ...config, clock: () => (tick += 5) }, (p) => progress.push(p));

  it('never recommends a user an item they already have, and lists are sorted', () => {
    for (let u = 0; u < data.userIds.length; u++) {
      const seen = new Set<string>();
      for (let e = 0; e < data.rows.length; e++) {
        if (data.rows[e] === u) seen.add(data.itemIds[data.cols[e]!]!);
      }
      const list = out.topN(u);
      expect(list.length).toBeGreaterThan(0);
      expect(list.length).toBeLessThanOrEqual(config.topN);
      for (const s of list) expect(seen.has(s.itemId)).toBe(false);
      for (let k = 1; k < list.length; k++)
        expect(list[k]!.score).toBeLessThanOrEqual(list[k - 1]!.score);
    }
    expect(out.topN(-1)).toEqual([]);
    expect(out.topN(data.userIds.length)).toEqual([]);
  });

  it('produces ALS item factors, their Gram matrix, neighbours and popularity', () => {
    const d = out.dims;
    expect(d).toBe(8);
    expect(out.itemFactors.length).toBe(data.itemIds.length * d);
    expect(out.userFactors.length).toBe(data.userIds.length * d);
    let g01 = 0;
    for (let i = 0; i < data.itemIds.length; i++)
      g01 += out.itemFactors[i * d]! * out.itemFactors[i * d + 1]!;
    expect(out.gram[1]).toBeCloseTo(g01, 6);
    const nbrs = out.neighbours(0);
    expect(nbrs.length).toBeGreaterThan(0);
    expect(nbrs.length).toBeLessThanOrEqual(config.neighbours);
    expect(nbrs.some((n) => n.itemId === data.itemIds[0])).toBe(false);
    const pop = Array.from(out.popularity).reduce((a, b) => a + b, 0);
    expect(pop).toBeCloseTo(
      Array.from(data.values).reduce((a, b) => a + b, 0),
      3,
    );
  });

  it('records the chosen hyper-parameters, validation metrics, progress and timings', () => {
    // 'auto' serves a model with ALS in it (the API and the real-time loop score by ALS factors).
    expect(['als', 'ease+als']).toContain(out.model);
    expect(out.hyperParameters.model).toBe(out.model);
    expect(out.hyperParameters.als_lambda).toBeGreaterThan(0);
    expect(typeof out.hyperParameters.scorer_ndcg_gain).toBe('number');
    expect(out.validation!.ndcg).toBeGreaterThan(0);
    expect(out.validation!.ndcg).toBeLessThanOrEqual(1);
    const stages = new Set(progress.map((p) => p.stage));
    for (const s of ['validation-split', 'tune-als', 'tune-ease', 'scorer', 'als'])
      expect(stages).toContain(s);
    expect(Object.keys(out.timings)).toEqual(expect.arrayContaining(['tune-als', 'als', 'scorer']));
    expect(out.alsThroughput).toBeGreaterThan(0);
  });

  it('is deterministic given the seed', () => {
    const again = trainAll(data, [], config);
    expect(again.hyperParameters).toEqual(out.hyperParameters);
    expect(Array.from(again.itemFactors)).toEqual(Array.from(out.itemFactors));
    expect(again.scorer).toEqual(out.scorer);
    for (const u of [0, 17, 42]) expect(again.topN(u)).toEqual(out.topN(u));
    expect(again.neighbours(3)).toEqual(out.neighbours(3));
    // Without a clock, no timings are made up.
    expect(again.timings).toEqual({});
    expect(again.alsThroughput).toBeNull();
  });

  it('follows a forced model and skips EASE above easeMaxItems', () => {
    const als = trainAll(data, [], { ...config, model: 'als', tune: 'off' });
    expect(als.model).toBe('als');
    expect(als.hyperParameters.ease_lambda).toBeUndefined();
    const ease = trainAll(data, [], { ...config, model: 'ease', tune: 'off' });
    expect(ease.model).toBe('ease');
    const skipped = trainAll(data, [], { ...config, model: 'ease', tune: 'off', easeMaxItems: 10 });
    expect(skipped.model).toBe('als');
    expect(String(skipped.hyperParameters.ease_skipped)).toContain('easeMaxItems');
  });

  it('uses fixed hyper-parameters as given when tuning is off', () => {
    const fixed = trainAll(data, [], {
      ...config,
      model: 'als',
      tune: 'off',
      hyperParameters: { als_lambda: 3, als_alpha: 7, als_iterations: 4, als_scaling: 1 },
    });
    expect(fixed.hyperParameters).toMatchObject({
      als_lambda: 3,
      als_alpha: 7,
      als_iterations: 4,
      als_trials: 1,
    });
    expect(fixed.foldIn.lambda).toBe(3);
    expect(fixed.foldIn.alpha).toBe(7);
    // Fold-in must turn event weights into confidence the way training did.
    expect(fixed.foldIn.confidence).toBe('log');
    expect(fixed.hyperParameters.als_scaling).toBe('log');
  });

  it('survives empty and tiny data', () => {
    const empty = trainAll(interactionsFromColumns([], [], [], []), [], config);
    expect(empty.topN(0)).toEqual([]);
    expect(empty.itemFactors.length).toBe(0);
    const tiny = trainAll(interactionsFromColumns(['u'], ['i'], [1], [0]), [], config);
    expect(tiny.topN(0)).toEqual([]);
    expect(tiny.neighbours(0)).toEqual([]);
  });
});

describe('rankCachedCandidates', () => {
  const ctx = {
    itemFacts: () => ({ categories: [], createdAt: null, popularity: 1 }),
    categoryAffinity: {},
    recentNeighbours: [[{ itemId: 'c', score: 0.9 }]],
    now: 0,
    hour: 12,
    device: 'unknown' as const,
  };
  const candidates = topNCandidateFacts(
    [
      ['a', 0.9],
      ['b', 0.5],
      ['c', 0.5],
      ['d', 0.1],
    ],
    ctx,
  );

  it('keeps the base order with the identity scorer and drops exclusions', () => {
    expect(rankCachedCandidates(candidates, { kind: 'identity' }, 3).map((s) => s.itemId)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(
      rankCachedCandidates(candidates, { kind: 'identity' }, 3, new Set(['b'])).map(
        (s) => s.itemId,
      ),
    ).toEqual(['a', 'c', 'd']);
  });

  it('re-orders by the scorer over the shared features (item-item similarity here)', () => {
    expect(candidates[2]!.facts.itemItem).toBe(0.9);
    expect(candidates[0]!.facts.topNRank).toBe(0);
    const weights = new Array(FEATURE_COUNT).fill(0);
    weights[FEATURE_NAMES.indexOf('item_item')] = 1;
    const scorer = {
      kind: 'logistic' as const,
      features: [],
      weights,
      bias: 0,
      mean: new Array(FEATURE_COUNT).fill(0),
      scale: new Array(FEATURE_COUNT).fill(1),
    };
    expect(rankCachedCandidates(candidates, scorer, 2).map((s) => s.itemId)).toEqual(['c', 'a']);
  });
});
