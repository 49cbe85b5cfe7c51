/**
 * `CandidateFacts` of one candidate for one user, exactly as shared/domain/features.ts defines
 * them, from what the serving path knows: the cached top-N, the user's current vector, neighbour
 * similarities to recent/session items, the manifest's item facts and the request context.
 */
import type { CandidateFacts, Device, SourceName } from '../domain/features';
import type { Item } from '../domain/items';
import { outsideTopNScore } from '../training/base-score-scale';
import { categoryAffinityOf, categoryShares } from '../training/candidate-facts';
import { dotRow, provisionalVector, type ServingModel } from './serving-model';

const DAY_MS = 24 * 3600 * 1000;

/** Per-request lookups shared by every candidate. */
export interface FactsContext {
  model: ServingModel | null;
  /** itemId → [rank, score] in the cached top-N. */
  topN: ReadonlyMap<string, readonly [number, number]>;
  /** The user's current vector (online fold-in if fresh, else the batch vector), or null. */
  userVector: ArrayLike<number> | null;
  /** The batch vector the cached top-N was ranked for (`TopNRecord.vector`), or null. */
  batchVector: ArrayLike<number> | null;
  /** Last score of the cached top-N (see `outsideTopNScore`), Infinity without a list. */
  topNFloor: number;
  /** itemId → largest neighbour similarity to a recent/session item. */
  itemItem: ReadonlyMap<string, { score: number }>;
  /** Share of the user's history per category. */
  affinity: Readonly<Record<string, number>>;
  /** Records of items the batch has not seen (fresh items). */
  extraItems: ReadonlyMap<string, Item>;
  /** Provisional vectors of those items, computed once per request (see `provisionalOf`). */
  provisional: Map<string, Float32Array>;
  nowMs: number;
  hour: number;
  device: Device;
}

// Shared with the offline trainer, which indexes its lists the same way.
export { indexTopN, topNFloorOf } from '../training/candidate-facts';

/** The provisional vector of a fresh item (its categories' centroid), cached for the request. */
export function provisionalOf(ctx: FactsContext, item: Item): Float32Array {
  let vector = ctx.provisional.get(item.itemId);
  if (!vector) {
    vector = provisionalVector(ctx.model!, item.categories);
    ctx.provisional.set(item.itemId, vector);
  }
  return vector;
}

/** Categories of an item: the manifest's, else the fresh item's record, else none. */
export function categoriesOf(ctx: FactsContext, itemId: string): readonly string[] {
  const row = ctx.model?.rowOf.get(itemId);
  return categoriesAt(ctx.model, row, row === undefined ? ctx.extraItems.get(itemId) : undefined);
}

/** `categoriesOf` from lookups already made (factor row, fresh-item record). */
export function categoriesAt(
  model: ServingModel | null,
  row: number | undefined,
  extra: Item | undefined,
): readonly string[] {
  if (row !== undefined) return model!.manifest.items[row]?.categories ?? [];
  return extra?.categories ?? [];
}

/** The facts of one candidate. */
export function candidateFacts(
  ctx: FactsContext,
  itemId: string,
  sources: ReadonlySet<SourceName>,
): CandidateFacts {
  return candidateFactsAt(
    ctx,
    itemId,
    ctx.model?.rowOf.get(itemId),
    ctx.extraItems.get(itemId),
    sources,
  );
}

/**
 * `candidateFacts` for a caller that has already looked the item up (its factor row in the model
 * and its fresh-item record), so the per-candidate loop does each id lookup once. Writes into
 * `out` when given: a loop that consumes each candidate's facts before the next reuses one object
 * instead of allocating 500 per request.
 */
export function candidateFactsAt(
  ctx: FactsContext,
  itemId: string,
  row: number | undefined,
  extra: Item | undefined,
  sources: ReadonlySet<SourceName>,
  out: CandidateFacts = emptyFacts(),
): CandidateFacts {
  const model = ctx.model;
  const facts = row === undefined ? undefined : model!.manifest.items[row];
  const cached = ctx.topN.get(itemId);

  // Outside the top-N: the dot product on the top-N's scale (one definition with the trainer).
  let baseScore: number | null = null;
  if (cached) baseScore = cached[1];
  else if (ctx.userVector !== null && model) {
    const calibration = model.manifest.baseScoreCalibration;
    if (row !== undefined) {
      const now = dotRow(model, ctx.userVector, row);
      const batch =
        ctx.batchVector === null || ctx.batchVector === ctx.userVector || !calibration
          ? now
          : dotRow(model, ctx.batchVector, row);
      baseScore = outsideTopNScore(calibration, batch, now, ctx.topNFloor);
    } else if (extra) {
      const now = dot(ctx.userVector, provisionalOf(ctx, extra));
      baseScore = outsideTopNScore(calibration, now, now, Infinity);
    }
  }

  const createdAt = facts?.createdAt ?? extra?.createdAt ?? null;
  out.baseScore = baseScore;
  out.topNRank = cached ? cached[0] : null;
  out.itemItem = ctx.itemItem.get(itemId)?.score ?? 0;
  out.popularity = facts?.popularity ?? 0;
  // Same definitions as the offline trainer (shared/training/candidate-facts.ts).
  out.ageDays = createdAt === null ? null : (ctx.nowMs - createdAt) / DAY_MS;
  out.categoryAffinity = categoryAffinityOf(
    ctx.affinity,
    facts?.categories ?? extra?.categories ?? [],
  );
  out.sources = sources;
  out.hour = ctx.hour;
  out.device = ctx.device;
  return out;
}

const NO_SOURCES: ReadonlySet<SourceName> = new Set();

/** A facts record to fill with `candidateFactsAt`. */
export function emptyFacts(): CandidateFacts {
  return {
    baseScore: null,
    topNRank: null,
    itemItem: 0,
    popularity: 0,
    ageDays: null,
    categoryAffinity: 0,
    sources: NO_SOURCES,
    hour: 0,
    device: 'unknown',
  };
}

/**
 * Category shares of a user's recent items, for users whose top-N record (and so batch affinity)
 * is missing: new users get an affinity from their first events.
 */
export function affinityFromRecent(
  itemIds: readonly string[],
  categories: (itemId: string) => readonly string[],
): Record<string, number> {
  return categoryShares(itemIds.map(categories).filter((cats) => cats.length > 0));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i] ?? 0) * b[i]!;
  return s;
}
