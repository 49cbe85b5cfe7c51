/** A tiny serving model and request for pipeline unit tests (identity scorer, 4-d vectors). */
import type { ModelManifest } from '../../../shared/domain/artefacts';
import type { RecommendInput } from '../../../shared/pipeline/recommend';
import { buildServingModel, type ServingModel } from '../../../shared/pipeline/serving-model';

export const NOW = Date.UTC(2026, 2, 1, 9);
/** a1..a6 in category "a" (axis 0), b1..b6 in category "b" (axis 1). */
export const IDS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6'];

export function tinyModel(): ServingModel {
  const dims = 4;
  const factors = new Float32Array(
    IDS.flatMap((id, i) => (id.startsWith('a') ? [1, 0, 0.01 * i, 0] : [0, 1, 0, 0.01 * i])),
  );
  const manifest: ModelManifest = {
    version: 'v1',
    createdAt: NOW - 86_400_000,
    model: 'als',
    dims,
    itemIds: IDS,
    items: IDS.map((id, i) => ({
      categories: [id[0]!],
      createdAt: NOW - (i + 1) * 86_400_000,
      popularity: 100 - i,
      ...(id === 'b1' || id === 'b2' ? { provider: 'p1' } : {}),
    })),
    gram: [],
    foldIn: { lambda: 0.1, alpha: 1, priorWeight: 1 },
    eventWeights: {},
    scorer: { kind: 'identity' },
    hyperParameters: {},
    metrics: null,
  };
  return buildServingModel(manifest, factors, (f) => f[0]!);
}

/** A request of a user whose top-N interleaves both categories, best first: a1 b1 a2 b2 ... */
export function baseInput(patch: Partial<RecommendInput> = {}): RecommendInput {
  const order = ['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4'];
  return {
    model: tinyModel(),
    topN: {
      version: 'v1',
      userId: 'u',
      items: order.map((id, r) => [id, 1 - r * 0.1] as [string, number]),
      vector: [1, 1, 0, 0],
      seen: [],
      categoryAffinity: { a: 0.6, b: 0.4 },
    },
    userVector: [1, 1, 0, 0],
    ann: null,
    recent: [],
    session: [],
    consumed: [],
    neighbours: new Map(),
    trending: [],
    fresh: [],
    hidden: [],
    nowMs: NOW,
    device: 'desktop',
    k: 4,
    exclude: [],
    diversity: 0,
    explain: false,
    allowReconsumption: false,
    rules: { freshnessBoost: 0, freshnessDays: 7, categoryCap: 1, providerCap: 1 },
    ...patch,
  };
}
