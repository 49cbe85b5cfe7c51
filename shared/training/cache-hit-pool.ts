/**
 * The candidate pool of a cache hit as the edge builds it (shared/pipeline/recommend.ts): the
 * cached top-N, neighbours of the user's recent items ('session') and trending items, merged with
 * every proposing source, seen items removed. The scorer's training set and the offline evaluation
 * build it with the same source functions, so the rows they rank are the rows the edge ranks.
 */
import type { ScoredItem } from '../domain/artefacts';
import {
  mergeCandidates,
  sessionSource,
  topNSource,
  trendingSource,
} from '../pipeline/candidate-sources';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../pipeline/recommend';
import type { PooledCandidate } from './candidate-facts';

/** Half-life of trending counters at the edge (`EDGEREC_TRENDING_HALF_LIFE_HOURS`, default 24 h). */
export const TRENDING_HALF_LIFE_DAYS = 1;

export interface CacheHitPoolInput {
  /** The cached top-N, best first. */
  topN: readonly (readonly [string, number])[];
  /** The user's recent items, newest first (the session source's seeds). */
  seeds: readonly string[];
  /** Neighbour lists of the seeds. */
  neighbours: ReadonlyMap<string, readonly ScoredItem[]>;
  /** Trending items, best first. */
  trending: readonly ScoredItem[];
  /** Items never proposed (the user's seen items). */
  blocked: ReadonlySet<string>;
  limits?: SourceLimits;
}

/** The merged pool, in the edge's merge order (top-N first, in rank order). */
export function cacheHitPool(input: CacheHitPoolInput): PooledCandidate[] {
  const limits = input.limits ?? DEFAULT_SOURCE_LIMITS;
  const session = sessionSource(input.seeds, input.neighbours, limits.perSeed);
  const pool = mergeCandidates([
    topNSource({ items: input.topN }, limits.topN),
    { source: 'session', items: session.items.slice(0, limits.session) },
    trendingSource(input.trending, limits.trending),
  ]);
  const out: PooledCandidate[] = [];
  for (const c of pool.values()) if (!input.blocked.has(c.itemId)) out.push(c);
  return out;
}

/** Most rows a user contributes: every source's limit. */
export function cacheHitPoolCapacity(limits: SourceLimits = DEFAULT_SOURCE_LIMITS): number {
  return limits.topN + limits.session + limits.trending;
}

/** The `limit` items with the highest positive `scores`, as a trending list. */
export function trendingList(
  scores: ArrayLike<number>,
  itemIds: readonly string[],
  limit: number = DEFAULT_SOURCE_LIMITS.trending,
): ScoredItem[] {
  const out: ScoredItem[] = [];
  for (let i = 0; i < itemIds.length; i++) {
    if (scores[i]! > 0) out.push({ itemId: itemIds[i]!, score: scores[i]! });
  }
  out.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
  return out.slice(0, limit);
}
