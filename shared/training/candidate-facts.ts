/**
 * `CandidateFacts` of a cached answer's candidates (the top-N, and the candidates other sources
 * add outside it), computed the same way offline (scorer training, evaluation) and at the edge, so
 * the scorer sees identical features in both.
 */
import type { BaseScoreCalibration, ItemFacts, ScoredItem } from '../domain/artefacts';
import type { CandidateFacts, Device, SourceName } from '../domain/features';
import { outsideTopNScore } from './base-score-scale';

const DAY_MS = 24 * 3600 * 1000;

/** How many of the user's most recent items feed the item-item feature. */
export const RECENT_ITEMS_FOR_ITEM_ITEM = 20;

/** Everything besides the candidate list that the facts depend on. */
export interface CandidateContext {
  /** Facts of a catalogue item by id (undefined when unknown). */
  itemFacts: (itemId: string) => ItemFacts | undefined;
  /** The user's share of history per category (`TopNRecord.categoryAffinity`). */
  categoryAffinity: Readonly<Record<string, number>>;
  /** Neighbour lists of the user's most recent items (at most `RECENT_ITEMS_FOR_ITEM_ITEM`). */
  recentNeighbours: readonly (readonly ScoredItem[])[];
  /** Request time in ms (age of items), hour of day 0..23 (UTC) and device class. */
  now: number;
  hour: number;
  device: Device;
}

const TOPN_ONLY: ReadonlySet<SourceName> = new Set<SourceName>(['topn']);

/** A candidate with its facts. */
export interface Candidate {
  itemId: string;
  facts: CandidateFacts;
}

/**
 * Category affinity of an item: the largest share of the user's history among the item's
 * categories (0 when the item has none or the user has no history in them).
 */
export function categoryAffinityOf(
  shares: Readonly<Record<string, number>>,
  categories: readonly string[],
): number {
  let best = 0;
  for (const c of categories) {
    const s = shares[c];
    if (s !== undefined && s > best) best = s;
  }
  return best;
}

/**
 * Share of a user's interactions per category: count of history items in the category divided
 * by the number of history items (so each share is in 0..1; shares may sum above 1 when items
 * carry several categories).
 */
export function categoryShares(
  historyCategories: Iterable<readonly string[]>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  let n = 0;
  for (const cats of historyCategories) {
    n++;
    for (const c of new Set(cats)) counts[c] = (counts[c] ?? 0) + 1;
  }
  for (const c of Object.keys(counts)) counts[c] = counts[c]! / n;
  return counts;
}

/** Largest similarity of each item over the given neighbour lists. */
export function itemItemScores(lists: readonly (readonly ScoredItem[])[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const list of lists) {
    for (const { itemId, score } of list) {
      const prev = best.get(itemId);
      if (prev === undefined || score > prev) best.set(itemId, score);
    }
  }
  return best;
}

/** A cached top-N list (`TopNRecord` or the trainer's own): `[itemId, score]`, best first. */
export interface TopNList {
  readonly items: readonly (readonly [string, number])[];
}

/** The floor of `outsideTopNScore` for a cached list: its last score, Infinity without one. */
export function topNFloorOf(list: TopNList | null): number {
  const last = list?.items[list.items.length - 1];
  return last === undefined ? Infinity : last[1];
}

/** Index of a top-N list: itemId → [rank, score]. */
export function indexTopN(list: TopNList | null): Map<string, readonly [number, number]> {
  const out = new Map<string, readonly [number, number]>();
  list?.items.forEach(([itemId, score], rank) => out.set(itemId, [rank, score]));
  return out;
}

/** Facts of each entry of a cached top-N list (`[itemId, baseScore]`, best first). */
export function topNCandidateFacts(
  topN: readonly (readonly [string, number])[],
  ctx: CandidateContext,
): Candidate[] {
  return pooledCandidateFacts(
    topN.map(([itemId]) => ({ itemId, sources: TOPN_ONLY })),
    topN,
    () => null,
    undefined,
    ctx,
  );
}

/** A candidate of a merged pool: its id and every source that proposed it. */
export interface PooledCandidate {
  itemId: string;
  sources: ReadonlySet<SourceName>;
}

/**
 * Facts of every candidate of a merged pool, as the edge computes them for a cached answer
 * (shared/pipeline/candidate-facts.ts): a top-N entry keeps its cached score and rank; any other
 * candidate gets `outsideTopNScore` of its ALS dot product `dotOf(itemId)` (null when unknown) with
 * the list's last score as the floor. Here the user vector is the batch vector (no fold-in).
 */
export function pooledCandidateFacts(
  pool: readonly PooledCandidate[],
  topN: readonly (readonly [string, number])[],
  dotOf: (itemId: string) => number | null,
  calibration: BaseScoreCalibration | undefined,
  ctx: CandidateContext,
): Candidate[] {
  const itemItem = itemItemScores(ctx.recentNeighbours);
  const cached = indexTopN({ items: topN });
  const floor = topNFloorOf({ items: topN });
  const out: Candidate[] = new Array(pool.length);
  for (let k = 0; k < pool.length; k++) {
    const { itemId, sources } = pool[k]!;
    const facts = ctx.itemFacts(itemId);
    const hit = cached.get(itemId);
    let baseScore: number | null = hit ? hit[1] : null;
    if (!hit) {
      const dot = dotOf(itemId);
      if (dot !== null) baseScore = outsideTopNScore(calibration, dot, dot, floor);
    }
    out[k] = {
      itemId,
      facts: {
        baseScore,
        topNRank: hit ? hit[0] : null,
        itemItem: itemItem.get(itemId) ?? 0,
        popularity: facts?.popularity ?? 0,
        ageDays:
          facts?.createdAt === null || facts?.createdAt === undefined
            ? null
            : (ctx.now - facts.createdAt) / DAY_MS,
        categoryAffinity: facts ? categoryAffinityOf(ctx.categoryAffinity, facts.categories) : 0,
        sources,
        hour: ctx.hour,
        device: ctx.device,
      },
    };
  }
  return out;
}
