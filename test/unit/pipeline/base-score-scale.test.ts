import { describe, expect, it } from 'vitest';
import type { BaseScoreCalibration, ModelManifest } from '../../../shared/domain/artefacts';
import { buildFeatures, FEATURE_NAMES, type SourceName } from '../../../shared/domain/features';
import {
  candidateFacts,
  indexTopN,
  topNFloorOf,
  type FactsContext,
} from '../../../shared/pipeline/candidate-facts';
import { recommend, type RecommendInput } from '../../../shared/pipeline/recommend';
import { buildServingModel } from '../../../shared/pipeline/serving-model';
import {
  blendModel,
  factorModel,
  maskSeen,
  type BaseModel,
} from '../../../shared/training/base-model';
import {
  fitBaseScoreCalibration,
  IDENTITY_CALIBRATION,
  outsideTopNScore,
} from '../../../shared/training/base-score-scale';
import { cosineNeighbours } from '../../../shared/training/neighbours';
import { createRng } from '../../../shared/training/random';
import { buildScorerDataset } from '../../../shared/training/scorer-data';
import { userMajor } from '../../../shared/training/sparse';
import { selectTopK } from '../../../shared/training/top-k';
import { plantedData } from '../training/fixtures';
import { baseInput, tinyModel } from './fixtures';

const BASE_SCORE = FEATURE_NAMES.indexOf('base_score');
const TOPN_RANK = FEATURE_NAMES.indexOf('topn_rank_recip');

/**
 * The fixture's user as a blend would serve it: top-N scores are half the ALS dot products (the
 * user vector [1, 1, 0, 0] gives every item a dot of ≈ 1), so the list is a1 0.6, b1 0.55, a2 0.5.
 * b5 is not in the list but trending, with an ALS dot of 1 — larger than any cached score.
 */
function blendInput(calibration?: BaseScoreCalibration, patch: Partial<RecommendInput> = {}) {
  const tiny = tinyModel();
  const manifest: ModelManifest = {
    ...tiny.manifest,
    model: 'ease+als',
    ...(calibration ? { baseScoreCalibration: calibration } : {}),
  };
  const model = buildServingModel(manifest, tiny.factors, (f) => f[0]!);
  const base = baseInput();
  return baseInput({
    model,
    topN: {
      ...base.topN!,
      items: [
        ['a1', 0.6],
        ['b1', 0.55],
        ['a2', 0.5],
      ],
    },
    trending: [{ itemId: 'b5', score: 10 }],
    k: 3,
    ...patch,
  });
}

const ids = (input: RecommendInput) => recommend(input).items.map((i) => i.itemId);

describe('candidates outside the cached top-N', () => {
  it('no longer outrank better top-N items when the model is a blend', () => {
    // Without the manifest's calibration (versions written before it): the raw dot product wins.
    expect(ids(blendInput())[0]).toBe('b5');
    const calibrated = blendInput({ scale: 0.5, offset: 0 });
    expect(ids(calibrated)).toEqual(['a1', 'b1', 'a2']);
    // Capped at the list's last score: it ranks right behind the list, not in front of it.
    expect(ids({ ...calibrated, k: 4 })).toEqual(['a1', 'b1', 'a2', 'b5']);
  });

  it('still rise above the list when the on-line vector moved towards them', () => {
    // Fold-in moved the user towards category b: b5's dot goes from ≈ 1 to ≈ 3, +2 on the ALS
    // scale, +1 on the blend's.
    const input = blendInput({ scale: 0.5, offset: 0 }, { userVector: [1, 3, 0, 0] });
    const out = recommend(input);
    expect(out.items[0]!.itemId).toBe('b5');
    // min(0.5 · 1, floor 0.5) + 0.5 · (3 − 1).
    expect(out.items[0]!.score).toBeCloseTo(1.5, 6);
  });

  it('score fresh items by the calibrated dot product, with no cap', () => {
    const fresh = {
      itemId: 'new1',
      categories: ['b'],
      tags: [],
      createdAt: Date.now(),
      hidden: false,
      attributes: {},
      updatedAt: Date.now(),
    };
    const input = blendInput({ scale: 0.5, offset: 0.3 }, { fresh: [fresh], trending: [] });
    const out = recommend({ ...input, k: 4 });
    // The b centroid · [1, 1, 0, 0] = 1: 0.5·1 + 0.3 = 0.8, above the list's best (0.6).
    expect(out.items[0]!.itemId).toBe('new1');
    expect(out.items[0]!.score).toBeCloseTo(0.8, 6);
  });
});

