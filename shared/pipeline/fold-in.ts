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

/** Solves the normal equations above; returns the bounded user vector. */
export function foldInUser(input: FoldInInput): Float64Array {
  const { dims, gram, factors, interactions, prior, lambda, alpha, priorWeight } = input;
  const a = new Float64Array(dims * dims);
  for (let i = 0; i < dims * dims; i++) a[i] = gram[i] ?? 0;
  const b = new Float64Array(dims);
  for (const { row, weight } of interactions) {
    const c = 1 + alpha * confidenceScale(weight, input.confidence ?? 'linear', input.epsilon ?? 1);
    const base = row * dims;
    for (let i = 0; i < dims; i++) {
      const yi = factors[base + i]!;
      b[i]! += c * yi;
      const ci = (c - 1) * yi;
      for (let j = 0; j < dims; j++) a[i * dims + j]! += ci * factors[base + j]!;
    }
  }
  for (let i = 0; i < dims; i++) {
    a[i * dims + i]! += lambda + priorWeight;
    if (prior !== null) b[i]! += priorWeight * (prior[i] ?? 0);
  }
  const x = choleskySolve(a, b, dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += x[i]! * x[i]!;
  norm = Math.sqrt(norm);
  if (norm > input.maxNorm && norm > 0) {
    const s = input.maxNorm / norm;
    for (let i = 0; i < dims; i++) x[i]! *= s;
  }
  return x;
}

/**
 * Solves A x = b for a symmetric positive definite A (n × n, row-major; overwritten) by the
 * Cholesky factorisation A = LLᵀ. λ + μ > 0 on the diagonal guarantees definiteness.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0)) throw new RangeError('fold-in: matrix is not positive definite');
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * y[k]!;
    y[i] = s / a[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  return x;
}
