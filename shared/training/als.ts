/**
 * Implicit-feedback alternating least squares (Hu, Koren, Volinsky 2008, "Collaborative Filtering
 * for Implicit Feedback Datasets") solved with a few conjugate-gradient steps per row, warm-started
 * from the previous factors (Takács, Pilászy, Tikk 2011, "Applications of the conjugate gradient
 * method for implicit feedback collaborative filtering").
 */
import { gramOf } from './dense';
import { createRng } from './random';
import type { Csr } from './sparse';

/** How an interaction weight w becomes a confidence c = 1 + alpha·f(w). */
export type ConfidenceScaling = 'linear' | 'log' | 'binary';

export interface AlsParams {
  dims: number;
  /** L2 regularisation λ of both factor matrices. */
  lambda: number;
  /** Confidence scale α (HKV 2008 eq. 1: c = 1 + α·r; or the log variant c = 1 + α·log(1 + r/ε)). */
  alpha: number;
  scaling: ConfidenceScaling;
  /** ε of the log scaling (HKV 2008 eq. 6). */
  epsilon: number;
  iterations: number;
  /** CG steps per row per sweep (Takács et al. use 2–4). */
  cgSteps: number;
  seed: number;
}

export const DEFAULT_ALS_PARAMS: AlsParams = {
  dims: 64,
  lambda: 0.1,
  alpha: 10,
  scaling: 'linear',
  epsilon: 1,
  iterations: 15,
  cgSteps: 3,
  seed: 42,
};

export interface AlsModel {
  dims: number;
  /** Row-major users × dims. */
  userFactors: Float32Array;
  /** Row-major items × dims. */
  itemFactors: Float32Array;
  /** Observed entries (throughput is non-zeros × iterations per second). */
  nonZeros: number;
  iterations: number;
}

/**
 * The scaled interaction strength f(w) in c = 1 + α·f(w): the raw weight (Hu, Koren, Volinsky 2008,
 * eq. 2), its log (eq. 6, log(1 + w/ε)) or 1 for any interaction (binary). Fold-in uses it too.
 */
export function confidenceScale(w: number, scaling: ConfidenceScaling, epsilon: number): number {
  return scaling === 'binary' ? 1 : scaling === 'log' ? Math.log1p(w / epsilon) : w;
}

/** c − 1 per entry of `m`: the extra confidence of an observed interaction. */
export function confidenceMinusOne(
  m: Csr,
  p: Pick<AlsParams, 'alpha' | 'scaling' | 'epsilon'>,
): Float32Array {
  const out = new Float32Array(m.values.length);
  for (let e = 0; e < out.length; e++) {
    const w = m.values[e]!;
    out[e] = p.alpha * confidenceScale(w, p.scaling, p.epsilon);
  }
  return out;
}

/** Progress of the factorisation: iteration done out of total. */
export type AlsProgress = (iteration: number, total: number) => void;

/**
 * Factorises the implicit feedback in `byUser` (users × items) and `byItem` (its transpose):
 * minimises Σ c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²) over all user–item pairs, p = 1 for
 * observed pairs and 0 otherwise (HKV 2008 eq. 3).
 */
export function trainAls(
  byUser: Csr,
  byItem: Csr,
  params: AlsParams,
  onProgress?: AlsProgress,
): AlsModel {
  const { dims } = params;
  const rng = createRng(params.seed);
  const userFactors = new Float32Array(byUser.rows * dims);
  const itemFactors = new Float32Array(byItem.rows * dims);
  // Small random start (as in the `implicit` library): breaks the symmetry between dimensions.
  const scale = 0.01;
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = scale * rng.normal();
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = scale * rng.normal();
  const cUser = confidenceMinusOne(byUser, params);
  const cItem = confidenceMinusOne(byItem, params);
  const solver = new CgSolver(dims);
  for (let it = 0; it < params.iterations; it++) {
    solver.sweep(byUser, cUser, userFactors, itemFactors, params);
    solver.sweep(byItem, cItem, itemFactors, userFactors, params);
    onProgress?.(it + 1, params.iterations);
  }
  return {
    dims,
    userFactors,
    itemFactors,
    nonZeros: byUser.values.length,
    iterations: params.iterations,
  };
}

/**
 * Solves, for every row u of `m`, (YᵀY + Yᵀ(C_u − I)Y + λI) x_u = YᵀC_u p_u by a few CG steps
 * from the current x_u (HKV 2008 eq. 4; the Yᵀ(C_u − I)Y term is never formed: Takács et al.
 * 2011 multiply by it through the row's non-zeros only, O(n_u·d) per step instead of O(d³) per
 * row, and YᵀY + λI is shared by all rows of a sweep).
 */
export class CgSolver {
  private readonly gram: Float64Array;
  private readonly x: Float64Array;
  private readonly r: Float64Array;
  private readonly p: Float64Array;
  private readonly ap: Float64Array;
  private readonly gx: Float64Array;

  constructor(readonly dims: number) {
    this.gram = new Float64Array(dims * dims);
    this.x = new Float64Array(dims);
    this.r = new Float64Array(dims);
    this.p = new Float64Array(dims);
    this.ap = new Float64Array(dims);
    this.gx = new Float64Array(dims);
  }

  /** Updates every row of `target` (rows of `m`) against the fixed factors `fixed`. */
  sweep(
    m: Csr,
    cMinusOne: Float32Array,
    target: Float32Array,
    fixed: Float32Array,
    params: Pick<AlsParams, 'lambda' | 'cgSteps'>,
  ): void {
    const d = this.dims;
    gramOf(fixed, m.cols, d, this.gram);
    for (let u = 0; u < m.rows; u++) {
      this.solveRow(
        m.indptr[u]!,
        m.indptr[u + 1]!,
        m.indices,
        cMinusOne,
        target,
        u * d,
        fixed,
        params,
      );
    }
  }

