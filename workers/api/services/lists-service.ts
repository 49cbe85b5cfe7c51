/** Item-to-item lists (`/similar`) and trending lists (`/trending`), with their fallbacks. */
import type { ScoredItem } from '../../../shared/domain/artefacts';
import { vectorNamespace } from '../../../shared/keys';
import { categoryFilter } from '../../../shared/ports/vector-index';
import { degradedEntry, runWithBudget } from '../../../shared/pipeline/budget';
import { provisionalVector } from '../../../shared/pipeline/serving-model';
import { decayedCount } from '../../../shared/pipeline/trending-decay';
import type { Deps } from '../app-env';

export interface ListAnswer<T extends ScoredItem = ScoredItem> {
  items: T[];
  modelVersion: string | null;
  degraded: string[];
}

/** A similar item and where it came from: scores of the two sources are on different scales. */
export interface SimilarItem extends ScoredItem {
  source: 'neighbours' | 'ann';
}

/** The served version: the isolate's, else Redis', else the KV copy of the pointer. */
async function servedVersion(deps: Deps): Promise<string | null> {
  if (deps.models.lastVersion !== null) return deps.models.lastVersion;
  const version =
    (await deps.state.currentVersion().catch(() => null)) ??
    (await deps.kv.readCurrent().catch(() => null));
  deps.models.observe(version);
  return version;
}

/** Largest `topK` of one vector query (Upstash Vector's limit). */
const MAX_TOP_K = 1000;

/** Options of `GET /v1/items/{itemId}/similar`. */
export interface SimilarRequest {
  k: number;
  /** Only items of this category. */
  category?: string;
  /** Item ids to leave out. */
  exclude: readonly string[];
}

/**
 * Neighbours of an item: the precomputed list (KV, then Redis), less hidden, deleted and excluded
 * items and, with a category, the items outside it (by the served version's item categories). An
 * ANN query around the item's vector (its factor row or its provisional vector, the category
 * pushed into the query's metadata filter) answers for an item the batch has not seen, and fills
 * a list left short of k (by those rules, or a k beyond the list's length) after its own items.
 */
export async function similarItems(
  deps: Deps,
  itemId: string,
  req: SimilarRequest,
): Promise<ListAnswer<SimilarItem>> {
  const degraded: string[] = [];
  const version = await servedVersion(deps);
  if (version === null) return { items: [], modelVersion: null, degraded };
  const budget = deps.config.EDGEREC_STATE_BUDGET_MS;
  // The list (KV, then Redis) and the hidden set (Redis) in parallel.
  const [listed, hiddenOutcome] = await Promise.all([
    runWithBudget(
      'neighbours',
      () => deps.results.readNeighbours(version, itemId),
      budget,
      deps.clock,
    ),
    runWithBudget('redis', () => deps.state.hiddenItems(), budget, deps.clock),
  ]);
  const hiddenEntry = degradedEntry(hiddenOutcome);
  if (hiddenEntry) degraded.push(hiddenEntry);
  const blocked = new Set([
    itemId,
    ...(hiddenOutcome.ok ? hiddenOutcome.value : []),
    ...req.exclude,
  ]);
  const list = listed.ok ? listed.value : null;
  const entry = degradedEntry(listed);
  if (entry) degraded.push(entry);
  // The model (held by the isolate after its first request) gives categories and vectors.
  const loadModel = () => deps.models.get(version, deps.results).catch(() => null);
  const category = req.category;
  // Needed at once without a list (the index answers) or with a category (the filter reads it).
  const early = list === null || category !== undefined;
  let model = early ? await loadModel() : null;
  if (category !== undefined && !model)
    return { items: [], modelVersion: version, degraded: [...degraded, 'model:unavailable'] };

  const inCategory = (id: string) => {
    if (category === undefined) return true;
    const row = model!.rowOf.get(id);
    return row !== undefined && (model!.manifest.items[row]?.categories ?? []).includes(category);
  };
  const items: SimilarItem[] = (list ?? [])
    .filter((s) => !blocked.has(s.itemId) && inCategory(s.itemId))
    .slice(0, req.k)
    .map((s) => ({ ...s, source: 'neighbours' }));
  if (items.length >= req.k) return { items, modelVersion: version, degraded };
  if (!early) model = await loadModel();
  if (!model) return { items, modelVersion: version, degraded: [...degraded, 'model:unavailable'] };

  const row = model.rowOf.get(itemId);
  let vector: ArrayLike<number> | null =
    row === undefined ? null : model.factors.subarray(row * model.dims, (row + 1) * model.dims);
  if (vector === null) {
    const item = await deps.state.getItem(itemId).catch(() => null);
    if (item && !item.deleted) vector = provisionalVector(model, item.categories);
  }
  if (vector === null) return { items, modelVersion: version, degraded };
  for (const s of items) blocked.add(s.itemId);
  const ann = await runWithBudget(
    'ann',
    () =>
      deps.vectors.query(vectorNamespace(version), {
        vector: Array.from(vector),
        // Blocked ids (the list's own included) may come back too: room for each.
        topK: Math.min(req.k - items.length + blocked.size, MAX_TOP_K),
        ...(category === undefined ? {} : { filter: categoryFilter(category) }),
      }),
    deps.config.EDGEREC_SOURCE_BUDGET_MS,
    deps.clock,
  );
  const annEntry = degradedEntry(ann);
  if (annEntry) degraded.push(annEntry);
  if (ann.ok) {
    for (const m of ann.value) {
      if (items.length >= req.k) break;
      if (!blocked.has(m.id)) items.push({ itemId: m.id, score: m.score, source: 'ann' });
    }
  }
  return { items, modelVersion: version, degraded };
}

/**
 * Trending items of a scope, scored by their decayed event weight now; when Redis cannot answer,
 * the version's popularity ranking.
 */
export async function trendingItems(
  deps: Deps,
  scope: string,
  k: number,
  nowMs: number,
): Promise<ListAnswer> {
  const halfLifeMs = deps.config.EDGEREC_TRENDING_HALF_LIFE_HOURS * 3600 * 1000;
  const outcome = await runWithBudget(
    'redis',
    () => deps.state.trending(scope, k),
    deps.config.EDGEREC_STATE_BUDGET_MS,
    deps.clock,
  );
  if (outcome.ok) {
    return {
      items: outcome.value.map((s) => ({
        itemId: s.itemId,
        score: decayedCount(s.score, nowMs, halfLifeMs),
      })),
      modelVersion: deps.models.lastVersion,
      degraded: [],
    };
  }
  const degraded = [degradedEntry(outcome)!, 'trending:popular-fallback'];
  const version = await servedVersion(deps);
  const model =
    version === null ? null : await deps.models.get(version, deps.results).catch(() => null);
  return { items: model ? model.popular.slice(0, k) : [], modelVersion: version, degraded };
}
