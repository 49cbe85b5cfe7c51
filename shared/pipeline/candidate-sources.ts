/**
 * Candidate sources: named functions that turn what the worker fetched (cached top-N, ANN matches,
 * neighbour lists, trending, fresh items, popularity) into scored item lists, and the merge that
 * records which sources proposed each candidate. Pure: the I/O happens in the worker.
 */
import type { ScoredItem } from '../domain/artefacts';
import type { TopNList } from '../training/candidate-facts';
import type { SourceName } from '../domain/features';
import type { Item } from '../domain/items';
import { NO_SOURCES, withSource } from './source-sets';

/** The items one source proposed, best first. */
export interface SourceResult {
  source: SourceName;
  items: readonly ScoredItem[];
}

/** A candidate with the set of sources that proposed it, in the order they did. */
export interface Candidate {
  itemId: string;
  /** An interned set (see source-sets.ts), shared with other candidates: replace, never mutate. */
  sources: ReadonlySet<SourceName>;
}

/** The user's precomputed top-N list of the last batch. */
export function topNSource(record: TopNList | null, limit: number): SourceResult {
  const items = (record?.items ?? []).slice(0, limit).map(([itemId, score]) => ({ itemId, score }));
  return { source: 'topn', items };
}

/** ANN matches around the user's current vector. */
export function annSource(
  matches: readonly { id: string | number; score: number }[],
): SourceResult {
  return { source: 'ann', items: matches.map((m) => ({ itemId: String(m.id), score: m.score })) };
}

/**
 * Neighbours of the session and recent items, each scored by its largest similarity to any seed
 * (the `itemItem` feature), best first; `seeds` are the items themselves, newest first.
 */
export function sessionSource(
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
  const items: ScoredItem[] = [];
  for (const [itemId, { score }] of similarity) items.push({ itemId, score });
  return { source: 'session', items: byScoreDescending(items), similarity };
}

/**
 * `items` sorted by descending score, equal scores in their order (the stable
 * `sort((a, b) => b.score - a.score)`): a merge sort on the scores in a typed array, as calling a
 * comparator from the built-in sort cost 8% of a request's CPU for 100 session items. With a
 * score that is not finite (a comparator returning NaN), the built-in sort itself.
 */
function byScoreDescending(items: readonly ScoredItem[]): ScoredItem[] {
  const n = items.length;
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = items[i]!.score;
    if (!Number.isFinite(score[i]!)) return items.slice().sort((a, b) => b.score - a.score);
  }
  // Bottom-up merge sort of indices; on equal scores the left run goes first (stability).
  let order = new Int32Array(n);
  let spare = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      for (let out = lo; out < hi; out++) {
        spare[out] =
          b >= hi || (a < mid && score[order[a]!]! >= score[order[b]!]!)
            ? order[a++]!
            : order[b++]!;
      }
    }
    [order, spare] = [spare, order];
  }
  const sorted = new Array<ScoredItem>(n);
  for (let i = 0; i < n; i++) sorted[i] = items[order[i]!]!;
  return sorted;
}

/** Trending items (time-decayed counters). */
export function trendingSource(list: readonly ScoredItem[], limit: number): SourceResult {
  return { source: 'trending', items: list.slice(0, limit) };
}

/** Items created after the last batch, newest first (scored by creation time). */
export function freshSource(items: readonly Item[], limit: number): SourceResult {
  return {
    source: 'fresh',
    items: items.slice(0, limit).map((item) => ({ itemId: item.itemId, score: item.createdAt })),
  };
}

/** The version's popularity ranking: the last resort, never empty while the catalogue is not. */
export function popularSource(popular: readonly ScoredItem[], limit: number): SourceResult {
  return { source: 'popular', items: popular.slice(0, limit) };
}

/** Merges the sources' lists, keeping first-seen order and every proposing source per item. */
export function mergeCandidates(results: readonly SourceResult[]): Map<string, Candidate> {
  const pool = new Map<string, Candidate>();
  for (const { source, items } of results) {
    for (const { itemId } of items) {
      const existing = pool.get(itemId);
      if (existing) existing.sources = withSource(existing.sources, source);
      else pool.set(itemId, { itemId, sources: withSource(NO_SOURCES, source) });
    }
  }
  return pool;
}
