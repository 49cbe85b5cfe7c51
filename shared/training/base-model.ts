/**
 * A base model as the rest of training sees it: something that scores every item for a user.
 * ALS (dot products), EASE (X·B), popularity and blends of them all fit this shape.
 */
import type { Csr } from './sparse';

/** Scores every item for one user index (training data row), writing `out[0..items)`. */
export interface BaseModel {
  readonly name: string;
  readonly items: number;
  scoreUser(user: number, out: Float64Array): void;
}

/** User·item dot products of factor matrices (ALS). */
export function factorModel(
  name: string,
  userFactors: Float32Array,
  itemFactors: Float32Array,
  dims: number,
  items: number,
): BaseModel {
  return {
    name,
    items,
    scoreUser(user, out) {
      const xo = user * dims;
      for (let i = 0; i < items; i++) {
        const yo = i * dims;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let a = 0;
        for (; a + 3 < dims; a += 4) {
          s0 += userFactors[xo + a]! * itemFactors[yo + a]!;
          s1 += userFactors[xo + a + 1]! * itemFactors[yo + a + 1]!;
          s2 += userFactors[xo + a + 2]! * itemFactors[yo + a + 2]!;
          s3 += userFactors[xo + a + 3]! * itemFactors[yo + a + 3]!;
        }
        for (; a < dims; a++) s0 += userFactors[xo + a]! * itemFactors[yo + a]!;
        out[i] = s0 + s1 + s2 + s3;
      }
    },
  };
}

/** The same scores for everyone (popularity). */
export function constantModel(name: string, scores: Float64Array): BaseModel {
  return {
    name,
    items: scores.length,
    scoreUser(_user, out) {
      out.set(scores);
    },
  };
}

/** Sets the scores of the user's training items to -Infinity (never recommended again). */
export function maskSeen(byUser: Csr, user: number, out: Float64Array): void {
  if (user >= byUser.rows) return;
  for (let e = byUser.indptr[user]!; e < byUser.indptr[user + 1]!; e++)
    out[byUser.indices[e]!] = -Infinity;
}

/** w·a + (1 − w)·b: a linear blend of two models on the same items (e.g. 'ease+als'). */
export function blendModel(name: string, a: BaseModel, b: BaseModel, w: number): BaseModel {
  const tmp = new Float64Array(a.items);
  return {
    name,
    items: a.items,
    scoreUser(user, out) {
      a.scoreUser(user, out);
      b.scoreUser(user, tmp);
      for (let j = 0; j < out.length; j++) out[j] = w * out[j]! + (1 - w) * tmp[j]!;
    },
  };
}