  /**
   * CG on one row: A = YᵀY + λI + Σ_e (c_e − 1) y_e y_eᵀ and b = Σ_e c_e y_e over the row's
   * non-zeros e (`from..to` of `indices`/`cMinusOne`). The row's factors start at
   * `target[offset]` (the warm start) and are overwritten.
   */
  solveRow(
    from: number,
    to: number,
    indices: Int32Array,
    cMinusOne: Float32Array,
    target: Float32Array,
    offset: number,
    fixed: Float32Array,
    params: Pick<AlsParams, 'lambda' | 'cgSteps'>,
  ): void {
    const d = this.dims;
    const { x, r, p, ap, gx } = this;
    const lambda = params.lambda;
    for (let a = 0; a < d; a++) x[a] = target[offset + a]!;
    // r = b − A x.
    this.gramTimes(x, gx);
    for (let a = 0; a < d; a++) r[a] = -(gx[a]! + lambda * x[a]!);
    for (let e = from; e < to; e++) {
      const yo = indices[e]! * d;
      const cm1 = cMinusOne[e]!;
      addRow(r, 1 + cm1 - cm1 * dotRow(fixed, yo, x, d), fixed, yo, d);
    }
    let rs = 0;
    for (let a = 0; a < d; a++) {
      p[a] = r[a]!;
      rs += r[a]! * r[a]!;
    }
    for (let step = 0; step < params.cgSteps && rs > 1e-20; step++) {
      this.gramTimes(p, ap);
      for (let a = 0; a < d; a++) ap[a] = ap[a]! + lambda * p[a]!;
      for (let e = from; e < to; e++) {
        const yo = indices[e]! * d;
        addRow(ap, cMinusOne[e]! * dotRow(fixed, yo, p, d), fixed, yo, d);
      }
      let pap = 0;
      for (let a = 0; a < d; a++) pap += p[a]! * ap[a]!;
      if (!(pap > 0)) break;
      const alpha = rs / pap;
      let rsNew = 0;
      for (let a = 0; a < d; a++) {
        x[a] = x[a]! + alpha * p[a]!;
        r[a] = r[a]! - alpha * ap[a]!;
        rsNew += r[a]! * r[a]!;
      }
      const beta = rsNew / rs;
      for (let a = 0; a < d; a++) p[a] = r[a]! + beta * p[a]!;
      rs = rsNew;
    }
    for (let a = 0; a < d; a++) target[offset + a] = x[a]!;
  }

  private gramTimes(v: Float64Array, out: Float64Array): void {
    const d = this.dims;
    for (let a = 0; a < d; a++) out[a] = dotRow(this.gram, a * d, v, d);
  }
}

/** Σ_a m[o + a]·v[a] for a < d, four accumulators (V8 does not vectorise). */
function dotRow(m: Float32Array | Float64Array, o: number, v: Float64Array, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < d; a += 4) {
    s0 += m[o + a]! * v[a]!;
    s1 += m[o + a + 1]! * v[a + 1]!;
    s2 += m[o + a + 2]! * v[a + 2]!;
    s3 += m[o + a + 3]! * v[a + 3]!;
  }
  for (; a < d; a++) s0 += m[o + a]! * v[a]!;
  return s0 + s1 + s2 + s3;
}

/** out[a] += f·m[o + a] for a < d. */
function addRow(out: Float64Array, f: number, m: Float32Array, o: number, d: number): void {
  let a = 0;
  for (; a + 3 < d; a += 4) {
    out[a] = out[a]! + f * m[o + a]!;
    out[a + 1] = out[a + 1]! + f * m[o + a + 1]!;
    out[a + 2] = out[a + 2]! + f * m[o + a + 2]!;
    out[a + 3] = out[a + 3]! + f * m[o + a + 3]!;
  }
  for (; a < d; a++) out[a] = out[a]! + f * m[o + a]!;
}

/**
 * The HKV objective Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(‖X‖² + ‖Y‖²), computed without visiting
 * the unobserved pairs: Σ_u x_uᵀ(YᵀY)x_u covers every pair with p = 0 and c = 1, and each observed
 * pair corrects its term.
 */
export function alsLoss(
  byUser: Csr,
  model: AlsModel,
  params: Pick<AlsParams, 'lambda' | 'alpha' | 'scaling' | 'epsilon'>,
): number {
  const d = model.dims;
  const X = model.userFactors;
  const Y = model.itemFactors;
  const gram = gramOf(Y, byUser.cols, d);
  const cm1 = confidenceMinusOne(byUser, params);
  let loss = 0;
  for (let u = 0; u < byUser.rows; u++) {
    const xo = u * d;
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += gram[a * d + b]! * X[xo + b]!;
      loss += X[xo + a]! * s;
    }
    for (let e = byUser.indptr[u]!; e < byUser.indptr[u + 1]!; e++) {
      const yo = byUser.indices[e]! * d;
      let xy = 0;
      for (let a = 0; a < d; a++) xy += X[xo + a]! * Y[yo + a]!;
      const c = 1 + cm1[e]!;
      loss += c * (1 - xy) * (1 - xy) - xy * xy;
    }
  }
  let reg = 0;
  for (let k = 0; k < X.length; k++) reg += X[k]! * X[k]!;
  for (let k = 0; k < Y.length; k++) reg += Y[k]! * Y[k]!;
  return loss + params.lambda * reg;
}
