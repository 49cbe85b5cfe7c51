/**
 * One scale for every candidate's base score: the cached top-N holds the served model's scores
 * (ALS, EASE or their blend), while candidates outside it (session neighbours, trending, ANN, fresh
 * items) only have the ALS dot product of the user vector. The batch fits an affine map from the
 * dot product to the served scale; the edge (shared/pipeline/candidate-facts.ts) and the scorer's
 * training set (./scorer-data.ts) both score such candidates with `outsideTopNScore`.
 */
import type { BaseScoreCalibration } from '../domain/artefacts';
import { maskSeen, type BaseModel } from './base-model';
import type { Csr } from './sparse';
import { selectTopK } from './top-k';

/** The map of a model that is ALS itself: its top-N scores are the dot products. */
export const IDENTITY_CALIBRATION: BaseScoreCalibration = Object.freeze({ scale: 1, offset: 0 });

/**
 * Least-squares fit of `served ≈ scale · als + offset` over the region candidates come from: for
 * each of `users`, the union of the best `perUser` unseen items by either model. Fitting over the
 * whole catalogue would let the mass of irrelevant items near zero set the slope; what matters is
 * how the two scales relate where rankings are decided. Falls back to a shift of the means when
 * the dot products do not vary (slope 1).
 */
export function fitBaseScoreCalibration(
  served: BaseModel,
  als: BaseModel,
  byUser: Csr,
  users: readonly number[],
  perUser: number,
): BaseScoreCalibration {
  const n = served.items;
  const k = Math.min(perUser, n);
  const s = new Float64Array(n);
  const d = new Float64Array(n);
  const idx = new Int32Array(k);
  const sc = new Float64Array(k);
  const picked = new Uint8Array(n);
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const u of users) {
    served.scoreUser(u, s);
    als.scoreUser(u, d);
    maskSeen(byUser, u, s);
    maskSeen(byUser, u, d);
    picked.fill(0);
    for (const scores of [s, d]) {
      const found = selectTopK(scores, n, k, idx, sc);
      for (let r = 0; r < found; r++) {
        const i = idx[r]!;
        if (picked[i] || !Number.isFinite(s[i]!) || !Number.isFinite(d[i]!)) continue;
        picked[i] = 1;
        const x = d[i]!;
        const y = s[i]!;
        count++;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
    }
  }
  if (count === 0) return IDENTITY_CALIBRATION;
  const mx = sx / count;
  const my = sy / count;
  const vx = sxx / count - mx * mx;
  const cxy = sxy / count - mx * my;
  const scale = vx > 1e-12 ? cxy / vx : 1;
  return { scale, offset: my - scale * mx };
}

/**
 * Base score of a candidate outside the cached top-N, on the top-N's scale.
 * - `dotBatch`: the dot product with the batch user vector (the vector the top-N was ranked for);
 * - `dotNow`: with the current vector (on-line fold-in), equal to `dotBatch` without one;
 * - `floor`: the last score of the user's cached top-N for an item the batch knew and ranked
 *   below it (the batch's own score of such an item is at most that), `Infinity` otherwise
 *   (fresh items, no cached list).
 * The batch estimate is capped at the floor, then moved by what the current vector changed:
 * min(a·dotBatch + b, floor) + a·(dotNow − dotBatch). Without a calibration (manifests written
 * before it) the raw `dotNow`, as before.
 */
export function outsideTopNScore(
  calibration: BaseScoreCalibration | undefined,
  dotBatch: number,
  dotNow: number,
  floor: number,
): number {
  if (!calibration) return dotNow;
  const { scale, offset } = calibration;
  return Math.min(scale * dotBatch + offset, floor) + scale * (dotNow - dotBatch);
}
