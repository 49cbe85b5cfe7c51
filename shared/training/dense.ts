/**
 * Dense linear algebra on row-major Float64Arrays: Gram matrices, Cholesky solves and an in-place
 * inverse of a symmetric positive-definite matrix (EASE). Inner loops run over contiguous rows.
 */

/** `out = FᵀF` (dims × dims) of row-major factors `f` (rows × dims). */
export function gramOf(
  f: ArrayLike<number>,
  rows: number,
  dims: number,
  out: Float64Array = new Float64Array(dims * dims),
): Float64Array {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * dims;
    for (let a = 0; a < dims; a++) {
      const fa = f[o + a]!;
      if (fa === 0) continue;
      const row = a * dims;
      for (let b = a; b < dims; b++) out[row + b] = out[row + b]! + fa * f[o + b]!;
    }
  }
  for (let a = 0; a < dims; a++) for (let b = 0; b < a; b++) out[a * dims + b] = out[b * dims + a]!;
  return out;
}

/**
 * Cholesky factorisation A = LLᵀ in place (lower triangle of row-major `a`, n × n). Throws when A
 * is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError('matrix is not positive definite');
        a[ri + i] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j]!;
      }
    }
  }
}

/** Solves LLᵀx = b given the factor from `choleskyInPlace`; writes x into `b`. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const ri = i * n;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * b[k]!;
    b[i] = s / l[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** Solves the SPD system Ax = b directly (copies A); the reference the CG solver is tested against. */
export function solveSpd(a: ArrayLike<number>, n: number, b: ArrayLike<number>): Float64Array {
  const l = Float64Array.from(a as ArrayLike<number>);
  choleskyInPlace(l, n);
  const x = Float64Array.from(b as ArrayLike<number>);
  choleskySolveInPlace(l, n, x);
  return x;
}

/**
 * Replaces the SPD matrix `a` (row-major n × n, full) by its inverse, using only n² doubles of
 * memory plus O(n): A = UᵀU (right-looking upper Cholesky), W = U⁻¹ (upper, row by row from the
 * bottom), A⁻¹ = WWᵀ (row dot products). About n³ flops, every inner loop over a contiguous row
 * (unrolled by four: V8 does not vectorise, independent accumulators keep the pipeline busy).
 */
export function invertSpdInPlace(a: Float64Array, n: number): void {
  // 1. Upper Cholesky: row i of U is a[i][i..n). Right-looking: after finishing row i, subtract
  //    its outer product from the trailing upper triangle.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const d = a[ri + i]!;
    if (!(d > 0)) throw new RangeError('matrix is not positive definite');
    const uii = Math.sqrt(d);
    a[ri + i] = uii;
    const inv = 1 / uii;
    for (let j = i + 1; j < n; j++) a[ri + j] = a[ri + j]! * inv;
    for (let k = i + 1; k < n; k++) {
      const f = a[ri + k]!;
      if (f !== 0) axpy(a, k * n, -f, a, ri, k, n);
    }
  }
  // 2. W = U⁻¹ in place (upper): row i of W = (e_i − Σ_{k>i} U[i][k]·W[k,:]) / U[i][i].
  const tmp = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    tmp.fill(0, i, n);
    for (let k = i + 1; k < n; k++) {
      const f = a[ri + k]!;
      if (f !== 0) axpy(tmp, 0, -f, a, k * n, k, n);
    }
    const inv = 1 / a[ri + i]!;
    a[ri + i] = inv;
    for (let j = i + 1; j < n; j++) a[ri + j] = tmp[j]! * inv;
  }
  // 3. A⁻¹ = WWᵀ: (i, j ≤ i) = Σ_{k≥i} W[i][k]·W[j][k], written into the lower triangle (only
  //    zeros of the upper-triangular W live there); row i is buffered because its diagonal W[i][i]
  //    is read until the row is complete, and no later row reads it.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) tmp[j] = dot(a, ri, a, j * n, i, n);
    for (let j = 0; j <= i; j++) a[ri + j] = tmp[j]!;
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i]!;
}

/** y[yo + j] += f · x[xo + j] for j in [from, to). */
function axpy(
  y: Float64Array,
  yo: number,
  f: number,
  x: Float64Array,
  xo: number,
  from: number,
  to: number,
): void {
  let j = from;
  for (; j + 3 < to; j += 4) {
    y[yo + j] = y[yo + j]! + f * x[xo + j]!;
    y[yo + j + 1] = y[yo + j + 1]! + f * x[xo + j + 1]!;
    y[yo + j + 2] = y[yo + j + 2]! + f * x[xo + j + 2]!;
    y[yo + j + 3] = y[yo + j + 3]! + f * x[xo + j + 3]!;
  }
  for (; j < to; j++) y[yo + j] = y[yo + j]! + f * x[xo + j]!;
}

/** Σ x[xo + k]·y[yo + k] for k in [from, to). */
function dot(
  x: Float64Array,
  xo: number,
  y: Float64Array,
  yo: number,
  from: number,
  to: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = from;
  for (; k + 3 < to; k += 4) {
    s0 += x[xo + k]! * y[yo + k]!;
    s1 += x[xo + k + 1]! * y[yo + k + 1]!;
    s2 += x[xo + k + 2]! * y[yo + k + 2]!;
    s3 += x[xo + k + 3]! * y[yo + k + 3]!;
  }
  for (; k < to; k++) s0 += x[xo + k]! * y[yo + k]!;
  return s0 + s1 + s2 + s3;
}
