/** Item-to-item lists (`/similar`) and trending lists (`/trending`), with their fallbacks. */
import type { ScoredItem } from '../../../shared/domain/artefacts';
import { vectorNamespace } from '../../../shared/keys';
import { degradedEntry, runWithBudget } from '../../../shared/pipeline/budget';
import { provisionalVector } from '../../../shared/pipeline/serving-model';
import { decayedCount } from '../../../shared/pipeline/trending-decay';
import type { Deps } from '../app-env';

export interface ListAnswer {
  items: ScoredItem[];
  modelVersion: string | null;
  degraded: string[];
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

/**
 * Neighbours of an item: the precomputed list (KV, then Redis); for an item the batch has not
 * seen, an ANN query around its vector (its factor row or its provisional vector).
 */
export async function similarItems(deps: Deps, itemId: string, k: number): Promise<ListAnswer> {
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
  const hidden = new Set(hiddenOutcome.ok ? hiddenOutcome.value : []);
  const keep = (id: string) => id !== itemId && !hidden.has(id);
  if (listed.ok && listed.value) {
    return {
      items: listed.value.filter((s) => keep(s.itemId)).slice(0, k),
      modelVersion: version,
      degraded,
    };
  }
  const entry = degradedEntry(listed);
  if (entry) degraded.push(entry);

  const model = await deps.models.get(version, deps.results).catch(() => null);
  if (!model)
    return { items: [], modelVersion: version, degraded: [...degraded, 'model:unavailable'] };
  const row = model.rowOf.get(itemId);
  let vector: ArrayLike<number> | null =
    row === undefined ? null : model.factors.subarray(row * model.dims, (row + 1) * model.dims);
  if (vector === null) {
    const item = await deps.state.getItem(itemId).catch(() => null);
    if (item && !item.deleted) vector = provisionalVector(model, item.categories);
  }
  if (vector === null) return { items: [], modelVersion: version, degraded };
  const ann = await runWithBudget(
    'ann',
    () =>
      deps.vectors.query(vectorNamespace(version), {
        vector: Array.from(vector),
        topK: Math.min(k + 1 + hidden.size, k + 101),
      }),
    deps.config.EDGEREC_SOURCE_BUDGET_MS,
    deps.clock,
  );
  const annEntry = degradedEntry(ann);
  if (annEntry) degraded.push(annEntry);
  const items = ann.ok
    ? ann.value
        .filter((m) => keep(m.id))
        .slice(0, k)
        .map((m) => ({ itemId: m.id, score: m.score }))
    : [];
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
