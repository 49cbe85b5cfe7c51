/** Imports ratings and catalogue items into a running stack through the public API. */
import type { EventInput } from '../shared/domain/events';
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

/**
 * Posts one batch; on a 5xx answer the batch is split in two and each half retried (event ids make
 * a retry safe: what the failed request did store comes back as duplicates, never twice).
 */
async function postSplitting(
  api: BenchApi,
  events: EventInput[],
  stats: { splits: number; firstSplitError: string | null },
): Promise<{ accepted: number; duplicates: number }> {
  try {
    return await api.postEvents(events);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status < 500 || events.length < 2) throw error;
    stats.splits += 1;
    stats.firstSplitError ??= `${events.length} events: ${error.message.slice(0, 200)}`;
    const half = Math.ceil(events.length / 2);
    const a = await postSplitting(api, events.slice(0, half), stats);
    const b = await postSplitting(api, events.slice(half), stats);
    return { accepted: a.accepted + b.accepted, duplicates: a.duplicates + b.duplicates };
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
    postSplitting(api, events, stats),
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

/** Posts catalogue items (one request each, `concurrency` in flight); returns the elapsed ms. */
export async function importItems(
  api: BenchApi,
  items: readonly CatalogueItem[],
  concurrency = 8,
): Promise<{ items: number; ms: number }> {
  const started = performance.now();
  await mapConcurrent(items, concurrency, (item) =>
    api.postItem({
      itemId: item.itemId,
      title: item.title,
      categories: item.categories,
      // Items existed before the data set starts: created "long ago", so that no freshness boost applies.
      createdAt: 0,
    }),
  );
  return { items: items.length, ms: performance.now() - started };
}