describe('outsideTopNScore', () => {
  it('is the raw current dot product without a calibration (old manifests)', () => {
    expect(outsideTopNScore(undefined, 2, 3, 0.1)).toBe(3);
  });
  it('caps the batch estimate at the floor and adds the scaled change of the dot product', () => {
    expect(outsideTopNScore({ scale: 2, offset: 1 }, 1, 1, Infinity)).toBe(3);
    expect(outsideTopNScore({ scale: 2, offset: 1 }, 1, 1, 2.5)).toBe(2.5);
    expect(outsideTopNScore({ scale: 2, offset: 1 }, 1, 1.5, 2.5)).toBe(3.5);
    expect(outsideTopNScore(IDENTITY_CALIBRATION, -1, -1, 0)).toBe(-1);
  });
});

describe('fitBaseScoreCalibration', () => {
  const rng = createRng(5);
  const planted = plantedData(3, 30, 40);
  const byUser = userMajor(planted.train);
  const dims = 4;
  const users = planted.train.userIds.length;
  const items = planted.train.itemIds.length;
  const uf = Float32Array.from({ length: users * dims }, () => rng.normal());
  const itf = Float32Array.from({ length: items * dims }, () => rng.normal());
  const als = factorModel('als', uf, itf, dims, items);
  const all = Array.from({ length: users }, (_, u) => u);
  const affine = (a: number, b: number): BaseModel => ({
    name: 'affine',
    items,
    scoreUser(u, out) {
      als.scoreUser(u, out);
      for (let i = 0; i < items; i++) out[i] = a * out[i]! + b;
    },
  });

  it('recovers an exact affine relation', () => {
    const fit = fitBaseScoreCalibration(affine(0.3, -0.2), als, byUser, all, 10);
    expect(fit.scale).toBeCloseTo(0.3, 9);
    expect(fit.offset).toBeCloseTo(-0.2, 9);
    const self = fitBaseScoreCalibration(als, als, byUser, all, 10);
    expect(self.scale).toBeCloseTo(1, 9);
    expect(self.offset).toBeCloseTo(0, 9);
  });

  it('fits a blend of ALS with an unrelated model by its ALS share plus noise', () => {
    const noise = Float64Array.from({ length: items }, () => rng.normal() * 0.01);
    const other: BaseModel = { name: 'other', items, scoreUser: (_u, out) => out.set(noise) };
    const fit = fitBaseScoreCalibration(blendModel('b', other, als, 0.7), als, byUser, all, 40);
    expect(fit.scale).toBeGreaterThan(0.29);
    expect(fit.scale).toBeLessThan(0.31);
  });
});

