/**
 * The pure request pipeline: candidate generation from what the worker gathered, eligibility,
 * feature building and scoring with the version's scorer, then ranking to the top k with reasons.
 */
import type { ScoredItem, TopNRecord } from '../domain/artefacts';
import type { RecentItem } from '../domain/events';
import { buildFeatures, FEATURE_COUNT, type Device, type SourceName } from '../domain/features';
import type { Item } from '../domain/items';
import { isActive, type Promotion } from '../domain/promotions';
import {
  annSource,
  freshSource,
  mergeCandidates,
  popularSource,
  type Candidate,
  sessionSource,
  topNSource,
  trendingSource,
  type SourceResult,
} from './candidate-sources';
import {
  affinityFromRecent,
  candidateFacts,
  candidateFactsAt,
  categoriesAt,
  categoriesOf,
  emptyFacts,
  indexTopN,
  provisionalOf,
  topNFloorOf,
  type FactsContext,
} from './candidate-facts';
import { featureContributions, type FeatureContribution } from './explain';
import { placePromotions } from './promote';
import {
  isEligible,
  rankCandidates,
  type EligibilityFilter,
  type RankedItem,
  type RankRules,
  type ScoredCandidate,
} from './rank';
import type { ServingModel } from './serving-model';
import { NO_SOURCES, sourceNames } from './source-sets';
import { hourOfDay } from './request-context';

/** How many items each source may propose. */
export interface SourceLimits {
  topN: number;
  session: number;
  /** Neighbours taken per seed item. */
  perSeed: number;
  trending: number;
  fresh: number;
  popular: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  topN: 200,
  session: 150,
  perSeed: 30,
  trending: 100,
  fresh: 50,
  popular: 200,
};

/** Everything the pipeline needs, gathered by the worker. */
export interface RecommendInput {
  model: ServingModel | null;
  topN: TopNRecord | null;
  /** The user's current vector (online if fresh for the version, else batch), or null. */
  userVector: ArrayLike<number> | null;
  /** ANN matches, or null when the source did not run. */
  ann: readonly { id: string | number; score: number }[] | null;
  recent: readonly RecentItem[];
  session: readonly string[];
  consumed: readonly string[];
  neighbours: ReadonlyMap<string, readonly ScoredItem[]>;
  trending: readonly ScoredItem[];
  fresh: readonly Item[];
  hidden: readonly string[];
  nowMs: number;
  device: Device;
  k: number;
  /**
   * Positions of the full ranking to skip (paging): the answer is positions offset + 1 to
   * offset + k of the ranking to depth offset + k, rules and promoted slots included.
   */
  offset?: number;
  category?: string;
  exclude: readonly string[];
  diversity: number;
  explain: boolean;
  /** Re-consumption allowed: consumed items stay eligible. */
  allowReconsumption: boolean;
  rules: Omit<RankRules, 'k' | 'diversity'>;
  /** Promoted slots (those active at `nowMs` apply); none when absent. */
  promotions?: readonly Promotion[];
  limits?: SourceLimits;
}

/** Why an item is in the answer (with `explain=true`). */
export interface ItemReasons {
  contributions: FeatureContribution[];
  rules: string[];
  /** The recent/session item this one is a neighbour of, when the session source proposed it. */
  becauseOf?: string;
  modelScore: number;
}

export interface RecommendedItem {
  itemId: string;
  score: number;
  sources: SourceName[];
  /** The promotion whose slot put the item here (shared/domain/promotions.ts). */
  promotion?: string;
  reasons?: ItemReasons;
}

export interface RecommendOutput {
  items: RecommendedItem[];
  /** Candidates scored (after eligibility). */
  scored: number;
  /** True when no personalised source (top-N, ANN, session) proposed an eligible item. */
  fallback: boolean;
}

const PERSONAL: readonly SourceName[] = ['topn', 'ann', 'session'];

/** Candidates after generation, eligibility and scoring, ready for `rankScored`. */
export interface ScoredPool {
  /** With item vectors only when the request asks for diversity (ranking reads them only then). */
  scored: ScoredCandidate[];
  fallback: boolean;
  ctx: FactsContext;
  similarity: ReadonlyMap<string, { score: number; seed: string }>;
  scoreOf: (features: Float64Array) => number;
  /** What made a candidate eligible (promoted items are held to it too). */
  filter: EligibilityFilter;
}

