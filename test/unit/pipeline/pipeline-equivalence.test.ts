import { describe, expect, it } from 'vitest';
import type { ScorerModel } from '../../../shared/domain/artefacts';
import { FEATURE_COUNT, SOURCE_NAMES } from '../../../shared/domain/features';
import { benchInput } from '../../../shared/pipeline/bench-pipeline';
import { compileScorer } from '../../../shared/pipeline/compiled-scorer';
import {
  rankCandidates,
  type RankRules,
  type ScoredCandidate,
} from '../../../shared/pipeline/rank';
import {
  recommend,
  type RecommendInput,
  type RecommendOutput,
} from '../../../shared/pipeline/recommend';
import { buildServingModel } from '../../../shared/pipeline/serving-model';
import { createRng, type Rng } from '../../../shared/training/random';
import { referenceRank, referenceRecommend } from './reference-pipeline';

/** A seeded pool with ties, fresh items, shared categories/providers and missing vectors. */
function randomPool(rng: Rng, n: number, dims: number): ScoredCandidate[] {
  const categories = ['a', 'b', 'c', 'd', 'e'];
  return Array.from({ length: n }, (_, i) => {
    const c: ScoredCandidate = {
      itemId: `i${i}`,
      // Coarse scores so that many candidates tie and the tie-break (merge order) matters.
      score: rng.next() < 0.5 ? Math.round(rng.next() * 8) / 8 : rng.normal(),
      sources: SOURCE_NAMES.filter(() => rng.next() < 0.3),
      categories: categories.filter(() => rng.next() < 0.3),
      fresh: rng.next() < 0.15,
      ageDays: rng.next() < 0.2 ? null : rng.next() * 30,
      vector:
        rng.next() < 0.1
          ? null
          : rng.next() < 0.05
            ? new Array<number>(dims).fill(0)
            : Array.from({ length: dims }, () => rng.normal()),
    };
    if (rng.next() < 0.4) c.provider = `p${rng.int(3)}`;
    return c;
  });
}

/** `input` served by a version whose manifest maps dot products onto a blend's scale. */
function calibrated(input: RecommendInput): RecommendInput {
  const model = input.model!;
  const manifest = { ...model.manifest, baseScoreCalibration: { scale: 0.7, offset: 0.05 } };
  return { ...input, model: buildServingModel(manifest, model.factors, model.score) };
}

/** A gbdt of unbalanced trees as trainGbdt grows them: leaves at any level, nodes in BFS order. */
function unbalancedGbdt(rng: Rng, trees: number, depth: number): ScorerModel {
  return {
    kind: 'gbdt',
    features: [],
    base: rng.normal(),
    learningRate: 0.1,
    trees: Array.from({ length: trees }, () => {
      const tree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [0] };
      let frontier = [0];
      for (let level = 0; level < depth; level++) {
        const next: number[] = [];
        for (const node of frontier) {
          if (rng.next() < 0.3) continue;
          tree.feature[node] = rng.int(FEATURE_COUNT);
          tree.threshold[node] = rng.next();
          for (const side of ['left', 'right'] as const) {
            tree[side][node] = tree.feature.length;
            next.push(tree.feature.length);
            tree.feature.push(-1);
            tree.threshold.push(0);
            tree.left.push(-1);
            tree.right.push(-1);
            tree.value.push(0);
          }
        }
        frontier = next;
      }
      tree.value = tree.value.map(() => rng.normal());
      return tree;
    }),
  };
}

const RULES: RankRules = {
  k: 20,
  diversity: 0,
  freshnessBoost: 0,
  freshnessDays: 7,
  categoryCap: 1,
  providerCap: 1,
};

