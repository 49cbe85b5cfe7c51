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
  const n = candidates.length;
  if (n === 0 || rules.k <= 0) return [];
  let min = Infinity;
  let max = -Infinity;
  for (const c of candidates) {
    min = Math.min(min, c.score);
    max = Math.max(max, c.score);
  }
  const range = max > min ? max - min : 1;

  const boosted = rules.freshnessBoost > 0;
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    let s = c.score;
    if (c.fresh && boosted) {
      const age = c.ageDays ?? 0;
      s += rules.freshnessBoost * range * Math.exp(-age / rules.freshnessDays);
    }
    score[i] = s;
  }
  // Candidates by descending score, equal scores in merge order (top-N first, then ANN, session,
  // trending, ...), produced lazily: only the head of the order is ever needed.
  const next = descendingOrder(score);

  const categoryLimit = capLimit(rules.categoryCap, rules.k);
  const providerLimit = capLimit(rules.providerCap, rules.k);
  const uncapped = categoryLimit === Infinity && providerLimit === Infinity;
  const perCategory = new Map<string, number>();
  const perProvider = new Map<string, number>();
  // Counts only grow, so a candidate outside the caps stays outside for the rest of the request.
  const withinCaps = (c: ScoredCandidate): boolean => {
    if (uncapped) return true;
    for (const cat of c.categories)
      if (!((perCategory.get(cat) ?? 0) < categoryLimit)) return false;
    return c.provider === undefined || (perProvider.get(c.provider) ?? 0) < providerLimit;
  };
  const count = (c: ScoredCandidate): void => {
    if (uncapped) return;
    for (const cat of c.categories) perCategory.set(cat, (perCategory.get(cat) ?? 0) + 1);
    if (c.provider !== undefined)
      perProvider.set(c.provider, (perProvider.get(c.provider) ?? 0) + 1);
  };

  const selected: RankedItem[] = [];
  const take = (i: number, rule: string | null): void => {
    const c = candidates[i]!;
    const ruleNames: string[] = [];
    if (c.fresh && boosted) ruleNames.push('freshness-boost');
    if (rule !== null) ruleNames.push(rule);
    selected.push({
      itemId: c.itemId,
      score: score[i]!,
      modelScore: c.score,
      sources: c.sources,
      rules: ruleNames,
    });
  };

  const lambda = 1 - Math.min(1, Math.max(0, rules.diversity));
  // Passed over while the caps held, in score order: first in line for the cap-relaxed fill.
  let passed: number[];
  if (lambda === 1) {
    // The scorer's order: the first candidate within the caps wins each place.
    passed = [];
    for (let i = next(); i >= 0; i = selected.length < rules.k ? next() : -1) {
      if (!withinCaps(candidates[i]!)) {
        passed.push(i);
        continue;
      }
      take(i, passed.length > 0 ? 'exposure-cap' : null);
      count(candidates[i]!);
    }
  } else {
    passed = maximalMarginalRelevance(candidates, score, next, rules.k, lambda, {
      min,
      range,
      withinCaps,
      take: (i, first) => {
        take(i, first ? null : 'diversity');
        count(candidates[i]!);
      },
    });
  }
  // Caps never make the answer shorter than k while candidates remain: fill in score order.
  for (const i of passed) {
    if (selected.length >= rules.k) return selected;
    take(i, 'cap-relaxed');
  }
  while (selected.length < rules.k) {
    const i = next();
    if (i < 0) break;
    take(i, 'cap-relaxed');
  }
  return selected;
}

/**
 * MMR (Carbonell & Goldstein, 1998) over the head of the score order (5k, at least 100): items
 * further down would need an implausibly large diversity gain to enter the top k, and the cost
 * grows with k × head size. Each place goes to the candidate within the caps maximising
 * λ·relevance − (1 − λ)·(largest similarity to what is already selected), ties to the better
 * scored. Returns the head candidates not selected, in score order.
 *
 * Evaluated lazily, as in lazy greedy submodular maximisation (Minoux, 1978): a candidate's largest
 * similarity only grows as places are filled, so a value computed against fewer selected items is
 * an upper bound. Each place takes the candidate with the best bound; if its bound is stale it is
 * brought up to date (similarities to the items selected since) and the search repeats, else it
 * beats every other candidate's exact value. The values and ties are the ones the eager algorithm
 * computes (the same expressions; a maximum does not depend on the order it is taken in), with
 * about half the similarities on the bench request (946 instead of 1,790 for k = 20, λ = 0.5).
 */
