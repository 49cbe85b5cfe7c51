/**
 * CPU of the pure request pipeline: scores and ranks 500 synthetic candidates (top-N, session,
 * trending, fresh) to 20 with a tree scorer, as the edge does per request. `benchInput` and
 * `runPipelineOnce` are pure (seeded); run as a script (`npx tsx shared/pipeline/bench-pipeline.ts`)
 * it times them and prints one JSON line for the bench harness.
 */
import type { ModelManifest, ScoredItem, ScorerModel, TopNRecord } from '../domain/artefacts';
import { FEATURE_COUNT } from '../domain/features';
import type { Item } from '../domain/items';
import type { Promotion } from '../domain/promotions';
import { createRng } from '../training/random';
import { rankRequested, recommend, type RecommendInput, type RecommendOutput } from './recommend';
import { compileScorer } from './compiled-scorer';
import { buildServingModel } from './serving-model';

const ITEMS = 5000;
const DIMS = 64;
const NOW = Date.UTC(2026, 0, 15, 12);

/** A gbdt scorer of `trees` random depth-3 trees over the feature vector. */
function syntheticScorer(rng: () => number, trees: number): ScorerModel {
  const out: Extract<ScorerModel, { kind: 'gbdt' }>['trees'] = [];
  for (let t = 0; t < trees; t++) {
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    // Complete binary tree of depth 3: nodes 0..6 split, 7..14 leaves.
    for (let i = 0; i < 15; i++) {
      const leaf = i >= 7;
      feature.push(leaf ? -1 : Math.floor(rng() * FEATURE_COUNT));
      threshold.push(leaf ? 0 : rng());
      left.push(leaf ? -1 : 2 * i + 1);
      right.push(leaf ? -1 : 2 * i + 2);
      value.push(leaf ? rng() - 0.5 : 0);
    }
    out.push({ feature, threshold, left, right, value });
  }
  return { kind: 'gbdt', features: [], base: 0, learningRate: 0.1, trees: out };
}

/** A seeded request with 500 candidates: 300 top-N, ~100 session neighbours, 80 trending, 20 fresh. */
export function benchInput(seed = 7): RecommendInput {
  const rng = createRng(seed);
  const r = () => rng.next();
  const itemIds = Array.from({ length: ITEMS }, (_, i) => `i${i}`);
  const categories = ['drama', 'comedy', 'action', 'horror', 'docs', 'kids'];
  const factors = new Float32Array(ITEMS * DIMS).map(() => (r() - 0.5) * 0.4);
  const manifest: ModelManifest = {
    version: 'bench',
    createdAt: NOW - 86_400_000,
    model: 'als',
    dims: DIMS,
    itemIds,
    items: itemIds.map(() => ({
      categories: [categories[Math.floor(r() * categories.length)]!],
      createdAt: NOW - Math.floor(r() * 400) * 86_400_000,
      popularity: Math.floor(r() * 1000),
    })),
    gram: [],
    foldIn: { lambda: 0.1, alpha: 10, priorWeight: 1 },
    eventWeights: {},
    scorer: syntheticScorer(r, 100),
    hyperParameters: {},
    metrics: null,
  };
  const model = buildServingModel(manifest, factors, compileScorer(manifest.scorer));
  const pick = () => itemIds[Math.floor(r() * ITEMS)]!;
  const vector = Array.from({ length: DIMS }, () => r() - 0.5);
  const topN: TopNRecord = {
    version: 'bench',
    userId: 'u1',
    items: Array.from({ length: 300 }, (_, i) => [`i${i * 7}`, 1 - i / 300] as [string, number]),
    vector,
    seen: Array.from({ length: 40 }, pick),
    categoryAffinity: { drama: 0.5, comedy: 0.3, action: 0.2 },
  };
  const recent = Array.from({ length: 10 }, (_, i) => ({
    itemId: pick(),
    type: 'view',
    weight: 1,
    timestamp: NOW - i * 60_000,
  }));
  const neighbours = new Map<string, ScoredItem[]>(
    recent.map((e) => [
      e.itemId,
      Array.from({ length: 30 }, () => ({ itemId: pick(), score: r() })),
    ]),
  );
  const fresh: Item[] = Array.from({ length: 20 }, (_, i) => ({
    itemId: `new${i}`,
    categories: [categories[i % categories.length]!],
    tags: [],
    createdAt: NOW - i * 3_600_000,
    hidden: false,
    attributes: {},
    updatedAt: NOW,
  }));
  return {
    model,
    topN,
    userVector: vector,
    ann: null,
    recent,
    session: [],
    consumed: [],
    neighbours,
    trending: Array.from({ length: 80 }, (_, i) => ({ itemId: pick(), score: 80 - i })),
    fresh,
    hidden: [],
    nowMs: NOW,
    device: 'desktop',
    k: 20,
    exclude: [],
    diversity: 0,
    explain: false,
    allowReconsumption: false,
    rules: { freshnessBoost: 0.1, freshnessDays: 7, categoryCap: 1, providerCap: 1 },
    limits: { topN: 300, session: 100, perSeed: 30, trending: 80, fresh: 20, popular: 200 },
  };
}

