/**
 * Fold-in of one user's vector against fixed item factors: the implicit-feedback ALS user step of
 * Hu, Koren & Volinsky (2008), "Collaborative Filtering for Implicit Feedback Datasets", eq. 4,
 *
 *   x = (YᵀY + Yᵀ(Cᵘ − I)Y + λI)⁻¹ YᵀCᵘp(u),   cᵤᵢ = 1 + α·f(rᵤᵢ),
 *
 * with f the confidence scaling the batch trained with (linear, log or binary; `confidenceScale`),
 *
 * extended with a Gaussian prior toward the batch vector x₀ (weight μ) so that a handful of recent
 * events nudges the vector instead of replacing it: minimise Σᵢ cᵤᵢ(pᵤᵢ − xᵀyᵢ)² + λ‖x‖² + μ‖x − x₀‖²,
 * whose normal equations are (YᵀY + Σᵢ (cᵤᵢ − 1)yᵢyᵢᵀ + (λ + μ)I) x = Σᵢ cᵤᵢ yᵢ + μx₀.
 * YᵀY comes precomputed with the version (`manifest.gram`), so a solve costs O(n·d² + d³) for n
 * interacted items. The result's norm is bounded so that it cannot drift.
 */

import { confidenceScale, type ConfidenceScaling } from '../training/als';

/** One interacted item: its row in the factor matrix and its summed event weight rᵤᵢ (> 0). */
export interface FoldInInteraction {
  row: number;
  weight: number;
}

export interface FoldInInput {
  dims: number;
  /** YᵀY, dims × dims row-major. */
  gram: ArrayLike<number>;
  /** Item factors, row-major `items × dims`. */
  factors: Float32Array;
  interactions: readonly FoldInInteraction[];
  /** The batch vector x₀, or null for a user the batch did not know (prior toward 0). */
  prior: ArrayLike<number> | null;
  lambda: number;
  alpha: number;
  priorWeight: number;
  /** The batch's confidence scaling f (default linear) and its ε for `log`. */
  confidence?: ConfidenceScaling;
  epsilon?: number;
  /** Upper bound of ‖x‖; the solution is scaled down onto it when longer. */
  maxNorm: number;
}

/**
 * What every solve of one model shares: YᵀY, the Cholesky factor L of B = YᵀY + (λ + μ)I (lower
 * triangle, row-major), and L⁻¹yᵢ of the items users interacted with so far (filled on first use).
 * A user's matrix is B plus a rank-n update, so it is solved against L instead of refactorising
 * d × d (see `foldInUser`).
 */
export interface FoldInBasis {
  dims: number;
  lambda: number;
  priorWeight: number;
  /** The item factors the basis belongs to (rows of `solvedRows` index them). */
  factors: Float32Array;
  /** YᵀY, dims × dims row-major. */
  gram: Float64Array;
  /** L with B = LLᵀ; entries above the diagonal are unused. */
  chol: Float64Array;
  /** L⁻¹yᵢ per item row, bounded by `MAX_SOLVED_ROWS`. */
  solvedRows: Map<number, Float64Array>;
}

/** Most cached L⁻¹yᵢ rows per basis (8 MB at d = 64); a full cache starts over. */
const MAX_SOLVED_ROWS = 16_384;

/** Factorises YᵀY + (λ + μ)I once, for every fold-in of one model. */
export function prepareFoldIn(
  dims: number,
  gram: ArrayLike<number>,
  factors: Float32Array,
  lambda: number,
  priorWeight: number,
): FoldInBasis {
  const g = new Float64Array(dims * dims);
  for (let i = 0; i < dims * dims; i++) g[i] = gram[i] ?? 0;
  const chol = Float64Array.from(g);
  for (let i = 0; i < dims; i++) chol[i * dims + i]! += lambda + priorWeight;
  choleskyFactor(chol, dims);
  return { dims, lambda, priorWeight, factors, gram: g, chol, solvedRows: new Map() };
}

/**
 * Which way a user with `n` interactions is solved: `woodbury` (the Woodbury identity against the
 * shared factor, O(n²·d/2 + n³/6) once the items' L⁻¹yᵢ are cached) or `direct` (form the d × d
 * matrix and factorise it, O(n·d²/2 + d³/6)). Both compute the same solution; the cheaper one
 * wins, which is Woodbury up to about n = d (the recent list holds 50 events).
 */
export function foldInStrategy(n: number, dims: number): 'woodbury' | 'direct' {
  return (n * n * dims) / 2 + (n * n * n) / 6 < (n * dims * dims) / 2 + (dims * dims * dims) / 6
    ? 'woodbury'
    : 'direct';
}

/**
 * Solves the normal equations above; returns the bounded user vector. Pass `basis` (from
 * `prepareFoldIn` with the same gram, λ and μ) to share its factorisation across users.
 */
