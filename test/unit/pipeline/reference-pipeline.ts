/**
 * The request pipeline as it was before its CPU work (commit d71257e: scoring through applyScorer,
 * a full sort and an eager MMR in ranking, repeated id lookups), kept as a slow reference: the
 * equivalence tests require the optimised pipeline to return exactly what this returns.
 */
import type { ScoredItem } from '../../../shared/domain/artefacts';
import { outsideTopNScore } from '../../../shared/training/base-score-scale';
import {
  buildFeatures,
  FEATURE_COUNT,
  type CandidateFacts,
  type SourceName,
} from '../../../shared/domain/features';
import {
  annSource,
  freshSource,
  popularSource,
  topNSource,
  trendingSource,
  type SourceResult,
} from '../../../shared/pipeline/candidate-sources';
import {
  affinityFromRecent,
  indexTopN,
  provisionalOf,
  type FactsContext,
} from '../../../shared/pipeline/candidate-facts';
import { featureContributions } from '../../../shared/pipeline/explain';
import {
  isEligible,
  similarity,
  type RankedItem,
  type RankRules,
  type ScoredCandidate,
} from '../../../shared/pipeline/rank';
import {
  DEFAULT_SOURCE_LIMITS,
  type RecommendedItem,
  type RecommendInput,
  type RecommendOutput,
  type ScoredPool,
} from '../../../shared/pipeline/recommend';
import { hourOfDay } from '../../../shared/pipeline/request-context';
import { dotRow } from '../../../shared/pipeline/serving-model';
import { categoryAffinityOf } from '../../../shared/training/candidate-facts';
import { applyScorer } from '../../../shared/training/apply-scorer';

const DAY_MS = 24 * 3600 * 1000;
const PERSONAL: readonly SourceName[] = ['topn', 'ann', 'session'];

/** `recommend` as it was. */
export function referenceRecommend(input: RecommendInput): RecommendOutput {
  const pool = referenceScore(input);
  return {
    items: referenceRankScored(pool, input),
    scored: pool.scored.length,
    fallback: pool.fallback,
  };
}

/** `scoreCandidates`, scoring with `applyScorer` on the manifest's scorer. */
function referenceScore(input: RecommendInput): ScoredPool {
  const limits = input.limits ?? DEFAULT_SOURCE_LIMITS;
  const model = input.model;
  const extraItems = new Map(input.fresh.map((item) => [item.itemId, item]));
  const seeds = uniq([...input.session, ...input.recent.map((r) => r.itemId)]);
  const session = referenceSessionSource(seeds, input.neighbours, limits.perSeed);
  const sources: SourceResult[] = [
    topNSource(input.topN, limits.topN),
    ...(input.ann ? [annSource(input.ann)] : []),
    { source: 'session', items: session.items.slice(0, limits.session) },
    trendingSource(input.trending, limits.trending),
    freshSource(input.fresh, limits.fresh),
  ];

  const ctx: FactsContext = {
    model,
    topN: indexTopN(input.topN),
    userVector: input.userVector,
    batchVector: model && input.topN?.vector.length === model.dims ? input.topN.vector : null,
    topNFloor: input.topN?.items.at(-1)?.[1] ?? Infinity,
    itemItem: session.similarity,
    affinity: {},
    extraItems,
    provisional: new Map(),
    nowMs: input.nowMs,
    hour: hourOfDay(input.nowMs),
    device: input.device,
  };
  ctx.affinity =
    input.topN?.categoryAffinity ?? affinityFromRecent(seeds, (id) => referenceCategories(ctx, id));

  const blocked = new Set<string>([...input.hidden, ...input.exclude]);
  if (!input.allowReconsumption) {
    for (const id of input.topN?.seen ?? []) blocked.add(id);
    for (const id of input.consumed) blocked.add(id);
    for (const r of input.recent) blocked.add(r.itemId);
  }
  const filter = { blocked, category: input.category };

  const pool = referenceMerge(sources);
  const eligible: { c: ReferenceCandidate; categories: readonly string[] }[] = [];
  for (const c of pool.values()) {
    const categories = referenceCategories(ctx, c.itemId);
    if (isEligible(filter, c.itemId, categories)) eligible.push({ c, categories });
  }
  const fallback = !eligible.some(({ c }) => PERSONAL.some((s) => c.sources.has(s)));
  if (eligible.length < input.k && model) {
    for (const c of referenceMerge([popularSource(model.popular, limits.popular)]).values()) {
      if (pool.has(c.itemId)) continue;
      const categories = referenceCategories(ctx, c.itemId);
      if (!isEligible(filter, c.itemId, categories)) continue;
      pool.set(c.itemId, c);
      eligible.push({ c, categories });
    }
  }

  const features = new Float64Array(FEATURE_COUNT);
  const scorer = model?.manifest.scorer;
  const scoreOf = scorer ? (f: Float64Array) => applyScorer(scorer, f) : (f: Float64Array) => f[0]!;
  const scored: ScoredCandidate[] = eligible.map(({ c, categories }) => {
    const facts = referenceFacts(ctx, c.itemId, c.sources);
    const score = scoreOf(buildFeatures(facts, features));
    const row = model?.rowOf.get(c.itemId);
    const extra = extraItems.get(c.itemId);
    const provider =
      extra?.provider ?? (row === undefined ? undefined : model!.manifest.items[row]?.provider);
    return {
      itemId: c.itemId,
      score: Number.isFinite(score) ? score : 0,
      sources: [...c.sources],
      categories,
      ...(provider === undefined ? {} : { provider }),
      fresh: row === undefined,
      ageDays: facts.ageDays,
      vector: !model
        ? null
        : row !== undefined
          ? model.factors.subarray(row * model.dims, (row + 1) * model.dims)
          : extra
            ? provisionalOf(ctx, extra)
            : null,
    };
  });

  return { scored, fallback, ctx, similarity: session.similarity, scoreOf, filter };
}