/** One request's pure work: candidates, features, scores, ranking. */
export function runPipelineOnce(input: RecommendInput): RecommendOutput {
  return recommend(input);
}

function main(): void {
  // One request and model for every variant, as one isolate serves one version: a model built
  // per variant gave the later variants a second and third compiled scorer, whose shared walk V8
  // no longer specialises to one model (2.5× slower scoring, about +0.2 ms per request).
  const request = benchInput();
  const recommendation = (patch: Partial<RecommendInput>) => {
    const input = { ...request, ...patch };
    return () => ({ scored: runPipelineOnce(input).scored, k: input.k });
  };
  // `POST /v1/users/{userId}/rank` with 500 of the caller's items: every one scored and ordered.
  const asked = Array.from({ length: 500 }, (_, j) => `i${j * 3}`);
  const ranking = (input: RecommendInput) => () => {
    const n = rankRequested(input, asked).items.length;
    return { scored: n, k: n };
  };
  // Three running promotions of 100 items each (the most one may name), 4 slots among them.
  const promotions: Promotion[] = [[1], [3, 8], [5]].map((slots, p) => ({
    promotionId: `p${p}`,
    items: Array.from({ length: 100 }, (_, j) => `i${(j * 7 + p) * 2 + 1}`),
    slots,
    startsAt: 0,
    endsAt: null,
    updatedAt: 0,
  }));
  const variants: [string, () => { scored: number; k: number }][] = [
    ['plain', recommendation({})],
    ['diversity=0.5', recommendation({ diversity: 0.5 })],
    ['explain', recommendation({ explain: true })],
    ['promotions-3x100', recommendation({ promotions })],
    ['rank-500-given', ranking(request)],
    ['rank-500-given-explain', ranking({ ...request, explain: true })],
  ];
  const results: Record<string, unknown> = {};
  for (const [name, run] of variants) {
    let last = { scored: 0, k: 0 };
    for (let i = 0; i < 200; i++) last = run(); // warm-up (JIT)
    const runs = 2000;
    const samples = new Float64Array(runs);
    // CPU time (user + system) is not inflated when other processes take the cores; wall time is.
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      run();
      samples[i] = performance.now() - t0;
    }
    const cpu = process.cpuUsage(cpu0);
    samples.sort();
    results[name] = {
      candidatesScored: last.scored,
      k: last.k,
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / runs,
      meanMs: samples.reduce((a, b) => a + b, 0) / runs,
      p50Ms: samples[Math.floor(runs * 0.5)],
      p99Ms: samples[Math.floor(runs * 0.99)],
    };
  }
  console.log(JSON.stringify({ benchmark: 'pipeline-cpu', candidates: 500, trees: 100, results }));
}

if (typeof process !== 'undefined' && process.argv[1]?.endsWith('bench-pipeline.ts')) {
  main();
}