/** Runs candidate generation, scoring and ranking, promoted slots included. */
export function recommend(input: RecommendInput): RecommendOutput {
  const pool = scoreCandidates(input);
  return { items: rankPage(pool, input), scored: pool.scored.length, fallback: pool.fallback };
}

/**
 * Ranking to the page's depth (`offset` + k), promoted slots, then the page; with `explain`, the
 * reasons of the page's items (a promoted slot above the page moves organic items into it).
 */
export function rankPage(pool: ScoredPool, input: RecommendInput): RecommendedItem[] {
  const offset = input.offset ?? 0;
  const ranked = rankOrganic(pool, input, input.k + offset);
  const organic = ranked.map((r): RecommendedItem => ({
    itemId: r.itemId,
    score: r.score,
    sources: [...r.sources],
  }));
  const page = promote(pool, input, organic, input.k + offset).slice(offset);
  if (!input.explain) return page;
  const byId = new Map(ranked.map((r) => [r.itemId, r]));
  return page.map((item) => {
    const r = byId.get(item.itemId);
    const reasons =
      item.promotion === undefined && r
        ? reasonsOf(pool, item.itemId, item.sources, r.rules, r.modelScore)
        : reasonsOf(pool, item.itemId, item.sources, [`promoted:${item.promotion}`], item.score);
    return { ...item, reasons };
  });
}

/** Candidate generation, eligibility, features and scores. */
export function scoreCandidates(input: RecommendInput): ScoredPool {
  const limits = input.limits ?? DEFAULT_SOURCE_LIMITS;
  const model = input.model;
  const { ctx, pool, similarity } = gatherCandidates(input, limits);

  const blocked = new Set<string>([...input.hidden, ...input.exclude]);
  if (!input.allowReconsumption) {
    for (const id of input.topN?.seen ?? []) blocked.add(id);
    for (const id of input.consumed) blocked.add(id);
    for (const r of input.recent) blocked.add(r.itemId);
  }
  const filter = { blocked, category: input.category };

  // Each id is looked up once (factor row, fresh-item record) and the lookups reused below.
  const eligible: Eligible[] = [];
  const admit = (c: Candidate): boolean => {
    const row = model?.rowOf.get(c.itemId);
    const extra = ctx.extraItems.get(c.itemId);
    const categories = categoriesAt(model, row, extra);
    if (!isEligible(filter, c.itemId, categories)) return false;
    eligible.push({ c, row, extra, categories });
    return true;
  };
  for (const c of pool.values()) admit(c);
  const fallback = !eligible.some(({ c }) => PERSONAL.some((s) => c.sources.has(s)));
  // Against k, not the page's depth: every page of one ranking draws on the same candidates.
  if (eligible.length < input.k && model) {
    for (const c of mergeCandidates([popularSource(model.popular, limits.popular)]).values()) {
      if (pool.has(c.itemId)) continue;
      if (admit(c)) pool.set(c.itemId, c);
    }
  }
  // Ranking reads the item vectors only for diversity (MMR): without it, a view per candidate
  // would be allocated for nothing (diversity ≤ 0 is exactly λ = 1, see rankCandidates).
  const scoreOf = scorerOf(model);
  const scored = scoreEligible(ctx, eligible, scoreOf, !(input.diversity <= 0));
  return { scored, fallback, ctx, similarity, scoreOf, filter };
}

/**
 * Why a requested item was left out of a personalised ranking: `hidden` (hidden or deleted), or
 * `unscored`, neither in the served model nor among the item records the request read (an unknown
 * id, or any item the model lacks while Redis is out). Callers append them after the ranked items
 * rather than drop them.
 */
export type UnrankedReason = 'unscored' | 'hidden';

/**
 * Personalised ranking of the caller's own list (e.g. search results): every requested item the
 * model or an item record knows is scored as a recommendation candidate would be, with the
 * sources that would have proposed it (less ANN: ranking makes no vector query, so an item the
 * index would have proposed scores as if it had not), and the list comes back in score order,
 * freshness boost included (a share of the listed items' score range), with no cut, filter, cap
 * or diversity. Consumed items are ranked too: the caller asked for them. The others come back
 * apart, in request order (see `UnrankedReason`).
 */
