/**
 * Write stage: every output of a run under its new version — item vectors into the vector
 * namespace, per-user top-N records, neighbour lists, popular lists, item factors and, last, the
 * manifest (so a manifest's presence implies the rest was written). Records are built chunk by
 * chunk and dropped once written, so memory does not grow with the number of users.
 */
import type { ModelManifest, ScoredItem, TopNRecord } from '../../shared/domain/artefacts';
import { LIMITS, vectorNamespace } from '../../shared/keys';
import type { KvResultStore } from '../../shared/adapters/kv-result-store';
import type { ResultWriter } from '../../shared/ports/result-store';
import type { VectorIndex, VectorRecord } from '../../shared/ports/vector-index';
import type { TrainOutputs } from '../../shared/training/types';
import type { TrainingData } from './training-data';

/** Where outputs go: Redis is required, KV and the vector index are optional. */
export interface WriteTargets {
  redis: ResultWriter;
  kv: KvResultStore | null;
  vectors: VectorIndex | null;
}

/** How much of the version is copied to KV (bounded by KV's per-invocation operation limit). */
export interface KvPlan {
  topNUsers: number;
  neighbourItems: number;
}

/** Fits in 1,000 KV operations with GC of one older version of the same shape in the same run. */
export const DEFAULT_KV_PLAN: KvPlan = { topNUsers: 300, neighbourItems: 180 };

export interface WriteOptions {
  version: string;
  createdAt: number;
  eventWeights: Readonly<Record<string, number>>;
  /** Records per write request. */
  chunk?: number;
  kvPlan?: KvPlan;
  onProgress?: (done: number, total: number) => void;
  /** Called between chunks (the runner refreshes its lock there). */
  onChunk?: () => Promise<void>;
}

/** What was asked and what each store acknowledged. */
export interface WriteReport {
  expected: { topN: number; neighbours: number; popular: number; vectors: number };
  redis: { topN: number; neighbours: number; popular: number };
  kv: { topN: number; neighbours: number; manifest: number; itemFactors: number } | null;
  vectors: number | null;
  categories: string[];
  manifest: ModelManifest;
}

/** Thrown when a trained output holds NaN or ±Infinity: nothing of it may be served. */
export class NonFiniteOutputError extends Error {
  constructor(what: string) {
    super(`non-finite value in ${what}`);
    this.name = 'NonFiniteOutputError';
  }
}

/** Rounds to 7 significant digits: all a Float32 carries, half the JSON of a double. */
const round = (x: number) => Number(x.toPrecision(7));

function assertFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new NonFiniteOutputError(`${what} at ${i}`);
  }
}

/** Start offsets of each user's entries, from the user index of every entry. */
function userEntryIndex(
  rows: Int32Array,
  nUsers: number,
): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(nUsers + 1);
  for (let e = 0; e < rows.length; e++) start[rows[e]! + 1] = start[rows[e]! + 1]! + 1;
  for (let u = 0; u < nUsers; u++) start[u + 1] = start[u + 1]! + start[u]!;
  const fill = start.slice(0, nUsers);
  const order = new Int32Array(rows.length);
  for (let e = 0; e < rows.length; e++) order[fill[rows[e]!]!++] = e;
  return { start, order };
}

/** Item indices by popularity, highest first (ties by index, so the order is deterministic). */
function byPopularity(popularity: ArrayLike<number>, indices: number[]): number[] {
  return indices.sort((a, b) => popularity[b]! - popularity[a]! || a - b);
}

/** Builds the manifest of a version. */
export function buildManifest(
  data: TrainingData,
  trained: TrainOutputs,
  options: Pick<WriteOptions, 'version' | 'createdAt' | 'eventWeights'>,
): ModelManifest {
  return {
    version: options.version,
    createdAt: options.createdAt,
    model: trained.model,
    dims: trained.dims,
    itemIds: data.interactions.itemIds,
    items: data.items,
    gram: Array.from(trained.gram),
    foldIn: trained.foldIn,
    eventWeights: { ...options.eventWeights },
    scorer: trained.scorer,
    hyperParameters: trained.hyperParameters,
    metrics: trained.validation,
    baseScoreCalibration: trained.baseScoreCalibration,
  };
}

