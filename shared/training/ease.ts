/**
 * EASE, "Embarrassingly Shallow Autoencoders for Sparse Data" (Steck 2019): the item–item weight
 * matrix B = I − P·diagMat(1/diag(P)) with P = (XᵀX + λI)⁻¹, i.e. the closed-form ridge regression
 * of every item on all others with a zero diagonal. Scores of a user are x_u·B.
 *
 * Memory: one items × items Float64Array (8·n² bytes; the inverse is taken in place), e.g.
 * 2,500 items ≈ 50 MB, which leaves room in a 128 MB Worker; time ≈ n³ flops for the inverse.
 */
import type { BaseModel } from './base-model';
import { invertSpdInPlace } from './dense';
import type { Csr } from './sparse';

export interface EaseParams {
  lambda: number;
  /** Use 1 for every interaction (true) or the interaction weight (false). */
  binary: boolean;
}

export const DEFAULT_EASE_PARAMS: EaseParams = { lambda: 500, binary: true };

/** Bytes EASE needs for `items` items (the dense B). */
export const easeBytes = (items: number): number => 8 * items * items;

/** The Gram matrix XᵀX (items × items, row-major) of the user rows of `byUser`. */
export function itemGram(byUser: Csr, binary: boolean): Float64Array {
  const n = byUser.cols;
  const g = new Float64Array(n * n);
  for (let u = 0; u < byUser.rows; u++) {
    const a = byUser.indptr[u]!;
    const b = byUser.indptr[u + 1]!;
    for (let e = a; e < b; e++) {
      const i = byUser.indices[e]!;
      const vi = binary ? 1 : byUser.values[e]!;
      const row = i * n;
      // Upper triangle only (columns are sorted within a row); mirrored below.
      for (let f = e; f < b; f++) {
        const j = byUser.indices[f]!;
        g[row + j] = g[row + j]! + vi * (binary ? 1 : byUser.values[f]!);
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j]!;
  return g;
}

/** Fits B (returned row-major items × items; row i = weights from item i to every item). */
export function trainEase(byUser: Csr, params: EaseParams): Float64Array {
  const n = byUser.cols;
  const p = itemGram(byUser, params.binary);
  for (let i = 0; i < n; i++) p[i * n + i] = p[i * n + i]! + params.lambda;
  invertSpdInPlace(p, n);
  // B_ij = −P_ij / P_jj off the diagonal, B_ii = 0 (Steck 2019, eq. 8). Done in place.
  const invDiag = new Float64Array(n);
  for (let j = 0; j < n; j++) invDiag[j] = 1 / p[j * n + j]!;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) p[row + j] = -p[row + j]! * invDiag[j]!;
    p[row + i] = 0;
  }
  return p;
}

/** Scores x_u·B: the sum of the B rows of the user's items (weighted unless binary). */
export function easeModel(b: Float64Array, byUser: Csr, binary: boolean): BaseModel {
  const n = byUser.cols;
  return {
    name: 'ease',
    items: n,
    scoreUser(user, out) {
      out.fill(0);
      if (user >= byUser.rows) return;
      for (let e = byUser.indptr[user]!; e < byUser.indptr[user + 1]!; e++) {
        const i = byUser.indices[e]!;
        const w = binary ? 1 : byUser.values[e]!;
        const row = i * n;
        for (let j = 0; j < n; j++) out[j] = out[j]! + w * b[row + j]!;
      }
    },
  };
}