/** `rankScored`. */
function referenceRankScored(pool: ScoredPool, input: RecommendInput): RecommendedItem[] {
  const { ctx, scoreOf } = pool;
  const ranked = referenceRank(pool.scored, {
    ...input.rules,
    k: input.k,
    diversity: input.diversity,
  });
  return ranked.map((r): RecommendedItem => {
    const item: RecommendedItem = { itemId: r.itemId, score: r.score, sources: [...r.sources] };
    if (input.explain) {
      const facts = referenceFacts(ctx, r.itemId, new Set(r.sources));
      const because = pool.similarity.get(r.itemId)?.seed;
      item.reasons = {
        contributions: featureContributions(scoreOf, buildFeatures(facts)),
        rules: r.rules,
        modelScore: r.modelScore,
        ...(because === undefined ? {} : { becauseOf: because }),
      };
    }
    return item;
  });
}

function uniq(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** `rankCandidates`: a full sort, then an eager MMR over the head. */
export function referenceRank(
  candidates: readonly ScoredCandidate[],
  rules: RankRules,
): RankedItem[] {
  if (candidates.length === 0 || rules.k <= 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const c of candidates) {
    min = Math.min(min, c.score);
    max = Math.max(max, c.score);
  }
  const range = max > min ? max - min : 1;

  const boosted = candidates.map((c, order) => {
    const ruleNames: string[] = [];
    let score = c.score;
    if (c.fresh && rules.freshnessBoost > 0) {
      const age = c.ageDays ?? 0;
      score += rules.freshnessBoost * range * Math.exp(-age / rules.freshnessDays);
      ruleNames.push('freshness-boost');
    }
    return { c, score, order, rules: ruleNames, unit: null as Float64Array | null };
  });
  // Stable: equal scores keep the merge order (top-N first, then ANN, session, trending, ...).
  boosted.sort((a, b) => b.score - a.score || a.order - b.order);

  const categoryLimit = capLimit(rules.categoryCap, rules.k);
  const providerLimit = capLimit(rules.providerCap, rules.k);
  const perCategory = new Map<string, number>();
  const perProvider = new Map<string, number>();
  const withinCaps = (c: ScoredCandidate) =>
    c.categories.every((cat) => (perCategory.get(cat) ?? 0) < categoryLimit) &&
    (c.provider === undefined || (perProvider.get(c.provider) ?? 0) < providerLimit);
  const count = (c: ScoredCandidate) => {
    for (const cat of c.categories) perCategory.set(cat, (perCategory.get(cat) ?? 0) + 1);
    if (c.provider !== undefined)
      perProvider.set(c.provider, (perProvider.get(c.provider) ?? 0) + 1);
  };

  const selected: typeof boosted = [];
  const lambda = 1 - Math.min(1, Math.max(0, rules.diversity));
  // MMR re-ranks the head of the list only (5k, at least 100): items further down would need an
  // implausibly large diversity gain to enter the top k, and the cost grows with k × pool size.
  const remaining = lambda < 1 ? boosted.slice(0, Math.max(5 * rules.k, 100)) : boosted.slice();
  const tail = lambda < 1 ? boosted.slice(remaining.length) : [];
  // maxSim[i]: largest similarity of remaining[i] to any selected item (MMR only).
  const maxSim: number[] = new Array<number>(remaining.length).fill(0);
  // Unit vectors once per candidate, so that each MMR similarity is one dot product.
  if (lambda < 1) for (const r of remaining) r.unit = unitVector(r.c.vector);
  while (selected.length < rules.k && remaining.length > 0) {
    let pick = -1;
    let best = -Infinity;
    for (let i = 0; i < remaining.length; i++) {
      const r = remaining[i]!;
      if (!withinCaps(r.c)) continue;
      if (lambda === 1) {
        pick = i; // sorted already: the first within the caps wins
        break;
      }
      // MMR: λ·relevance − (1 − λ)·max similarity to what is already selected.
      const value = lambda * ((r.score - min) / range) - (1 - lambda) * maxSim[i]!;
      if (value > best) {
        best = value;
        pick = i;
      }
    }
    if (pick < 0) break;
    const [chosen] = remaining.splice(pick, 1);
    maxSim.splice(pick, 1);
    if (pick > 0) chosen!.rules.push(lambda < 1 ? 'diversity' : 'exposure-cap');
    selected.push(chosen!);
    count(chosen!.c);
    if (lambda < 1) {
      for (let i = 0; i < remaining.length; i++) {
        const other = remaining[i]!;
        const sim =
          chosen!.unit !== null && other.unit !== null
            ? dot(chosen!.unit, other.unit)
            : similarity(chosen!.c, other.c);
        if (sim > maxSim[i]!) maxSim[i] = sim;
      }
    }
  }
  // Caps never make the answer shorter than k while candidates remain: fill in score order.
  for (const r of [...remaining, ...tail]) {
    if (selected.length >= rules.k) break;
    r.rules.push('cap-relaxed');
    selected.push(r);
  }
  return selected.map((r) => ({
    itemId: r.c.itemId,
    score: r.score,
    modelScore: r.c.score,
    sources: r.c.sources,
    rules: r.rules,
  }));
}

function unitVector(v: ArrayLike<number> | null): Float64Array | null {
  if (v === null) return null;
  const out = new Float64Array(v.length);
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i]!;
    norm += out[i]! * out[i]!;
  }
  if (norm === 0) return null;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function capLimit(share: number, k: number): number {
  return share >= 1 ? Infinity : Math.max(1, Math.ceil(share * k));
}