function maximalMarginalRelevance(
  candidates: readonly ScoredCandidate[],
  score: Float64Array,
  next: () => number,
  k: number,
  lambda: number,
  how: {
    min: number;
    range: number;
    withinCaps: (c: ScoredCandidate) => boolean;
    /** Selects candidate `i`; `first` when it was the best-scored one still remaining. */
    take: (i: number, first: boolean) => void;
  },
): number[] {
  const head: number[] = [];
  const size = Math.max(5 * k, 100);
  for (let i = next(); i >= 0; i = head.length < size ? next() : -1) head.push(i);
  const n = head.length;
  const units = unitVectors(head.map((i) => candidates[i]!.vector));
  const valueOf = (h: number, maxSim: number): number =>
    lambda * ((score[head[h]!]! - how.min) / how.range) - (1 - lambda) * maxSim;
  const maxSim = new Float64Array(n);
  const bound = new Float64Array(n);
  // upTo[h]: how many of the selected items maxSim[h] has seen.
  const upTo = new Int32Array(n);
  // 0 = selected, 1 = may still be selected, 2 = never again (outside the caps, or a value that
  // can never win: NaN or −∞), but still remaining for the cap-relaxed fill.
  const state = new Uint8Array(n).fill(1);
  // The head items in state 1, in head order: each search scans only these.
  const live = new Int32Array(n);
  let liveCount = n;
  for (let h = 0; h < n; h++) {
    bound[h] = valueOf(h, 0);
    live[h] = h;
  }
  const leave = (h: number, to: number): void => {
    state[h] = to;
    const at = live.indexOf(h);
    live.copyWithin(at, at + 1, liveCount--);
  };
  const selected: number[] = [];
  let first = 0;
  while (selected.length < k) {
    let pick = -1;
    while (liveCount > 0) {
      // The first largest bound (NaN never beats the one in hand), as a scan in head order finds it.
      let best = live[0]!;
      for (let at = 1; at < liveCount; at++) {
        const h = live[at]!;
        if (bound[h]! > bound[best]!) best = h;
      }
      const value = bound[best]!;
      if (!(value > -Infinity) || !how.withinCaps(candidates[head[best]!]!)) {
        leave(best, 2);
        continue;
      }
      if (upTo[best] === selected.length) {
        pick = best;
        break;
      }
      const sim = largestSimilarity(units, best, selected, upTo[best]!, maxSim[best]!, {
        candidates,
        head,
      });
      maxSim[best] = sim;
      upTo[best] = selected.length;
      bound[best] = valueOf(best, sim);
    }
    if (pick < 0) break;
    how.take(head[pick]!, pick === first);
    leave(pick, 0);
    selected.push(pick);
    while (first < n && state[first] === 0) first++;
  }
  return head.filter((_, h) => state[h] !== 0);
}

/** Unit vectors of several items in one buffer: item j at `offset[j]` (−1: none), `length[j]`. */
interface UnitVectors {
  data: Float64Array;
  offset: Int32Array;
  length: Int32Array;
}

/**
 * The buffer of the last `unitVectors`, reused by the next when large enough: a fresh one per
 * request (50 kB for 100 items of 64 dimensions) cost as much as filling it. Safe because each
 * ranking is done with its unit vectors before the next one starts.
 */
let unitBuffer = new Float64Array(0);

/** The unit vectors of `vectors` (none for a missing or zero vector), once per candidate. */
function unitVectors(vectors: readonly (ArrayLike<number> | null)[]): UnitVectors {
  let total = 0;
  for (const v of vectors) total += v === null ? 0 : v.length;
  if (unitBuffer.length < total) unitBuffer = new Float64Array(total);
  const data = unitBuffer;
  const offset = new Int32Array(vectors.length);
  const length = new Int32Array(vectors.length);
  let at = 0;
  vectors.forEach((v, j) => {
    offset[j] = -1;
    if (v === null) return;
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      const x = (data[at + i] = v[i]!);
      norm += x * x;
    }
    if (norm === 0) return;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < v.length; i++) data[at + i]! *= inv;
    offset[j] = at;
    length[j] = v.length;
    at += v.length;
  });
  return { data, offset, length };
}