/** Writes every output of `trained` under `options.version`. */
export async function writeOutputs(
  data: TrainingData,
  trained: TrainOutputs,
  targets: WriteTargets,
  options: WriteOptions,
): Promise<WriteReport> {
  const { version } = options;
  const chunk = options.chunk ?? 300;
  const kvPlan = options.kvPlan ?? DEFAULT_KV_PLAN;
  const { interactions } = data;
  const nUsers = interactions.userIds.length;
  const nItems = interactions.itemIds.length;
  const dims = trained.dims;

  assertFinite(trained.itemFactors, 'item factors');
  assertFinite(trained.userFactors, 'user factors');
  assertFinite(trained.gram, 'item Gram matrix');
  assertFinite(trained.popularity, 'item popularity');
  if (trained.itemFactors.length !== nItems * dims) {
    throw new RangeError(
      `item factors hold ${trained.itemFactors.length} values, expected ${nItems * dims}`,
    );
  }
  if (trained.userFactors.length !== nUsers * dims) {
    throw new RangeError(
      `user factors hold ${trained.userFactors.length} values, expected ${nUsers * dims}`,
    );
  }

  const categories = [...new Set(data.items.flatMap((f) => f.categories))].sort();
  const popularIndex = byPopularity(
    trained.popularity,
    Array.from({ length: nItems }, (_, i) => i),
  );
  const popular = (indices: number[]): ScoredItem[] =>
    indices.slice(0, LIMITS.popular).map((i) => ({
      itemId: interactions.itemIds[i]!,
      score: round(trained.popularity[i]!),
    }));
  const total = nItems + nUsers + nItems + categories.length + 3;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    options.onProgress?.(done, total);
  };

  // Item vectors, with the metadata the ANN source filters on.
  let vectorsWritten: number | null = null;
  if (targets.vectors) {
    vectorsWritten = 0;
    const namespace = vectorNamespace(version);
    const vectorChunk = Math.max(chunk, 500);
    for (let start = 0; start < nItems; start += vectorChunk) {
      const records: VectorRecord[] = [];
      for (let i = start; i < Math.min(nItems, start + vectorChunk); i++) {
        records.push({
          id: interactions.itemIds[i]!,
          vector: Array.from(trained.itemFactors.subarray(i * dims, (i + 1) * dims), round),
          metadata: {
            categories: data.items[i]!.categories,
            createdAt: data.createdAt[i]!,
            popularity: round(trained.popularity[i]!),
          },
        });
      }
      await targets.vectors.upsert(namespace, records);
      vectorsWritten += records.length;
      progress(records.length);
      await options.onChunk?.();
    }
  } else {
    progress(nItems);
  }

  // Per-user top-N records; KV gets the most active users' records first.
  const { start: userStart, order } = userEntryIndex(interactions.rows, nUsers);
  const activity = (u: number) => userStart[u + 1]! - userStart[u]!;
  const kvUsers = new Set(
    Array.from({ length: nUsers }, (_, u) => u)
      .sort((a, b) => activity(b) - activity(a) || a - b)
      .slice(0, kvPlan.topNUsers),
  );
  const written = { topN: 0, neighbours: 0, popular: 0 };
  const kvWritten = targets.kv ? { topN: 0, neighbours: 0, manifest: 0, itemFactors: 0 } : null;
  for (let first = 0; first < nUsers; first += chunk) {
    const records: TopNRecord[] = [];
    const forKv: TopNRecord[] = [];
    for (let u = first; u < Math.min(nUsers, first + chunk); u++) {
      const record = topNRecord(u);
      records.push(record);
      if (kvUsers.has(u)) forKv.push(record);
    }
    written.topN += await targets.redis.writeTopN(version, records);
    if (targets.kv && kvWritten) kvWritten.topN += await targets.kv.writeTopN(version, forKv);
    progress(records.length);
    await options.onChunk?.();
  }

  // Neighbour lists; KV gets the most popular items' lists.
  const kvItems = new Set(popularIndex.slice(0, kvPlan.neighbourItems));
  for (let first = 0; first < nItems; first += chunk) {
    const lists: [string, ScoredItem[]][] = [];
    const forKv: [string, ScoredItem[]][] = [];
    for (let i = first; i < Math.min(nItems, first + chunk); i++) {
      const list = trained.neighbours(i).map((s) => {
        if (!Number.isFinite(s.score)) throw new NonFiniteOutputError(`neighbours of item ${i}`);
        return { itemId: s.itemId, score: round(s.score) };
      });
      const entry: [string, ScoredItem[]] = [interactions.itemIds[i]!, list];
      lists.push(entry);
      if (kvItems.has(i)) forKv.push(entry);
    }
    written.neighbours += await targets.redis.writeNeighbours(version, lists);
    if (targets.kv && kvWritten)
      kvWritten.neighbours += await targets.kv.writeNeighbours(version, forKv);
    progress(lists.length);
    await options.onChunk?.();
  }

  // Popular lists: global and per category.
  written.popular += await targets.redis.writePopular(version, undefined, popular(popularIndex));
  for (const category of categories) {
    const inCategory = popularIndex.filter((i) => data.items[i]!.categories.includes(category));
    written.popular += await targets.redis.writePopular(version, category, popular(inCategory));
  }
  progress(categories.length + 1);

  // Item factors, then the manifest.
  const manifest = buildManifest(data, trained, options);
  await targets.redis.writeItemFactors(version, trained.itemFactors);
  await targets.redis.writeManifest(version, manifest);
  if (targets.kv && kvWritten) {
    await targets.kv.writeItemFactors(version, trained.itemFactors);
    kvWritten.itemFactors = 1;
    await targets.kv.writeManifest(version, manifest);
    kvWritten.manifest = 1;
  }
  progress(2);

  return {
    expected: {
      topN: nUsers,
      neighbours: nItems,
      popular: categories.length + 1,
      vectors: targets.vectors ? nItems : 0,
    },
    redis: written,
    kv: kvWritten,
    vectors: vectorsWritten,
    categories,
    manifest,
  };

  function topNRecord(u: number): TopNRecord {
    const items: [string, number][] = trained
      .topN(u)
      .slice(0, LIMITS.topN)
      .map((s) => {
        if (!Number.isFinite(s.score)) throw new NonFiniteOutputError(`top-N of user ${u}`);
        return [s.itemId, round(s.score)];
      });
    const seen: string[] = [];
    const perCategory: Record<string, number> = {};
    const count = activity(u);
    for (let k = userStart[u]!; k < userStart[u + 1]!; k++) {
      const item = interactions.cols[order[k]!]!;
      seen.push(interactions.itemIds[item]!);
      for (const c of data.items[item]!.categories) perCategory[c] = (perCategory[c] ?? 0) + 1;
    }
    const categoryAffinity: Record<string, number> = {};
    for (const [c, n] of Object.entries(perCategory)) categoryAffinity[c] = round(n / count);
    return {
      version,
      userId: interactions.userIds[u]!,
      items,
      vector: Array.from(trained.userFactors.subarray(u * dims, (u + 1) * dims), round),
      seen,
      categoryAffinity,
    };
  }
}