export function rankRequested(
  input: RecommendInput,
  itemIds: readonly string[],
): { items: RecommendedItem[]; unranked: { itemId: string; reason: UnrankedReason }[] } {
  const model = input.model;
  const { ctx, pool, similarity } = gatherCandidates(input, input.limits ?? DEFAULT_SOURCE_LIMITS);
  const hidden = new Set(input.hidden);
  const eligible: Eligible[] = [];
  const unranked: { itemId: string; reason: UnrankedReason }[] = [];
  for (const itemId of itemIds) {
    const row = model?.rowOf.get(itemId);
    const extra = ctx.extraItems.get(itemId);
    if (hidden.has(itemId)) unranked.push({ itemId, reason: 'hidden' });
    else if (row === undefined && extra === undefined)
      unranked.push({ itemId, reason: 'unscored' });
    else {
      const c = pool.get(itemId) ?? { itemId, sources: NO_SOURCES };
      eligible.push({ c, row, extra, categories: categoriesAt(model, row, extra) });
    }
  }
  const scoreOf = scorerOf(model);
  const scored = scoreEligible(ctx, eligible, scoreOf, false);
  const all = { ...input.rules, categoryCap: 1, providerCap: 1 };
  const items = rankScored(
    { scored, fallback: false, ctx, similarity, scoreOf, filter: { blocked: hidden } },
    { ...input, k: scored.length, diversity: 0, rules: all },
  );
  return { items, unranked };
}

/** The request's facts context and the merged candidate pool of every source (popular aside). */
function gatherCandidates(
  input: RecommendInput,
  limits: SourceLimits,
): {
  ctx: FactsContext;
  pool: Map<string, Candidate>;
  similarity: ReadonlyMap<string, { score: number; seed: string }>;
} {
  const model = input.model;
  const extraItems = new Map(input.fresh.map((item) => [item.itemId, item]));
  const seeds = uniq([...input.session, ...input.recent.map((r) => r.itemId)]);
  const session = sessionSource(seeds, input.neighbours, limits.perSeed);
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
    batchVector:
      model && input.topN?.vector.length === model.dims
        ? input.userVector !== null && sameVector(input.userVector, input.topN.vector)
          ? input.userVector
          : input.topN.vector
        : null,
    topNFloor: topNFloorOf(input.topN),
    itemItem: session.similarity,
    affinity: {},
    extraItems,
    provisional: new Map(),
    nowMs: input.nowMs,
    hour: hourOfDay(input.nowMs),
    device: input.device,
  };
  ctx.affinity =
    input.topN?.categoryAffinity ?? affinityFromRecent(seeds, (id) => categoriesOf(ctx, id));
  return { ctx, pool: mergeCandidates(sources), similarity: session.similarity };
}

/** Features and the scorer's score of each eligible candidate (item vectors only if asked). */
function scoreEligible(
  ctx: FactsContext,
  eligible: readonly Eligible[],
  scoreOf: (features: Float64Array) => number,
  withVectors: boolean,
): ScoredCandidate[] {
  const model = ctx.model;
  const features = new Float64Array(FEATURE_COUNT);
  const facts = emptyFacts();
  const scored: ScoredCandidate[] = new Array<ScoredCandidate>(eligible.length);
  for (let i = 0; i < eligible.length; i++) {
    const { c, row, extra, categories } = eligible[i]!;
    candidateFactsAt(ctx, c.itemId, row, extra, c.sources, facts);
    const score = scoreOf(buildFeatures(facts, features));
    const provider =
      extra?.provider ?? (row === undefined ? undefined : model!.manifest.items[row]?.provider);
    const candidate: ScoredCandidate = {
      itemId: c.itemId,
      score: Number.isFinite(score) ? score : 0,
      sources: sourceNames(c.sources),
      categories,
      fresh: row === undefined,
      ageDays: facts.ageDays,
      vector:
        !model || !withVectors
          ? null
          : row !== undefined
            ? model.factors.subarray(row * model.dims, (row + 1) * model.dims)
            : extra
              ? provisionalOf(ctx, extra)
              : null,
    };
    if (provider !== undefined) candidate.provider = provider;
    scored[i] = candidate;
  }
  return scored;
}