/**
 * The largest of `sim` and the similarities of head item `b` to `selected[from..]` (NaN never
 * counts, as in `x > sim`). Four dot products share one pass over `b`'s vector: one sum is bound by
 * the latency of its chain of additions (64 dependent adds), four independent chains run side by
 * side. Each sum still adds the same products in the same order as `similarityAt`, so the values
 * are bit-identical; groups where a vector is missing or of another length take `similarityAt`.
 */
function largestSimilarity(
  units: UnitVectors,
  b: number,
  selected: readonly number[],
  from: number,
  sim: number,
  items: { candidates: readonly ScoredCandidate[]; head: readonly number[] },
): number {
  const { data: d, offset, length } = units;
  const ob = offset[b]!;
  const n = length[b]!;
  let s = from;
  for (; s + 4 <= selected.length && ob >= 0; s += 4) {
    const o0 = offset[selected[s]!]!;
    const o1 = offset[selected[s + 1]!]!;
    const o2 = offset[selected[s + 2]!]!;
    const o3 = offset[selected[s + 3]!]!;
    const same =
      o0 >= 0 &&
      o1 >= 0 &&
      o2 >= 0 &&
      o3 >= 0 &&
      length[selected[s]!] === n &&
      length[selected[s + 1]!] === n &&
      length[selected[s + 2]!] === n &&
      length[selected[s + 3]!] === n;
    if (!same) break;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      const x = d[ob + i]!;
      s0 += d[o0 + i]! * x;
      s1 += d[o1 + i]! * x;
      s2 += d[o2 + i]! * x;
      s3 += d[o3 + i]! * x;
    }
    if (s0 > sim) sim = s0;
    if (s1 > sim) sim = s1;
    if (s2 > sim) sim = s2;
    if (s3 > sim) sim = s3;
  }
  for (; s < selected.length; s++) {
    const other = similarityAt(units, selected[s]!, b, items.candidates, items.head);
    if (other > sim) sim = other;
  }
  return sim;
}

/**
 * Similarity of head items `a` (selected) and `b`: the dot product of their unit vectors (cosine),
 * or `similarity` when either has none. A shorter `b` reads past its end, NaN, as a plain dot
 * product of arrays does.
 */
function similarityAt(
  units: UnitVectors,
  a: number,
  b: number,
  candidates: readonly ScoredCandidate[],
  head: readonly number[],
): number {
  const oa = units.offset[a]!;
  const ob = units.offset[b]!;
  if (oa < 0 || ob < 0) return similarity(candidates[head[a]!]!, candidates[head[b]!]!);
  const n = units.length[a]!;
  if (n > units.length[b]!) return NaN;
  const d = units.data;
  let s = 0;
  for (let i = 0; i < n; i++) s += d[oa + i]! * d[ob + i]!;
  return s;
}

/**
 * Indices of `score` by descending score, ties by ascending index, one per call (−1 when done):
 * a binary heap built in O(n), each index popped in O(log n), instead of sorting all candidates
 * to use the first few dozen. A score that is not finite would make the order ill-defined for the
 * comparison sort this replaces, so then all indices are sorted with that exact comparator.
 */
function descendingOrder(score: Float64Array): () => number {
  const n = score.length;
  let finite = true;
  for (let i = 0; i < n && finite; i++) finite = Number.isFinite(score[i]!);
  if (!finite) {
    const sorted = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => score[b]! - score[a]! || a - b,
    );
    let at = 0;
    return () => (at < n ? sorted[at++]! : -1);
  }
  const heap = new Int32Array(n);
  for (let i = 0; i < n; i++) heap[i] = i;
  const before = (a: number, b: number): boolean =>
    score[a]! > score[b]! || (score[a] === score[b] && a < b);
  const siftDown = (from: number, size: number): void => {
    let at = from;
    const item = heap[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && before(heap[child + 1]!, heap[child]!)) child++;
      if (!before(heap[child]!, item)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = item;
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i, n);
  let size = n;
  return () => {
    if (size === 0) return -1;
    const top = heap[0]!;
    heap[0] = heap[--size]!;
    siftDown(0, size);
    return top;
  };
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