export function foldInUser(input: FoldInInput & { basis?: FoldInBasis }): Float64Array {
  const { dims, factors, interactions, prior, lambda, alpha, priorWeight } = input;
  const basis =
    input.basis !== undefined &&
    input.basis.dims === dims &&
    input.basis.lambda === lambda &&
    input.basis.priorWeight === priorWeight &&
    input.basis.factors === factors
      ? input.basis
      : prepareFoldIn(dims, input.gram, factors, lambda, priorWeight);
  const n = interactions.length;
  // cᵤᵢ per interaction; b = Σᵢ cᵤᵢ yᵢ + μx₀ is the same for both ways of solving.
  const conf = new Float64Array(n);
  const b = new Float64Array(dims);
  for (let t = 0; t < n; t++) {
    const { row, weight } = interactions[t]!;
    const c = 1 + alpha * confidenceScale(weight, input.confidence ?? 'linear', input.epsilon ?? 1);
    conf[t] = c;
    const base = row * dims;
    for (let i = 0; i < dims; i++) b[i]! += c * factors[base + i]!;
  }
  if (prior !== null) for (let i = 0; i < dims; i++) b[i]! += priorWeight * (prior[i] ?? 0);
  const x =
    foldInStrategy(n, dims) === 'woodbury'
      ? solveWoodbury(basis, interactions, conf, b)
      : solveDirect(basis, factors, interactions, conf, b);
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += x[i]! * x[i]!;
  norm = Math.sqrt(norm);
  if (norm > input.maxNorm && norm > 0) {
    const s = input.maxNorm / norm;
    for (let i = 0; i < dims; i++) x[i]! *= s;
  }
  return x;
}

/** B + Σᵢ (cᵤᵢ − 1)yᵢyᵢᵀ formed in its lower triangle (all the factorisation reads), then solved. */
function solveDirect(
  basis: FoldInBasis,
  factors: Float32Array,
  interactions: readonly FoldInInteraction[],
  conf: Float64Array,
  b: Float64Array,
): Float64Array {
  const d = basis.dims;
  const a = Float64Array.from(basis.gram);
  for (let t = 0; t < interactions.length; t++) {
    const base = interactions[t]!.row * d;
    const c1 = conf[t]! - 1;
    for (let i = 0; i < d; i++) {
      const ci = c1 * factors[base + i]!;
      const ri = i * d;
      for (let j = 0; j <= i; j++) a[ri + j]! += ci * factors[base + j]!;
    }
  }
  for (let i = 0; i < d; i++) a[i * d + i]! += basis.lambda + basis.priorWeight;
  return choleskySolve(a, b, d);
}

/**
 * The same solution by the Woodbury identity. With B = LLᵀ and U = [sᵢyᵢ], sᵢ = √(cᵤᵢ − 1),
 * A = B + UUᵀ = L(I + WWᵀ)Lᵀ for W = L⁻¹U (rows sᵢzᵢ, zᵢ = L⁻¹yᵢ from the basis), so
 * A⁻¹b = L⁻ᵀ(v − W(I + WᵀW)⁻¹Wᵀv) with v = L⁻¹b: an n × n solve instead of a d × d factorisation.
 */
function solveWoodbury(
  basis: FoldInBasis,
  interactions: readonly FoldInInteraction[],
  conf: Float64Array,
  b: Float64Array,
): Float64Array {
  const d = basis.dims;
  const n = interactions.length;
  const z = interactions.map(({ row }) => solvedRow(basis, row));
  const scale = Float64Array.from(conf, (c) => Math.sqrt(Math.max(0, c - 1)));
  const v = forwardSubstitute(basis.chol, b, d);
  // Capacitance matrix I + WᵀW (n × n, lower triangle) and the right-hand side Wᵀv.
  const cap = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const zp = z[p]!;
    for (let q = 0; q <= p; q++) {
      const zq = z[q]!;
      let s = 0;
      for (let i = 0; i < d; i++) s += zp[i]! * zq[i]!;
      cap[p * n + q] = (p === q ? 1 : 0) + scale[p]! * scale[q]! * s;
    }
    let s = 0;
    for (let i = 0; i < d; i++) s += zp[i]! * v[i]!;
    rhs[p] = scale[p]! * s;
  }
  const coef = n > 0 ? choleskySolve(cap, rhs, n) : rhs;
  for (let p = 0; p < n; p++) {
    const zp = z[p]!;
    const cp = coef[p]! * scale[p]!;
    for (let i = 0; i < d; i++) v[i]! -= cp * zp[i]!;
  }
  return backSubstitute(basis.chol, v, d);
}

/** L⁻¹yᵢ of item `row`, from the basis' cache or solved (and cached) now. */
function solvedRow(basis: FoldInBasis, row: number): Float64Array {
  let z = basis.solvedRows.get(row);
  if (z === undefined) {
    const d = basis.dims;
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) y[i] = basis.factors[row * d + i]!;
    z = forwardSubstitute(basis.chol, y, d);
    if (basis.solvedRows.size >= MAX_SOLVED_ROWS) basis.solvedRows.clear();
    basis.solvedRows.set(row, z);
  }
  return z;
}

/**
 * Solves A x = b for a symmetric positive definite A (n × n, row-major; overwritten, only its lower
 * triangle is read) by the Cholesky factorisation A = LLᵀ. λ + μ > 0 on the diagonal guarantees
 * definiteness.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  choleskyFactor(a, n);
  return backSubstitute(a, forwardSubstitute(a, b, n), n);
}

/** Overwrites the lower triangle of `a` with L, A = LLᵀ. */
function choleskyFactor(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) throw new RangeError('fold-in: matrix is not positive definite');
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / ljj;
    }
  }
}

/** y = L⁻¹b. */
function forwardSubstitute(l: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * y[k]!;
    y[i] = s / l[ri + i]!;
  }
  return y;
}

/** x = L⁻ᵀy. */
function backSubstitute(l: Float64Array, y: Float64Array, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}