/**
 * Neighbours of the session and recent items, each scored by its largest similarity to any seed
 * (the `itemItem` feature), best first; `seeds` are the items themselves, newest first.
 */
function referenceSessionSource(
  seeds: readonly string[],
  neighbours: ReadonlyMap<string, readonly ScoredItem[]>,
  perSeed: number,
): SourceResult & { similarity: Map<string, { score: number; seed: string }> } {
  const similarity = new Map<string, { score: number; seed: string }>();
  for (const seed of seeds) {
    const list = neighbours.get(seed);
    if (!list) continue;
    for (const { itemId, score } of list.slice(0, perSeed)) {
      const best = similarity.get(itemId);
      if (!best || score > best.score) similarity.set(itemId, { score, seed });
    }
  }
  const items = [...similarity]
    .map(([itemId, { score }]) => ({ itemId, score }))
    .sort((a, b) => b.score - a.score);
  return { source: 'session', items, similarity };
}

/** Categories of an item: the manifest's, else the fresh item's record, else none. */
function referenceCategories(ctx: FactsContext, itemId: string): readonly string[] {
  const row = ctx.model?.rowOf.get(itemId);
  if (row !== undefined) return ctx.model!.manifest.items[row]?.categories ?? [];
  return ctx.extraItems.get(itemId)?.categories ?? [];
}

/** The facts of one candidate. */
function referenceFacts(
  ctx: FactsContext,
  itemId: string,
  sources: ReadonlySet<SourceName>,
): CandidateFacts {
  const model = ctx.model;
  const row = model?.rowOf.get(itemId);
  const facts = row === undefined ? undefined : model!.manifest.items[row];
  const extra = ctx.extraItems.get(itemId);
  const cached = ctx.topN.get(itemId);

  let baseScore: number | null = null;
  if (cached) baseScore = cached[1];
  else if (ctx.userVector !== null && model) {
    // Outside the top-N: calibrated to the top-N's scale when the manifest says how (no shortcut
    // for an unchanged vector here: two dot products are always taken).
    const calibration = model.manifest.baseScoreCalibration;
    if (row !== undefined) {
      const now = dotRow(model, ctx.userVector, row);
      const batch = ctx.batchVector === null ? now : dotRow(model, ctx.batchVector, row);
      baseScore = outsideTopNScore(calibration, batch, now, ctx.topNFloor);
    } else if (extra) {
      const now = dotAny(ctx.userVector, provisionalOf(ctx, extra));
      baseScore = outsideTopNScore(calibration, now, now, Infinity);
    }
  }

  const createdAt = facts?.createdAt ?? extra?.createdAt ?? null;
  return {
    baseScore,
    topNRank: cached ? cached[0] : null,
    itemItem: ctx.itemItem.get(itemId)?.score ?? 0,
    popularity: facts?.popularity ?? 0,
    // Same definitions as the offline trainer (shared/training/candidate-facts.ts).
    ageDays: createdAt === null ? null : (ctx.nowMs - createdAt) / DAY_MS,
    categoryAffinity: categoryAffinityOf(
      ctx.affinity,
      facts?.categories ?? extra?.categories ?? [],
    ),
    sources,
    hour: ctx.hour,
    device: ctx.device,
  };
}

function dotAny(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i] ?? 0) * b[i]!;
  return s;
}

/** A candidate with its own Set of sources, as the merge built them. */
interface ReferenceCandidate {
  itemId: string;
  sources: Set<SourceName>;
}

/** Merges the sources' lists, keeping first-seen order and every proposing source per item. */
function referenceMerge(results: readonly SourceResult[]): Map<string, ReferenceCandidate> {
  const pool = new Map<string, ReferenceCandidate>();
  for (const { source, items } of results) {
    for (const { itemId } of items) {
      const existing = pool.get(itemId);
      if (existing) existing.sources.add(source);
      else pool.set(itemId, { itemId, sources: new Set([source]) });
    }
  }
  return pool;
}