describe('the scorer training set', () => {
  // A slice as the batch sees it: ALS factors, a blend that halves them plus an item effect, and
  // the calibration between the two.
  const rng = createRng(9);
  const planted = plantedData(4, 40, 60);
  const data = planted.train;
  const byUser = userMajor(data);
  const dims = 4;
  const nUsers = data.userIds.length;
  const nItems = data.itemIds.length;
  const uf = Float32Array.from({ length: nUsers * dims }, () => rng.normal());
  const itf = Float32Array.from({ length: nItems * dims }, () => rng.normal());
  const als = factorModel('als', uf, itf, dims, nItems);
  const effect = Float64Array.from({ length: nItems }, () => rng.normal());
  const blend = blendModel(
    'ease+als',
    { name: 'e', items: nItems, scoreUser: (_u, o) => o.set(effect) },
    als,
    0.5,
  );
  const calibration = fitBaseScoreCalibration(blend, als, byUser, [0, 1, 2, 3], 20);
  const topN = 10;
  const neighbours = cosineNeighbours(itf, nItems, dims, 8);
  const relevant = new Map<number, Set<number>>();
  for (let u = 0; u < nUsers; u++) relevant.set(u, new Set([(u * 7) % nItems]));
  const trending = Float64Array.from({ length: nItems }, (_, i) => (i % 3 === 0 ? i : 0));
  const dataset = buildScorerDataset({
    model: blend,
    als,
    calibration,
    trending,
    fit: byUser,
    relevant,
    users: [0, 1, 2],
    neighbours,
    itemIds: data.itemIds,
    items: [],
    popularity: new Float64Array(nItems),
    now: 0,
    topN,
  });

  it('holds the candidates serving adds outside the top-N, with the facts serving computes', () => {
    const F = FEATURE_NAMES.length;
    const manifest: ModelManifest = {
      ...tinyModel().manifest,
      model: 'ease+als',
      dims,
      itemIds: data.itemIds,
      items: data.itemIds.map(() => ({ categories: [], createdAt: null, popularity: 0 })),
      baseScoreCalibration: calibration,
    };
    const model = buildServingModel(manifest, itf, (f) => f[0]!);
    let outside = 0;
    for (let g = 0; g < 3; g++) {
      const u = g;
      const scores = new Float64Array(nItems);
      blend.scoreUser(u, scores);
      maskSeen(byUser, u, scores);
      const idx = new Int32Array(topN);
      const sc = new Float64Array(topN);
      const count = selectTopK(scores, nItems, topN, idx, sc);
      const record = {
        version: 'v',
        userId: data.userIds[u]!,
        items: Array.from(
          { length: count },
          (_, k) => [data.itemIds[idx[k]!]!, sc[k]!] as [string, number],
        ),
        vector: Array.from(uf.subarray(u * dims, (u + 1) * dims)),
        seen: [],
        categoryAffinity: {},
      };
      const ctx: FactsContext = {
        model,
        topN: indexTopN(record),
        userVector: record.vector,
        batchVector: record.vector,
        topNFloor: topNFloorOf(record),
        itemItem: new Map(),
        affinity: {},
        extraItems: new Map(),
        provisional: new Map(),
        nowMs: 0,
        hour: 12,
        device: 'unknown',
      };
      const rows = dataset.groupStart.subarray(g, g + 2);
      expect(rows[1]! - rows[0]!).toBeGreaterThan(count);
      for (let r = rows[0]!; r < rows[1]!; r++) {
        const row = dataset.features.subarray(r * F, (r + 1) * F);
        const itemId = data.itemIds[dataset.items[r]!]!;
        const sources = new Set(
          FEATURE_NAMES.flatMap((name, j) =>
            name.startsWith('src_') && row[j] === 1 ? [name.slice(4) as SourceName] : [],
          ),
        );
        const served = buildFeatures(candidateFacts(ctx, itemId, sources));
        expect(row[BASE_SCORE]).toBeCloseTo(served[BASE_SCORE]!, 5);
        expect(row[TOPN_RANK]).toBe(served[TOPN_RANK]);
        if (row[TOPN_RANK] === 0) {
          outside++;
          expect(sources.has('topn')).toBe(false);
          expect(sources.has('session') || sources.has('trending')).toBe(true);
          // On the top-N's scale, capped at its last score.
          expect(row[BASE_SCORE]).toBeLessThanOrEqual(sc[count - 1]! + 1e-9);
        }
      }
    }
    expect(outside).toBeGreaterThan(0);
  });
});
