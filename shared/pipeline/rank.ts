/**
 * Ranking after scoring: business rules on the scored candidates — removal of consumed, hidden and
 * excluded items, the category filter, a freshness boost for cold-start items, diversity by
 * Maximal Marginal Relevance (Carbonell & Goldstein, 1998), exposure caps per category and
 * provider, and the cut to k. Pure.
 */
import type { SourceName } from '../domain/features';

/** Which items may appear at all. */
export interface EligibilityFilter {
  /** Consumed (batch `seen` + real-time consumed + recent), hidden/deleted and excluded ids. */
  blocked: ReadonlySet<string>;
  /** Keep only items in this category. */
  category?: string;
}

/** True when the item may be recommended. */
export function isEligible(
  filter: EligibilityFilter,
  itemId: string,
  categories: readonly string[],
): boolean {
  if (filter.blocked.has(itemId)) return false;
  return filter.category === undefined || categories.includes(filter.category);
}

/** A scored candidate as ranking sees it. */
export interface ScoredCandidate {
  itemId: string;
  /** The scorer's output. */
  score: number;
  sources: readonly SourceName[];
  categories: readonly string[];
  provider?: string;
  /** True for an item the batch has not seen (cold start). */
  fresh: boolean;
  ageDays: number | null;
  /** Item vector for diversity (cosine similarity), or null (category overlap is used). */
  vector: ArrayLike<number> | null;
}

export interface RankRules {
  k: number;
  /** 0 = the scorer's order; 1 = maximal diversity (MMR trade-off λ = 1 − diversity). */
  diversity: number;
  /** Boost of cold-start items, as a share of the candidates' score range. */
  freshnessBoost: number;
  /** Time constant (days) of the freshness boost's decay. */
  freshnessDays: number;
  /** At most ⌈share·k⌉ items per category (1 = no cap). */
  categoryCap: number;
  /** At most ⌈share·k⌉ items per provider (1 = no cap). */
  providerCap: number;
}

/** One ranked item with the final score and the rules that touched it. */
export interface RankedItem {
  itemId: string;
  score: number;
  modelScore: number;
  sources: readonly SourceName[];
  rules: string[];
}

/** Orders `candidates` and returns the top k after the rules above. */
export function rankCandidates(
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

/** Cosine similarity of the item vectors, or Jaccard overlap of the categories without vectors. */
export function similarity(a: ScoredCandidate, b: ScoredCandidate): number {
  if (a.vector !== null && b.vector !== null) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.vector.length; i++) {
      const x = a.vector[i]!;
      const y = b.vector[i] ?? 0;
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  if (a.categories.length === 0 || b.categories.length === 0) return 0;
  let shared = 0;
  for (const c of a.categories) if (b.categories.includes(c)) shared++;
  return shared / (a.categories.length + b.categories.length - shared);
}