/** Ranking rules, the cut to k and, with `explain`, the reasons. */
export function rankScored(pool: ScoredPool, input: RecommendInput): RecommendedItem[] {
  return rankOrganic(pool, input, input.k).map((r): RecommendedItem => {
    const item: RecommendedItem = { itemId: r.itemId, score: r.score, sources: [...r.sources] };
    if (input.explain) item.reasons = reasonsOf(pool, r.itemId, r.sources, r.rules, r.modelScore);
    return item;
  });
}

/** The candidates through the ranking rules, cut to `depth`. */
function rankOrganic(pool: ScoredPool, input: RecommendInput, depth: number): RankedItem[] {
  return rankCandidates(pool.scored, { ...input.rules, k: depth, diversity: input.diversity });
}

/**
 * The ranking to `depth` with the active promotions' slots filled (`placePromotions`): each
 * promotion's items that a recommendation could show this user (known to the model or among the
 * fresh items read, and eligible: not consumed, hidden, excluded or outside the category) are
 * scored as candidates and taken best first by model score (no freshness boost, cap or diversity).
 * A promoted item keeps its model score and says `promotion`.
 */
function promote(
  pool: ScoredPool,
  input: RecommendInput,
  organic: RecommendedItem[],
  depth: number,
): RecommendedItem[] {
  const active = (input.promotions ?? []).filter((p) => isActive(p, input.nowMs));
  if (active.length === 0) return organic;
  const { ctx } = pool;
  const model = ctx.model;
  // Candidates and the items scored here so far: an item two promotions name is scored once.
  const scored = new Map(pool.scored.map((c) => [c.itemId, c]));
  const groups = active.map((promotion) => {
    const candidates: ScoredCandidate[] = [];
    const unscored: Eligible[] = [];
    for (const itemId of promotion.items) {
      const known = scored.get(itemId);
      if (known) {
        candidates.push(known);
        continue;
      }
      const row = model?.rowOf.get(itemId);
      const extra = ctx.extraItems.get(itemId);
      if (row === undefined && extra === undefined) continue;
      const categories = categoriesAt(model, row, extra);
      if (!isEligible(pool.filter, itemId, categories)) continue;
      unscored.push({ c: { itemId, sources: NO_SOURCES }, row, extra, categories });
    }
    for (const c of scoreEligible(ctx, unscored, pool.scoreOf, false)) {
      scored.set(c.itemId, c);
      candidates.push(c);
    }
    candidates.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    return {
      promotionId: promotion.promotionId,
      slots: promotion.slots,
      members: new Set(promotion.items),
      items: candidates.map((c): RecommendedItem => ({
        itemId: c.itemId,
        score: c.score,
        sources: [...c.sources],
        promotion: promotion.promotionId,
      })),
    };
  });
  return placePromotions(organic, groups, depth);
}

/** With `explain`: the features that moved the item's score, the rules, the session seed. */
function reasonsOf(
  pool: ScoredPool,
  itemId: string,
  sources: readonly SourceName[],
  rules: string[],
  modelScore: number,
): ItemReasons {
  const facts = candidateFacts(pool.ctx, itemId, new Set(sources));
  const because = pool.similarity.get(itemId)?.seed;
  return {
    contributions: featureContributions(pool.scoreOf, buildFeatures(facts)),
    rules,
    modelScore,
    ...(because === undefined ? {} : { becauseOf: because }),
  };
}

/** The version's scorer; without a model, the base score (feature 0) as it is. */
function scorerOf(model: ServingModel | null): (features: Float64Array) => number {
  return model?.score ?? ((f: Float64Array) => f[0]!);
}

/** An eligible candidate with its lookups: factor row, fresh-item record, categories. */
interface Eligible {
  c: Candidate;
  row: number | undefined;
  extra: Item | undefined;
  categories: readonly string[];
}

/** True when two vectors are the same object or hold the same values. */
function sameVector(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function uniq(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
