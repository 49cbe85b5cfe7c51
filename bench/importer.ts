/** Imports ratings and catalogue items into a running stack through the public API. */
import type { EventInput } from '../shared/domain/events';
import { MAX_ITEMS_PER_REQUEST } from '../shared/domain/items';
import { ApiError, type BenchApi } from './api-client';
import type { CatalogueItem } from './datasets';
import { chunk, mapConcurrent } from './pool';
import type { Rating } from './ratings';

/** Deterministic event id of one rating, so that a re-import is de-duplicated, not double counted. */
export function ratingEventId(prefix: string, r: Rating): string {
  return `${prefix}-${r.userId}-${r.itemId}-${r.timestamp}`;
}

/** The `POST /v1/events` form of a MovieLens rating (value = stars, time in ms). */
export function ratingEvent(prefix: string, r: Rating): EventInput {
  return {
    id: ratingEventId(prefix, r),
    userId: r.userId,
    itemId: r.itemId,
    type: 'rating',
    value: r.rating,
    timestamp: r.timestamp * 1000,
  };
}

/** Outcome of an import. */
export interface ImportReport {
  events: number;
  accepted: number;
  duplicates: number;
  ms: number;
  eventsPerSecond: number;
  /** Requests that failed with a 5xx and were retried as two halves (0 when every batch went through). */
  splits: number;
  /** The first such failure, for the report. */
  firstSplitError: string | null;
}

/** Counts of an import answer (`accepted`, `duplicates`, `created`...), summed over split requests. */
type Counts = Record<string, number>;

/**
 * Posts one batch; on a 5xx answer the batch is split in two and each half retried (ids make a
 * retry safe: what the failed request did store comes back as duplicates or existing items, never
 * twice).
 */
async function postSplitting<T, R extends Counts>(
  post: (batch: T[]) => Promise<R>,
  batch: T[],
  stats: { splits: number; firstSplitError: string | null },
): Promise<R> {
  try {
    return await post(batch);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status < 500 || batch.length < 2) throw error;
    stats.splits += 1;
    stats.firstSplitError ??= `${batch.length} records: ${error.message.slice(0, 200)}`;
    const half = Math.ceil(batch.length / 2);
    const a = await postSplitting(post, batch.slice(0, half), stats);
    const b = await postSplitting(post, batch.slice(half), stats);
    return Object.fromEntries(Object.keys(a).map((k) => [k, (a[k] ?? 0) + (b[k] ?? 0)])) as R;
  }
}

/** Posts ratings in batches of `batchSize` (at most 1,000), `concurrency` requests in flight. */
export async function importRatings(
  api: BenchApi,
  ratings: readonly Rating[],
  options: { prefix: string; batchSize?: number; concurrency?: number },
): Promise<ImportReport> {
  const started = performance.now();
  const batches = chunk(
    ratings.map((r) => ratingEvent(options.prefix, r)),
    options.batchSize ?? 1000,
  );
  const stats = { splits: 0, firstSplitError: null as string | null };
  const results = await mapConcurrent(batches, options.concurrency ?? 4, (events) =>
    postSplitting((batch) => api.postEvents(batch), events, stats),
  );
  const ms = performance.now() - started;
  const accepted = results.reduce((s, r) => s + r.accepted, 0);
  const duplicates = results.reduce((s, r) => s + r.duplicates, 0);
  if (accepted + duplicates !== ratings.length) {
    throw new Error(
      `import lost events: sent ${ratings.length}, accepted ${accepted} + duplicates ${duplicates}`,
    );
  }
  return {
    events: ratings.length,
    accepted,
    duplicates,
    ms,
    eventsPerSecond: (ratings.length / ms) * 1000,
    ...stats,
  };
}

/**
 * Posts catalogue items in batches of 1,000 (split like event batches after a 5xx), `concurrency`
 * requests in flight; returns the elapsed ms.
 */
export async function importItems(
  api: BenchApi,
  items: readonly CatalogueItem[],
  concurrency = 2,
): Promise<{ items: number; ms: number }> {
  const started = performance.now();
  const batches = chunk(
    items.map((item) => ({
      itemId: item.itemId,
      title: item.title,
      categories: item.categories,
      // Items existed before the data set starts: created "long ago", so that no freshness boost applies.
      createdAt: 0,
    })),
    MAX_ITEMS_PER_REQUEST,
  );
  const stats = { splits: 0, firstSplitError: null as string | null };
  const answers = await mapConcurrent(batches, concurrency, (batch) =>
    postSplitting((part) => api.postItems(part), batch, stats),
  );
  const stored = answers.reduce((s, a) => s + a.created + a.replaced + a.existing, 0);
  if (stored !== items.length) {
    throw new Error(`item import lost items: sent ${items.length}, the API reported ${stored}`);
  }
  return { items: items.length, ms: performance.now() - started };
}
