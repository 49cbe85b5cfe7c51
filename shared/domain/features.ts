/**
 * The scorer's feature vector: one definition used both where the scorer is trained (batch) and
 * where it is applied (edge), so that the two can never disagree.
 */

/** Candidate sources, in the order they are tried when filling a list. */
export const SOURCE_NAMES = ['topn', 'ann', 'session', 'trending', 'fresh', 'popular'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export type Device = 'mobile' | 'tablet' | 'desktop' | 'unknown';

/** What the serving path (or the offline trainer) knows about one candidate for one user. */
export interface CandidateFacts {
  /** Base score from the batch model (cached top-N score or user·item dot product), null if unknown. */
  baseScore: number | null;
  /** 0-based rank in the cached top-N list, null when the item is not in it. */
  topNRank: number | null;
  /** Largest item-to-item similarity between the candidate and the user's recent/session items. */
  itemItem: number;
  /** Weighted interaction count of the item in the training window. */
  popularity: number;
  /** Days since the item was created, null when unknown. */
  ageDays: number | null;
  /** Share (0..1) of the user's history in the item's categories. */
  categoryAffinity: number;
  sources: ReadonlySet<SourceName>;
  /** Hour of day 0..23 of the request (UTC), and the device class from the user agent. */
  hour: number;
  device: Device;
}

export const FEATURE_NAMES = [
  'base_score',
  'base_known',
  'topn_rank_recip',
  'item_item',
  'log_popularity',
  'freshness',
  'category_affinity',
  ...SOURCE_NAMES.map((s) => `src_${s}`),
  'hour_sin',
  'hour_cos',
  'device_mobile',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Writes the features of `f` into `out` (length `FEATURE_COUNT`) and returns it. */
export function buildFeatures(
  f: CandidateFacts,
  out = new Float64Array(FEATURE_COUNT),
): Float64Array {
  let i = 0;
  out[i++] = f.baseScore ?? 0;
  out[i++] = f.baseScore === null ? 0 : 1;
  out[i++] = f.topNRank === null ? 0 : 1 / (1 + f.topNRank);
  out[i++] = f.itemItem;
  out[i++] = Math.log1p(Math.max(0, f.popularity));
  // Freshness decays with a 30-day time constant; unknown age counts as old.
  out[i++] = f.ageDays === null ? 0 : Math.exp(-Math.max(0, f.ageDays) / 30);
  out[i++] = f.categoryAffinity;
  for (const s of SOURCE_NAMES) out[i++] = f.sources.has(s) ? 1 : 0;
  const angle = (2 * Math.PI * f.hour) / 24;
  out[i++] = Math.sin(angle);
  out[i++] = Math.cos(angle);
  out[i++] = f.device === 'mobile' ? 1 : 0;
  return out;
}