describe('rankCandidates equals the reference (full sort, eager MMR)', () => {
  it('for every combination of diversity, caps, freshness boost and k on seeded pools', () => {
    const rulesSeen = new Set<string>();
    let cases = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const rng = createRng(seed);
      const pool = randomPool(rng, [0, 3, 40, 150, 400, 600][seed - 1]!, 8);
      for (const diversity of [0, 0.05, 0.3, 0.5, 0.9, 1]) {
        for (const [categoryCap, providerCap] of [
          [1, 1],
          [0.3, 1],
          [1, 0.2],
          [0.1, 0.1],
        ] as const) {
          for (const freshnessBoost of [0, 0.5]) {
            for (const k of [1, 7, 20, 120]) {
              const rules = { ...RULES, k, diversity, categoryCap, providerCap, freshnessBoost };
              const ranked = rankCandidates(pool, rules);
              expect(ranked).toEqual(referenceRank(pool, rules));
              for (const r of ranked) for (const rule of r.rules) rulesSeen.add(rule);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(6 * 6 * 4 * 2 * 4);
    // Every rule fired somewhere, so each path of the ranking was compared.
    expect([...rulesSeen].sort()).toEqual([
      'cap-relaxed',
      'diversity',
      'exposure-cap',
      'freshness-boost',
    ]);
    // 1,152 cases against an eager reference take ~4 s on an idle 2-core machine: above the
    // default 5 s timeout once the machine is busy.
  }, 60_000);

  it('when no candidate has a vector (category overlap) or vectors differ in length', () => {
    const rng = createRng(9);
    const noVectors = randomPool(rng, 200, 4).map((c) => ({ ...c, vector: null }));
    const mixed = randomPool(rng, 200, 6).map((c, i) =>
      i % 3 === 0 && c.vector ? { ...c, vector: Array.from(c.vector).slice(0, 4) } : c,
    );
    for (const pool of [noVectors, mixed]) {
      for (const diversity of [0.2, 0.7]) {
        const rules = { ...RULES, diversity, categoryCap: 0.4 };
        expect(rankCandidates(pool, rules)).toEqual(referenceRank(pool, rules));
      }
    }
  });

  it('when scores are not finite (the order falls back to the reference comparison sort)', () => {
    const pool = randomPool(createRng(4), 120, 4).map((c, i) => ({
      ...c,
      score: i % 17 === 0 ? NaN : i % 23 === 0 ? Infinity : i % 29 === 0 ? -Infinity : c.score,
    }));
    for (const diversity of [0, 0.5]) {
      const rules = { ...RULES, diversity, freshnessBoost: 0.3 };
      expect(rankCandidates(pool, rules)).toEqual(referenceRank(pool, rules));
    }
  });
});

describe('recommend equals the reference pipeline', () => {
  type Check = (out: RecommendOutput) => void;
  const variants: [string, (input: RecommendInput) => RecommendInput, Check?][] = [
    ['plain', (x) => x],
    ['diversity 0.5', (x) => ({ ...x, diversity: 0.5 })],
    [
      'exposure caps, explain',
      (x) => ({
        ...x,
        explain: true,
        rules: { freshnessBoost: 0, freshnessDays: 7, categoryCap: 0.2, providerCap: 0.1 },
      }),
      (out) => expect(out.items.some((i) => i.reasons!.rules.includes('exposure-cap'))).toBe(true),
    ],
    ['explain', (x) => ({ ...x, explain: true })],
    [
      'caps, freshness boost, diversity and explain',
      (x) => ({
        ...x,
        diversity: 0.3,
        explain: true,
        rules: { freshnessBoost: 0.5, freshnessDays: 7, categoryCap: 0.3, providerCap: 0.25 },
      }),
      (out) => {
        const rules = new Set(out.items.flatMap((i) => i.reasons!.rules));
        expect([...rules].sort()).toEqual(['diversity', 'freshness-boost']);
      },
    ],
    ['category filter', (x) => ({ ...x, category: 'drama' })],
    ['no top-N (user·item dot products)', (x) => ({ ...x, topN: null, diversity: 0.2 })],
    ['calibrated base scores (a blend)', (x) => calibrated(x)],
    [
      'calibrated base scores, on-line vector',
      (x) => ({ ...calibrated(x), userVector: x.topN!.vector.map((v, d) => v + 0.1 * (d % 3)) }),
    ],
    ['calibrated base scores, no top-N', (x) => ({ ...calibrated(x), topN: null })],
    ['no top-N, no user vector', (x) => ({ ...x, topN: null, userVector: null })],
    [
      'cold user: nothing personal (fallback)',
      (x) => ({ ...x, topN: null, userVector: null, recent: [] }),
      (out) => expect(out.fallback).toBe(true),
    ],
    [
      'ANN matches, re-consumption, k = 100',
      (x) => ({
        ...x,
        ann: Array.from({ length: 50 }, (_, i) => ({ id: `i${i * 13}`, score: 1 - i / 50 })),
        allowReconsumption: true,
        k: 100,
      }),
    ],
    [
      'few candidates: popular fills up',
      (x) => ({
        ...x,
        k: 60,
        limits: { topN: 20, session: 5, perSeed: 3, trending: 5, fresh: 2, popular: 200 },
      }),
      (out) => expect(out.items.some((i) => i.sources.includes('popular'))).toBe(true),
    ],
  ];

  for (const seed of [7, 11, 23]) {
    // One bench request per seed (500 candidates, 100 trees), with providers on some items so
    // that the provider cap has something to cap; the variants patch copies of it.
    let base: RecommendInput | undefined;
    const request = (): RecommendInput => {
      if (!base) {
        base = benchInput(seed);
        base.model!.manifest.items.forEach((item, row) => {
          if (row % 4 === 0) item.provider = `p${row % 3}`;
        });
      }
      return base;
    };
    for (const [name, patch, check] of variants) {
      it(`${name} (seed ${seed})`, () => {
        const input = patch(request());
        const out = recommend(input);
        expect(out.items.length).toBeGreaterThan(0);
        expect(out).toEqual(referenceRecommend(input));
        check?.(out);
      });
    }
  }

  it('with an unbalanced tree ensemble as trained (padded to complete trees)', () => {
    const input = benchInput(5);
    const scorer = unbalancedGbdt(createRng(3), 60, 4);
    const model = input.model!;
    const manifest = { ...model.manifest, scorer };
    const served = buildServingModel(manifest, model.factors, compileScorer(scorer));
    for (const diversity of [0, 0.4]) {
      const x = { ...input, model: served, diversity, explain: true };
      expect(recommend(x)).toEqual(referenceRecommend(x));
    }
  });
});
