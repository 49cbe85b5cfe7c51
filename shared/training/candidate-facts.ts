/**
 * `CandidateFacts` of cached top-N candidates, computed the same way offline (scorer training,
 * evaluation) and at the edge (cached answer), so the scorer sees identical features in both.
 */
import type { ItemFacts, ScoredItem } from '../domain/artefacts';
import type { CandidateFacts, Device, SourceName } from '../domain/features';

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

/** Facts of each entry of a cached top-N list (`[itemId, baseScore]`, best first). */
export function topNCandidateFacts(
  topN: readonly (readonly [string, number])[],
  ctx: CandidateContext,
): Candidate[] {
  const itemItem = itemItemScores(ctx.recentNeighbours);
  const out: Candidate[] = new Array(topN.length);
  for (let rank = 0; rank < topN.length; rank++) {
    const [itemId, baseScore] = topN[rank]!;
    const facts = ctx.itemFacts(itemId);
    out[rank] = {
      itemId,
      facts: {
        baseScore,
        topNRank: rank,
        itemItem: itemItem.get(itemId) ?? 0,
        popularity: facts?.popularity ?? 0,
        ageDays:
          facts?.createdAt === null || facts?.createdAt === undefined
            ? null
            : (ctx.now - facts.createdAt) / DAY_MS,
        categoryAffinity: facts ? categoryAffinityOf(ctx.categoryAffinity, facts.categories) : 0,
        sources: TOPN_ONLY,
        hour: ctx.hour,
        device: ctx.device,
      },
    };
  }
  return out;
}
