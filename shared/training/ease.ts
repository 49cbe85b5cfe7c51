/**
 * EASE, "Embarrassingly Shallow Autoencoders for Sparse Data" (Steck 2019): the item–item weight
 * matrix B = I − P·diagMat(1/diag(P)) with P = (XᵀX + λI)⁻¹, i.e. the closed-form ridge regression
 * of every item on all others with a zero diagonal. Scores of a user are x_u·B.
 *
 * Memory: one items × items Float64Array (8·n² bytes) plus O(n) vectors at peak — the Gram matrix
 * is built in it, inverted in place (Cholesky) and turned into B in place; e.g. 1,682 items
 * (MovieLens-100K) ≈ 22.6 MB, 2,500 items ≈ 50 MB. Time ≈ n³ flops for the inverse.
 */
import type { BaseModel } from './base-model';
import { invertSpdInPlace } from './dense';
import type { Csr } from './sparse';

export interface EaseParams {
  lambda: number;
  /** Use 1 for every interaction (true) or the interaction weight (false). */
  binary: boolean;
  /**
   * Time scale τ (ms) of the co-occurrence kernel exp(−|t_ui − t_uj| / τ); 0 counts every pair of
   * a user's items fully (plain XᵀX).
   */
  timeScaleMs: number;
}

export const DEFAULT_EASE_PARAMS: EaseParams = { lambda: 500, binary: true, timeScaleMs: 0 };

/**
 * Peak bytes of one EASE fit for `items` items: the single dense items × items Float64 matrix
 * (Gram → inverse → B, all in place; the O(n) vectors beside it are negligible).
 */
export const easeBytes = (items: number): number => 8 * items * items;

/**
 * The Gram matrix XᵀX (items × items, row-major) of the user rows of `byUser`. With a time scale
 * τ > 0 each pair of a user's interactions counts exp(−|t_i − t_j| / τ) instead of 1: items taken
 * in the same session are stronger evidence of each other than items a year apart. The kernel
 * (Laplacian) is positive definite, so G stays a Gram matrix and EASE's inverse exists; only
 * pairs within 20τ are visited (the rest weigh < e⁻²⁰), which also bounds the cost of long
 * histories.
 */
export function itemGram(byUser: Csr, binary: boolean, timeScaleMs = 0): Float64Array {
  const n = byUser.cols;
  const g = new Float64Array(n * n);
  const order: number[] = [];
  for (let u = 0; u < byUser.rows; u++) {
    const a = byUser.indptr[u]!;
    const b = byUser.indptr[u + 1]!;
    const weight = (e: number) => (binary ? 1 : byUser.values[e]!);
    if (timeScaleMs <= 0) {
      for (let e = a; e < b; e++) {
        const i = byUser.indices[e]!;
        const vi = weight(e);
        const row = i * n;
        // Columns are sorted within a row, so j ≥ i: the upper triangle, mirrored below.
        for (let f = e; f < b; f++) {
          const j = byUser.indices[f]!;
          g[row + j] = g[row + j]! + vi * weight(f);
        }
      }
      continue;
    }
    order.length = 0;
    for (let e = a; e < b; e++) order.push(e);
    order.sort((x, y) => byUser.timestamps[x]! - byUser.timestamps[y]!);
    const horizon = 20 * timeScaleMs;
    for (let p = 0; p < order.length; p++) {
      const e = order[p]!;
      const te = byUser.timestamps[e]!;
      const i = byUser.indices[e]!;
      const vi = weight(e);
      g[i * n + i] = g[i * n + i]! + vi * vi;
      for (let q = p + 1; q < order.length; q++) {
        const f = order[q]!;
        const dt = byUser.timestamps[f]! - te;
        if (dt > horizon) break;
        const j = byUser.indices[f]!;
        const k = i < j ? i * n + j : j * n + i;
        g[k] = g[k]! + vi * weight(f) * Math.exp(-dt / timeScaleMs);
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) g[j * n + i] = g[i * n + j]!;
  return g;
}

/**
 * Fits B (returned row-major items × items; row i = weights from item i to every item). The
 * returned array is the one the Gram matrix was built in: no second n×n matrix is allocated.
 */
export function trainEase(byUser: Csr, params: EaseParams): Float64Array {
  const n = byUser.cols;
  const p = itemGram(byUser, params.binary, params.timeScaleMs);
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
